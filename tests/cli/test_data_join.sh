#!/bin/sh
# $.data.join (issue 16): a suite's or monitor's cases joined from a prediction log and an event
# table in the run itself. The suite's numbers must be those of `vigil cases join` followed by
# the same suite on the written file (byte for byte, apart from the data lineage); the join's
# counts are checked against a Python transcription of the rule (join.h) on the shipped logs;
# both input files are recorded with their SHA-256 (run_files, the result, the report's
# lineage); a monitor's as_of defaults to its --now day and keeps immature predictions
# unlabelled; the private joined file never outlives the run; VIGIL_ROOTS applies; with
# $.data.join.lead_time_threshold the suite's and the monitor's data.join hold cases join's
# lead_time (known answers on hand-built logs, the report's table, the cell-size policy).
. "$(dirname "$0")/lib.sh"
V=${VIGIL:-$ROOT/build/vigil}
L="$ROOT/datasets/logs"
mkdir -p "$T/tmp" "$T/s"
export TMPDIR="$T/tmp"
cd "$T"

# The rule, transcribed independently (include/vigil/join.h): positive when a target event of
# the entity falls in [p + offset, p + offset + window]; immature when none has and the window
# ends after as_of; events after as_of unknown; aggregate max keeps each entity's first highest.
cat >ref.py <<'EOF'
import csv, json, sys
from datetime import datetime
pred, ev, agg, as_of, window, offset = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), float(sys.argv[6])
ts = lambda s: datetime.fromisoformat(s).timestamp()
A = ts(as_of)
P = list(csv.DictReader(open(pred)))
E = [e for e in csv.DictReader(open(ev)) if e["type"] == "sepsis"]
known = [e for e in E if ts(e["time"]) <= A]
out = {"predictions": len(P), "entities": len({p["encounter"] for p in P}), "future": len(E) - len(known)}
by = {}
for i, p in enumerate(P):
    by.setdefault(p["encounter"], []).append((ts(p["time"]), i, p))
rows = []
for ent in sorted(by):
    ps = sorted(by[ent])
    if agg == "max":
        best = max(float(p["score"]) for _, _, p in ps)
        ps = [next(x for x in ps if float(x[2]["score"]) == best)]
    for t, i, p in ps:
        lo, hi = t + offset * 3600, t + (offset + window) * 3600
        pos = any(e["encounter"] == ent and lo <= ts(e["time"]) <= hi for e in known)
        rows.append((ent, p["time"], None if (not pos and hi > A) else int(pos)))
out["cases"] = sum(r[2] is not None for r in rows)
out["positives"] = sum(r[2] == 1 for r in rows)
out["immature"] = sum(r[2] is None for r in rows)
out["labels"] = {f"{e}|{t}": y for e, t, y in rows}
print(json.dumps(out))
EOF

