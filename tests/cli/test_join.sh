#!/bin/sh
# vigil cases join (issue 16): hand-built prediction logs and event tables with known answers --
# window edges (an event exactly at prediction + offset, exactly at + offset + window, one
# second past it; two tied events at each edge, in timestamps and in decimals that do not add up
# exactly in doubles; a window ending exactly at as-of), an event inside the offset, events before the prediction, other event
# types, repeated predictions aggregated first/last/max, entities without events, windows still
# open (immature, never negative), future-dated events that change nothing, numeric times,
# lead times per group with the cell-size rule -- and the bad inputs.
. "$(dirname "$0")/lib.sh"
V=${VIGIL:-$ROOT/build/vigil}
cd "$T"

# p = prediction at 2026-01-01T00:00, offset 2 h, window 24 h: the window is [02:00, 26:00].
cat >pred.csv <<'EOF'
id,t,score,site
a,2026-01-01T00:00,0.30,x
b,2026-01-01T00:00,0.40,x
c,2026-01-01T00:00,0.50,x
d,2026-01-01T00:00,0.60,y
e,2026-01-01T00:00,0.70,y
f,2026-01-01T00:00,0.80,y
g,2026-01-01T00:00,0.90,y
h,2026-01-01T00:00,0.10,y
r,2026-01-01T00:00,0.20,x
r,2026-01-01T12:00,0.95,x
r,2026-01-02T00:00,0.15,x
z,2026-01-09T00:00,0.50,x
EOF
# a: exactly at + offset (in); b: exactly at the window's end (in); c: one second past (out);
# d: inside the offset only (out); e: before the prediction only (out); f: another type (out);
# g: in the window, and one later; h: no event; r: repeated predictions, event 2026-01-02T01:00;
# z: window [01-09T02:00, 01-10T02:00] still open at as-of 01-10T00:00 (immature).
cat >ev.csv <<'EOF'
id,t,kind
a,2026-01-01T02:00,sepsis
b,2026-01-02T02:00,sepsis
c,2026-01-02T02:00:01,sepsis
d,2026-01-01T01:00,sepsis
e,2025-12-31T23:00,sepsis
f,2026-01-01T05:00,death
g,2026-01-01T05:00Z,sepsis
g,2026-01-01T07:00+00:00,sepsis
r,2026-01-02T01:00,sepsis
EOF
J="cases join --predictions pred.csv --events ev.csv --entity id --time t --score score --event-time t \
   --event-type kind --target sepsis --window 24 --offset 2 --as-of 2026-01-10T00:00"
# shellcheck disable=SC2086
run "$V" $J --out each.csv --format json
expect_rc 0 "join, one case per prediction"
expect_json "d['predictions'] == 12 and d['entities'] == 10 and d['cases'] == 11 and d['immature'] == 1 and d['positives'] == 5" "counts"
/usr/bin/python3 - each.csv <<'PY' || { echo "FAIL: labels of the hand-built cases"; fails=$((fails + 1)); }
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = [(r["id"], r["t"], r["label"], r["event_time"]) for r in rows]
want = [("a", "2026-01-01T00:00", "1", "2026-01-01T02:00"), ("b", "2026-01-01T00:00", "1", "2026-01-02T02:00"),
        ("c", "2026-01-01T00:00", "0", ""), ("d", "2026-01-01T00:00", "0", ""), ("e", "2026-01-01T00:00", "0", ""),
        ("f", "2026-01-01T00:00", "0", ""), ("g", "2026-01-01T00:00", "1", "2026-01-01T05:00Z"),
        ("h", "2026-01-01T00:00", "0", ""),
        # r at 00:00: window to 02T02:00 holds 02T01:00; at 12:00 (from 14:00) too; at 02T00:00
        # the window opens at 02T02:00, after the event: negative
        ("r", "2026-01-01T00:00", "1", "2026-01-02T01:00"), ("r", "2026-01-01T12:00", "1", "2026-01-02T01:00"),
        ("r", "2026-01-02T00:00", "0", "")]