# ---- the suite ----
run "$V" suite run "$ROOT/suites/sepsis-logs.json" --db "$T/s.db" --format json
expect_rc 0 "suites/sepsis-logs.json passes"
expect_err "1 prediction is immature (the window still open at 2026-02-27T00:00, no event yet): left out, not counted as negative" "the run says what it left out"
cp "$T/out" joined.json
# the logs exported with ';': the same join (the joined cases are written with commas whatever
# the logs' separator, and read back at commas)
sed 's/,/;/g' "$L/predictions.csv" > "$T/pred_semi.csv"; sed 's/,/;/g' "$L/events.csv" > "$T/ev_semi.csv"
/usr/bin/python3 -c "
import json, sys; s = json.load(open('$ROOT/suites/sepsis-logs.json'))
s['data']['join'].update(predictions='$T/pred_semi.csv', events='$T/ev_semi.csv'); s['data']['delimiter'] = ';'
s['model'] = {k: '$ROOT/suites/' + v for k, v in s.get('model', {}).items()} if s.get('model') else s.get('model')
json.dump({k: v for k, v in s.items() if v is not None}, open('$T/s/semi.json', 'w'))"
run "$V" suite run "$T/s/semi.json" --db "$T/semi.db" --format json
expect_rc 0 "a join of ';'-separated logs"
expect_json "d['n'] == 39 and d['data']['join']['immature'] == 1" "the ';' logs join to the same 39 cases"
cp joined.json "$T/out" # the comma suite's document again, for the checks below
/usr/bin/python3 ref.py "$L/predictions.csv" "$L/events.csv" max 2026-02-27T00:00 48 1 >ref_max.json
expect_json "all(d['data']['join'][k] == r[k] for r in [json.load(open('ref_max.json'))] for k in ('predictions', 'entities', 'cases', 'positives', 'immature'))" "join counts = the Python transcription (max, as of 2026-02-27)"
expect_json "d['data']['join']['immature'] == 1 and d['n'] == 39 and d['data']['rows'] == 39" "one immature prediction left out of the 40 encounters"
expect_json "d['data']['join']['events'] == {'rows': 27, 'target': 14, 'used': 14, 'future': 0, 'unmatched_entities': 0, 'entities_with_event_before_first_prediction': 0}" "event counts"
expect_json "d['data']['join']['as_of'] == '2026-02-27T00:00' and d['data']['join']['aggregate'] == 'max' and d['data']['join']['window'] == 48 and d['data']['join']['offset'] == 1" "the join's options in the result"
P_SHA=$(sha256sum "$L/predictions.csv" | cut -c1-64)
E_SHA=$(sha256sum "$L/events.csv" | cut -c1-64)
expect_json "d['data']['join']['files']['predictions']['sha256'] == '$P_SHA' and d['data']['join']['files']['events']['sha256'] == '$E_SHA'" "both input files' SHA-256 in the result"
expect_json "d['data']['join']['files']['predictions']['rows'] == 164 and d['data']['join']['files']['events']['rows'] == 27" "input rows"
expect_json "'joined with' in d['data']['path'] and 'vigil-join-' not in d['data']['path'] and d['data']['path'].startswith('$ROOT/datasets/logs/predictions.csv')" "data.path names the two files, not the private one"
RUN=$(/usr/bin/python3 -c "import json; print(json.load(open('joined.json'))['run_id'])")
/usr/bin/python3 - "$T/s.db" "$RUN" "$P_SHA" "$E_SHA" >files.txt <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(sorted(db.execute("select role, sha256 from run_files where run_id = ?", (int(sys.argv[2]),)).fetchall()))
EOF
if ! grep -q "('events', '$E_SHA'), ('predictions', '$P_SHA')" files.txt || grep -q "'data'" files.txt; then
    echo "FAIL: run_files lacks the two inputs with their digests: $(cat files.txt)"
    fails=$((fails + 1))
fi
[ -z "$(ls -A "$T/tmp")" ] || { echo "FAIL: the private joined file outlived the run: $(ls -A "$T/tmp")"; fails=$((fails + 1)); }

# the same suite on the file `vigil cases join` writes with the same options
run "$V" cases join --predictions "$L/predictions.csv" --events "$L/events.csv" --entity encounter --time time \
    --score score --event-time time --event-type type --target sepsis --window 48 --offset 1 --aggregate max \
    --as-of 2026-02-27T00:00 --out cases.csv --format json
expect_rc 0 "cases join"
/usr/bin/python3 - "$ROOT/suites/sepsis-logs.json" "$T/s/path.json" "$T/cases.csv" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
del s["data"]["join"]
s["data"]["path"] = sys.argv[3]
json.dump(s, open(sys.argv[2], "w"), indent=1)
EOF
run "$V" suite run "$T/s/path.json" --db "$T/s2.db" --format json
expect_rc 0 "the suite on the written case file"
cp "$T/out" path.json
C_SHA=$(sha256sum cases.csv | cut -c1-64)
/usr/bin/python3 - joined.json path.json "$C_SHA" <<'EOF' || fails=$((fails + 1))
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = []
if json.dumps(a["metrics"], sort_keys=True) != json.dumps(b["metrics"], sort_keys=True): bad.append("metrics")
if a["criteria"] != b["criteria"]: bad.append("criteria")
for k in set(a) | set(b):
    if k not in ("data", "run_id", "seconds", "metrics", "criteria") and a.get(k) != b.get(k): bad.append(k)