assert got == want, got
assert all(r["site"] in ("x", "y") and r["score"] for r in rows)
PY
# --keep-immature (what a monitor's data.join does): the same cases, and z written with an empty
# label (missing, never 0); the counts unchanged
# shellcheck disable=SC2086
run "$V" $J --keep-immature --out keep.csv --format json
expect_rc 0 "join --keep-immature"
expect_json "d['cases'] == 11 and d['immature'] == 1 and d['immature_rows_kept'] is True" "counts with --keep-immature"
[ "$(grep -v '^z,' keep.csv)" = "$(cat each.csv)" ] || { echo "FAIL: --keep-immature changed the mature cases"; fails=$((fails + 1)); }
grep -qx 'z,2026-01-09T00:00,0.5,x,,' keep.csv || { echo "FAIL: --keep-immature: z is '$(grep '^z,' keep.csv)'"; fails=$((fails + 1)); }
for agg in first:2026-01-01T00:00:1 last:2026-01-02T00:00:0 max:2026-01-01T12:00:1; do
    a=${agg%%:*} rest=${agg#*:}
    # shellcheck disable=SC2086
    run "$V" $J --aggregate "$a" --out "$a.csv"
    expect_rc 0 "join --aggregate $a"
    line=$(grep '^r,' "$a.csv")
    want_t=${rest%:*} want_l=${rest##*:}
    case "$line" in
    "r,$want_t,"*",$want_l,"*) ;;
    *) echo "FAIL: --aggregate $a: entity r is '$line', expected time $want_t label $want_l"; fails=$((fails + 1)) ;;
    esac
    [ "$(grep -c '^r,' "$a.csv")" = 1 ] || { echo "FAIL: --aggregate $a keeps one case per entity"; fails=$((fails + 1)); }
done

# Future-dated events change nothing: events after as-of are not known yet.
cp ev.csv ev_future.csv
printf 'h,2026-01-15T00:00,sepsis\nz,2026-01-10T01:00,sepsis\nq,2027-01-01T00:00,sepsis\n' >>ev_future.csv
# shellcheck disable=SC2086
run "$V" $(echo "$J" | sed 's/ev.csv/ev_future.csv/') --out future.csv --format json
expect_rc 0 "join with future-dated events"
cmp -s each.csv future.csv || { echo "FAIL: events after as-of changed the cases"; fails=$((fails + 1)); }
expect_json "d['events']['future'] == 2 and d['events']['unmatched_entities'] == 1" "future events counted, unmatched entity counted"
# ... and once as-of has passed z's window end, z is mature (and positive from its 01-10T01:00 event)
# shellcheck disable=SC2086
run "$V" $(echo "$J" | sed 's/ev.csv/ev_future.csv/; s/2026-01-10T00:00/2026-01-10T03:00/') --out later.csv --format json
expect_json "d['immature'] == 0 and d['cases'] == 12" "a closed window is mature"
grep -q '^z,2026-01-09T00:00,0.5,x,1,2026-01-10T01:00$' later.csv ||
    { echo "FAIL: z after its window closed: $(grep '^z,' later.csv)"; fails=$((fails + 1)); }

# Ties at the edges: two events of one entity at the same instant, exactly at prediction +
# offset (s) and exactly at + offset + window (t), and two one second past the end (k); a
# window that ends exactly at as-of is closed (m: a mature negative, not immature); each tie
# makes one positive, its event_time the first of the two in the event table's order (which
# write the instant differently); cases in entity order.
printf 'id,t,score\ns,2026-01-01T00:00,0.5\nt,2026-01-01T00:00,0.5\nk,2026-01-01T00:00,0.5\nm,2026-01-09T00:00,0.5\n' >tpred.csv
printf 'id,t\ns,2026-01-01T02:00\ns,2026-01-01T02:00:00Z\nt,2026-01-02T02:00:00\nt,2026-01-02T02:00\nk,2026-01-02T02:00:01\nk,2026-01-02T02:00:01Z\n' >tev.csv
run "$V" cases join --predictions tpred.csv --events tev.csv --entity id --time t --score score --event-time t \
    --window 24 --offset 2 --as-of 2026-01-10T02:00 --out ties.csv --format json