if a["data"]["sha256"] != sys.argv[3] or b["data"]["sha256"] != sys.argv[3]: bad.append("data.sha256 != the joined file's")
da, db = dict(a["data"]), dict(b["data"])
for d in (da, db): d.pop("path"), d.pop("join", None)
if da != db: bad.append("data (rows, time range, groups)")
if bad: print("FAIL: the join source differs from cases join + path in: " + ", ".join(bad))
sys.exit(1 if bad else 0)
EOF

# the report lists both files in its lineage table, with the counts left out
run "$V" report --run "$RUN" --db "$T/s.db" --out rep
expect_rc 0 "report of the joined run"
if ! grep -q "^| predictions | .*predictions.csv | $P_SHA | 5376 | 164 |" rep/report.md ||
   ! grep -q "^| events | .*events.csv | $E_SHA | 829 | 27 |" rep/report.md; then
    echo "FAIL: report lineage lacks the two input files: $(grep -A6 '| role | path' rep/report.md)"
    fails=$((fails + 1))
fi
grep -q "predictions were immature" rep/report.md || { echo "FAIL: report does not say what the join left out"; fails=$((fails + 1)); }
grep -q "fewer than 11 (withheld) predictions were immature" rep/report.md ||
    { echo "FAIL: report shows the small immature count"; fails=$((fails + 1)); }

# a future-dated event (after as_of) changes nothing but its count
cp "$L/predictions.csv" "$T/s/predictions.csv"
{ cat "$L/events.csv"; echo "E000,2026-02-27T06:00,sepsis"; } >"$T/s/events.csv"
sed 's|"../datasets/logs/|"|g' "$ROOT/suites/sepsis-logs.json" >"$T/s/future.json"
run "$V" suite run "$T/s/future.json" --db "$T/s3.db" --format json
expect_rc 0 "suite with a future event"
expect_json "d['data']['join']['events']['future'] == 1 and d['data']['join']['events']['used'] == 14" "the future event counted, not used"
expect_json "json.dumps(d['metrics'], sort_keys=True) == json.dumps(json.load(open('joined.json'))['metrics'], sort_keys=True)" "a future event changes no metric"

# VIGIL_ROOTS pins the log like a case file: outside the roots, refused with the JSON path
mkdir -p "$T/root"
sed 's|"../datasets/logs/predictions.csv"|"'"$L"'/predictions.csv"|' "$ROOT/suites/sepsis-logs.json" >"$T/root/s.json"
run env VIGIL_ROOTS="$T/root" "$V" suite run "$T/root/s.json" --db "$T/s4.db"
expect_rc 2 "a log outside VIGIL_ROOTS"
expect_err '$.data.join.predictions:' "the refusal names the JSON path"
expect_err "outside the allowed roots" "the refusal says why"

# an error in the joined data still leaves no private file behind
run "$V" suite run "$ROOT/tests/bad_inputs/files/suite_join_unmatched.json" --db "$T/s5.db"
expect_rc 2 "events matching no prediction"
expect_err "none of the 2 entities of its 3 target events matches" "the unmatched count"
[ -z "$(ls -A "$T/tmp")" ] || { echo "FAIL: a failed join left $(ls -A "$T/tmp")"; fails=$((fails + 1)); }

# Lead times ($.data.join.lead_time_threshold): the join's own lead_time, the one `vigil cases
# join --threshold T --group G` writes (the same function), in data.join and the report. On the
# hand-built logs of test_join.sh: x_i (site x, 12 entities) flagged at hour i mod 10 (x10 at
# 00:00), event at 12:00 -> leads 3..9,10,10,11,11,12 h: median 8.5, quartiles 5.75 and 10.25
# (type 7); y_i (site y, 11) leads of 6 h; ward b (y1..y3) withheld and ward a with it; n_i
# (site x, ward a) never have an event.
{
    echo "id,t,score,site,ward"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
        echo "x$i,2026-03-01T00:00,0.2,x,a"
        echo "x$i,2026-03-01T0$((i % 10)):00,0.8,x,a"
        echo "n$i,2026-03-01T00:00,0.$((i % 5 + 1)),x,a"
    done
    for i in 1 2 3 4 5 6 7 8 9 10 11; do echo "y$i,2026-03-01T00:00,0.9,y,$([ "$i" -le 3 ] && echo b || echo a)"; done
} >"$T/s/lpred.csv"
{
    echo "id,t"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "x$i,2026-03-01T12:00"; done
    for i in 1 2 3 4 5 6 7 8 9 10 11; do echo "y$i,2026-03-01T06:00"; done
} >"$T/s/lev.csv"
cat >"$T/s/lead.json" <<'EOF'
{ "name": "lead times", "bootstrap": 0,
  "data": { "join": { "predictions": "lpred.csv", "events": "lev.csv", "entity": "id", "time": "t", "score": "score",
                      "event_time": "t", "window": 24, "as_of": "2026-04-01T00:00", "lead_time_threshold": 0.5 },
            "columns": { "id": "id", "time": "t", "label": "label", "score": "score", "groups": ["site", "ward"] } },
  "criteria": [ { "name": "Brier", "metric": "brier", "rule": "at_most", "value": 1 } ] }
EOF
run "$V" suite run "$T/s/lead.json" --db "$T/lead.db" --format json
expect_rc 0 "a suite with lead times"
cp "$T/out" lead_suite.json
run "$V" cases join --predictions "$T/s/lpred.csv" --events "$T/s/lev.csv" --entity id --time t --score score \
    --event-time t --window 24 --as-of 2026-04-01T00:00 --threshold 0.5 --group site --group ward --out lcases.csv --format json
expect_rc 0 "cases join --threshold on the same logs"
expect_json "d['lead_time'] == json.load(open('lead_suite.json'))['data']['join']['lead_time']" "the suite's lead_time is cases join's"
cp lead_suite.json "$T/out"
expect_json "(lambda x: x['median'] == 8.5 and x['q1'] == 5.75 and x['q3'] == 10.25 and x['flagged_before_event'] == 12 and x['entities_with_event'] == 12)(d['data']['join']['lead_time']['groups']['site']['x'])" "site x's known lead times"
expect_json "(lambda L: L['groups']['site']['y']['median'] == 6 and all(w['entities_with_event'] is None and 'withheld' in w for w in L['groups']['ward'].values()) and L['overall']['entities_with_event'] == 23 and L['overall']['median'] == 6 and L['threshold'] == 0.5 and L['unit'] == 'hours')(d['data']['join']['lead_time'])" "site y; both wards withheld (b has 3); overall; threshold and unit"
LRUN=$(/usr/bin/python3 -c "import json; print(json.load(open('lead_suite.json'))['run_id'])")
run "$V" report --run "$LRUN" --db "$T/lead.db" --out lrep --no-plots
expect_rc 0 "report of the lead-time suite"
grep -q "^| site=x | 12 | 12 | 8.5 | 5.8 to 10.2 |" lrep/report.md && grep -q "^| ward=a | suppressed" lrep/report.md &&
    grep -q "Lead time from each entity's first score .>= 0.5 to its event (hours)" lrep/report.md ||
    { echo "FAIL: the report's lead-time table: $(grep -A5 'Lead time' lrep/report.md)"; fails=$((fails + 1)); }