expect_rc 0 "ties at the edges"
expect_json "d['cases'] == 4 and d['positives'] == 2 and d['immature'] == 0 and d['events']['used'] == 6" "two positives from two ties, m mature"
want='id,t,score,label,event_time
k,2026-01-01T00:00,0.5,0,
m,2026-01-09T00:00,0.5,0,
s,2026-01-01T00:00,0.5,1,2026-01-01T02:00
t,2026-01-01T00:00,0.5,1,2026-01-02T02:00:00'
[ "$(cat ties.csv)" = "$want" ] || { echo "FAIL: ties at the edges: $(cat ties.csv)"; fails=$((fails + 1)); }
# one second before m's window closes it is still open: immature
run "$V" cases join --predictions tpred.csv --events tev.csv --entity id --time t --score score --event-time t \
    --window 24 --offset 2 --as-of 2026-01-10T01:59:59 --out ties2.csv --format json
expect_json "d['cases'] == 3 and d['immature'] == 1" "m's window open one second before its end"
# The same in decimal numbers, where the edges do not add up exactly in doubles (0.1 + 0.2 is
# 0.30000000000000004): u's two events at 0.3 are at the offset, v's two at 0.6 at the window's
# end, w's window [0.9, 1.2] ends at as-of 1.2 (closed: negative), x's two events at 0.61 past it.
printf 'id,t,score\nu,0.1,0.9\nv,0.1,0.2\nw,0.7,0.5\nx,0.1,0.3\n' >dpred.csv
printf 'id,t\nu,0.3\nu,0.3\nv,0.6\nv,0.6\nx,0.61\nx,0.61\n' >dev.csv
run "$V" cases join --predictions dpred.csv --events dev.csv --entity id --time t --score score --event-time t \
    --window 0.3 --offset 0.2 --as-of 1.2 --out dec.csv --format json
expect_rc 0 "decimal edges"
expect_json "d['cases'] == 4 and d['positives'] == 2 and d['immature'] == 0" "u and v positive at the edges, w closed"
want='id,t,score,label,event_time
u,0.1,0.9,1,0.3
v,0.1,0.2,1,0.6
w,0.7,0.5,0,
x,0.1,0.3,0,'
[ "$(cat dec.csv)" = "$want" ] || { echo "FAIL: decimal edges: $(cat dec.csv)"; fails=$((fails + 1)); }

# Numeric times: one unit for times, window, offset and as-of (required).
printf 'id,t,score\nu,10,0.9\nv,10,0.2\nw,95,0.5\n' >npred.csv
printf 'id,t\nu,12\nv,13.5\nw,96\n' >nev.csv
run "$V" cases join --predictions npred.csv --events nev.csv --entity id --time t --score score --event-time t \
    --window 1.5 --offset 2 --out n.csv
expect_rc 2 "numeric times without --as-of"
expect_err "give --as-of" "says why"
run "$V" cases join --predictions npred.csv --events nev.csv --entity id --time t --score score --event-time t \
    --window 1.5 --offset 2 --as-of 96 --out n.csv --format json
expect_rc 0 "numeric times"
expect_json "d['cases'] == 2 and d['positives'] == 2 and d['immature'] == 1" "u at 12 (offset edge), v at 13.5 (window edge); w open"

# Lead time per group, with the cell-size rule: 12 entities on site x, 11 on site y; wards a
# (20) and b (3: y1..y3).
{
    echo "id,t,score,site,ward"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
        echo "x$i,2026-03-01T00:00,0.2,x,a"
        echo "x$i,2026-03-01T0$((i % 10)):00,0.8,x,a"
    done
    for i in 1 2 3 4 5 6 7 8 9 10 11; do echo "y$i,2026-03-01T00:00,0.9,y,$([ "$i" -le 3 ] && echo b || echo a)"; done
} >lpred.csv
{
    echo "id,t"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "x$i,2026-03-01T12:00"; done
    for i in 1 2 3 4 5 6 7 8 9 10 11; do echo "y$i,2026-03-01T06:00"; done
} >lev.csv
run "$V" cases join --predictions lpred.csv --events lev.csv --entity id --time t --score score --event-time t \
    --window 24 --as-of 2026-04-01T00:00 --threshold 0.5 --group site --group ward --out l.csv --format json
expect_rc 0 "lead times"
# x_i flagged at hour (i mod 10) (x10 at 00:00, beside its 0.2 score), event at 12:00: leads
# 11,10,...,3 and 12,11,10 -> sorted 3..9,10,10,11,11,12, median 8.5, quartiles 5.75 and 10.25 (type 7)
expect_json "d['lead_time']['groups']['site']['x']['median'] == 8.5 and d['lead_time']['groups']['site']['x']['q1'] == 5.75 and d['lead_time']['groups']['site']['x']['flagged_before_event'] == 12" "site x's lead times"
expect_json "d['lead_time']['groups']['site']['y']['median'] == 6 and d['lead_time']['groups']['site']['y']['entities_with_event'] == 11" "site y: 11 leads of 6 h"
# ward b (3 entities) is withheld, and so is ward a (20): the overall minus a would give b away
expect_json "all('median' not in w and w['entities_with_event'] is None and 'withheld' in w for w in d['lead_time']['groups']['ward'].values())" "ward b (3) withheld, and ward a with it (secondary suppression)"
expect_json "d['lead_time']['overall']['entities_with_event'] == 23 and d['lead_time']['overall']['median'] == 6" "overall"

# Bad input: file:line:column, and no entity in common.
printf 'id,t,score\na,2026-13-01,0.5\n' >bad_time.csv
run "$V" cases join --predictions bad_time.csv --events ev.csv --entity id --time t --score score --event-time t \
    --window 24 --out x.csv
expect_rc 2 "a time that does not parse"
expect_err "bad_time.csv:2:2: the prediction time '2026-13-01' is not a timestamp" "names file:line:column and the value"
printf 'id,t,score\na,2026-01-01,0.5\nb,2026-01-01,\n' >bad_score.csv
run "$V" cases join --predictions bad_score.csv --events ev.csv --entity id --time t --score score --event-time t \
    --window 24 --out x.csv
expect_rc 2 "a missing score"
expect_err "bad_score.csv:3:3: the score ('score') is missing" "names file:line:column"
printf 'id,t\nnobody,2026-01-01\nnone,2026-01-02\n' >ev_other.csv
run "$V" cases join --predictions pred.csv --events ev_other.csv --entity id --time t --score score --event-time t \
    --window 24 --out x.csv
expect_rc 2 "events of no predicted entity"
expect_err "none of the 2 entities of its 2 target events matches an entity of" "names the count"
printf 'id,t\na,17\n' >ev_num.csv
run "$V" cases join --predictions pred.csv --events ev_num.csv --entity id --time t --score score --event-time t \
    --window 24 --out x.csv
expect_rc 2 "numbers mixed with timestamps"
expect_err "ev_num.csv:2:2: the event time '17' is not a timestamp" "names the row"
run "$V" cases join --predictions pred.csv --events ev.csv --entity id --time t --score score --event-time t \
    --window 0 --out x.csv
expect_rc 2 "window 0"
expect_err "the window must be a positive number" "says why"
[ ! -e x.csv ] || { echo "FAIL: a refused join wrote its output"; fails=$((fails + 1)); }
finish