# the suite's min_cell above 11 is honoured (site x's 12 entities withheld at 13, and y with
# it); under 11 counts of people stay withheld at 11 (ward b); without the key no lead_time
/usr/bin/python3 -c "import json; s = json.load(open('$T/s/lead.json')); s['min_cell'] = 13; json.dump(s, open('$T/s/lead13.json', 'w'))"
run "$V" suite run "$T/s/lead13.json" --db "$T/lead.db" --format json
expect_json "'withheld' in d['data']['join']['lead_time']['groups']['site']['x'] and 'withheld' in d['data']['join']['lead_time']['groups']['site']['y'] and d['data']['join']['lead_time']['overall']['median'] == 6" "min_cell 13: site x withheld (and y), overall (23) shown"
# the report's join paragraph: with min_cell 13 one of positives/negatives is small, so the
# other is withheld too (cases = positives + negatives would give it away)
RUN13=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$V" report --run "$RUN13" --db "$T/lead.db" --out lrep13
expect_rc 0 "report of the min_cell 13 suite"
grep -q "[0-9] positive, fewer than 13 (withheld) negative\|fewer than 13 (withheld) positive, [0-9]" lrep13/report.md &&
    { echo "FAIL: the join paragraph shows one of positives/negatives beside the other withheld: $(grep -o 'gave [^;]*' lrep13/report.md)"; fails=$((fails + 1)); }
grep -q "withheld (complementary to a small count)" lrep13/report.md ||
    { echo "FAIL: no complementary withholding in the join paragraph: $(grep -o 'gave [^;]*' lrep13/report.md)"; fails=$((fails + 1)); }
/usr/bin/python3 -c "import json; s = json.load(open('$T/s/lead.json')); s['min_cell'] = 2; json.dump(s, open('$T/s/lead5.json', 'w'))"
run "$V" suite run "$T/s/lead5.json" --db "$T/lead.db" --format json
expect_json "'withheld' in d['data']['join']['lead_time']['groups']['ward']['b'] and d['data']['join']['lead_time']['groups']['site']['x']['median'] == 8.5" "min_cell 2: counts of people still withheld under 11 (ward b)"
run "$V" suite run "$ROOT/suites/sepsis-logs.json" --db "$T/s.db" --format json
expect_json "'lead_time' not in d['data']['join']" "no lead_time without the key"

# ---- the monitor ----
# lead times in a monitor's data.join too (min_cell accepted for them alone), as cases join gives them
/usr/bin/python3 -c "
import json; m = json.load(open('$ROOT/monitors/sepsis-logs.json'))
m['data']['join'].update(predictions='$L/predictions.csv', events='$L/events.csv', lead_time_threshold=0.2)
m['data']['columns']['groups'] = ['unit']; m['min_cell'] = 11; m['performance'] = False
json.dump(m, open('$T/s/mlead.json', 'w'))"
run "$V" monitor run "$T/s/mlead.json" --db "$T/mlead.db" --now 2026-02-27 --format json
expect_rc 0 "a monitor with lead times"
cp "$T/out" mlead.json
run "$V" cases join --predictions "$L/predictions.csv" --events "$L/events.csv" --entity encounter --time time \
    --score score --event-time time --event-type type --target sepsis --window 48 --offset 1 \
    --as-of 2026-02-27T00:00 --keep-immature --threshold 0.2 --group unit --out mlcases.csv --format json
expect_json "d['lead_time'] == json.load(open('mlead.json'))['data']['join']['lead_time'] and d['lead_time']['overall']['entities_with_event'] == 14" "the monitor's lead_time is cases join's"
run "$V" monitor run "$ROOT/monitors/sepsis-logs.json" --db "$T/m.db" --now 2026-02-27 --format json
expect_rc 0 "monitors/sepsis-logs.json runs"
cp "$T/out" mon1.json
/usr/bin/python3 ref.py "$L/predictions.csv" "$L/events.csv" each 2026-02-27T00:00 48 1 >ref_each.json
expect_json "d['data']['join']['as_of'] == '2026-02-27T00:00'" "as_of defaults to the --now day at 00:00"
expect_json "all(d['data']['join'][k] == r[k] for r in [json.load(open('ref_each.json'))] for k in ('predictions', 'entities', 'cases', 'positives', 'immature'))" "monitor join counts = the Python transcription (each)"
expect_json "d['data']['join']['immature'] == 5 and d['data']['join']['immature_rows_kept'] is True and d['data']['rows'] == 164" "immature predictions kept as unlabelled rows"
# the current window (2026-02-21..27) holds every immature prediction, unlabelled, never negative
/usr/bin/python3 - <<'EOF' >cur.txt
import json
r = json.load(open("ref_each.json"))["labels"]
cur = [y for k, y in r.items() if "2026-02-21" <= k.split("|")[1][:10] <= "2026-02-27"]
print(len(cur), sum(y is None for y in cur))
EOF
read NCUR NIMM <cur.txt
expect_json "d['windows']['current']['n'] == $NCUR and d['performance']['unlabelled'] == $NIMM and d['performance']['n_labelled'] == $NCUR - $NIMM" "current window: $NIMM of $NCUR unlabelled (immature), as the transcription says"
expect_json "d['data']['join']['files']['predictions']['sha256'] == '$P_SHA' and d['data']['join']['files']['events']['sha256'] == '$E_SHA'" "monitor: both inputs' SHA-256"
# the same monitor on the file `vigil cases join --keep-immature` writes: the same night
run "$V" cases join --predictions "$L/predictions.csv" --events "$L/events.csv" --entity encounter --time time \
    --score score --event-time time --event-type type --target sepsis --window 48 --offset 1 \
    --as-of 2026-02-27T00:00 --keep-immature --out mcases.csv
expect_rc 0 "cases join --keep-immature"
expect_out "5 immature written with an empty label" "the summary says the immature rows were written"
/usr/bin/python3 - "$ROOT/monitors/sepsis-logs.json" "$T/s/mpath.json" "$T/mcases.csv" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
del m["data"]["join"]
m["data"]["path"] = sys.argv[3]
json.dump(m, open(sys.argv[2], "w"), indent=1)
EOF
run "$V" monitor run "$T/s/mpath.json" --db "$T/m2.db" --now 2026-02-27 --format json
expect_rc 0 "the monitor on the written case file"
M_SHA=$(sha256sum mcases.csv | cut -c1-64)
/usr/bin/python3 - mon1.json "$T/out" "$M_SHA" <<'EOF' || fails=$((fails + 1))
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = [k for k in set(a) | set(b) if k not in ("data", "run_id", "seconds", "lock") and a.get(k) != b.get(k)]
if a["data"]["sha256"] != sys.argv[3]: bad.append("data.sha256 != cases join --keep-immature's file")
if bad: print("FAIL: the monitor's join source differs from cases join --keep-immature + path in: " + ", ".join(bad))
sys.exit(1 if bad else 0)
EOF
run "$V" monitor run "$ROOT/monitors/sepsis-logs.json" --db "$T/m.db" --now 2026-02-27 --format json
expect_json "d['data'] == json.load(open('mon1.json'))['data'] and d['windows'] == json.load(open('mon1.json'))['windows']" "a re-run with the same --now joins the same cases"
run "$V" monitor run "$ROOT/monitors/sepsis-logs.json" --db "$T/m.db" --now 2026-02-22 --format json
expect_json "d['data']['join']['as_of'] == '2026-02-22T00:00' and d['data']['join']['immature'] > 5" "an earlier --now: an earlier as_of, more windows open"
/usr/bin/python3 - "$T/m.db" "$P_SHA" "$E_SHA" >mfiles.txt <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(sorted(set(db.execute("select role, sha256 from run_files where role != 'config'").fetchall())))
EOF
grep -q "\[('events', '$E_SHA'), ('predictions', '$P_SHA')\]" mfiles.txt ||
    { echo "FAIL: monitor run_files: $(cat mfiles.txt)"; fails=$((fails + 1)); }
[ -z "$(ls -A "$T/tmp")" ] || { echo "FAIL: a monitor left $(ls -A "$T/tmp")"; fails=$((fails + 1)); }

finish
