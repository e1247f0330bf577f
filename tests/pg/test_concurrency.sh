#!/bin/sh
# Many writers on one PostgreSQL store (run by tests/pg/run.sh): 20 processes at once (18
# metrics runs and 2 suite runs) all land and the audit tree verifies (the advisory lock
# keeps it from forking); writers killed -9 mid-run lose no committed run and leave no half
# run: each is whole, or left running (shown interrupted) with no results and no end entry;
# writers on two "hosts" (network and UTS namespaces) share one tree.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/server.sh"
CASE="$ROOT/tests/reference/metrics/case_a.csv"
SUITE="$ROOT/suites/flchain-v2-vs-v1.json"
DB=$(pg_newdb concurrency) || exit 1
export VIGIL_DB="$DB"
PY=/usr/bin/python3

pids=""
for k in $(seq 1 18); do
    "$VIGIL" metrics --data "$CASE" --score score --label label --group sex --bootstrap 200 --seed "$k" \
        >"$T/w$k.out" 2>"$T/w$k.err" &
    pids="$pids $!"
done
for k in 1 2; do
    "$VIGIL" suite run "$SUITE" >"$T/s$k.out" 2>"$T/s$k.err" &
    pids="$pids $!"
done
bad=0
for p in $pids; do
    wait "$p"
    [ $? -le 1 ] || bad=$((bad + 1))
done
[ "$bad" = 0 ] || { echo "FAIL: $bad of 20 concurrent writers failed: $(cat "$T"/w*.err "$T"/s*.err | head -c 600)"; fails=$((fails + 1)); }
run "$VIGIL" history --format json
expect_json "len(d['runs']) == 20 and all(r['status'] == 'completed' and r['result_digest'] for r in d['runs'])" "all 20 concurrent runs landed whole"
expect_json "sum(r['kind'] == 'suite' for r in d['runs']) == 2" "both suites landed"
cp "$T/out" "$T/before.json"
run "$VIGIL" audit verify --format json
expect_rc 0 "audit tree after 20 concurrent writers"
expect_json "d['ok'] and d['entries'] == 40 and d['runs'] == 20" "one begin and one end entry per run, no fork"

# kill -9 of writers mid-run: 10 writers, each killed at its own point in 0..6 s (some finish first).
pids=""
for k in $(seq 1 10); do
    "$VIGIL" metrics --data "$CASE" --score score --label label --group sex --bootstrap 2000 --seed "$k" \
        >/dev/null 2>"$T/k$k.err" &
    p=$!
    pids="$pids $p"
    (sleep "$($PY -c "import random; print('%.2f' % random.Random($k).uniform(0, 6))")"; kill -9 "$p" 2>/dev/null) &
done
for p in $pids; do wait "$p" 2>/dev/null; done
wait
run "$VIGIL" history --format json
cp "$T/out" "$T/after.json"
$PY - "$T/before.json" "$T/after.json" <<'PY' || { echo "FAIL: a kill -9 lost a committed run or left a half run"; fails=$((fails + 1)); }
import json, sys
prev = {r["id"]: r for r in json.load(open(sys.argv[1]))["runs"]}
now = {r["id"]: r for r in json.load(open(sys.argv[2]))["runs"]}
for i, r in prev.items():
    assert now.get(i) == r, ("a committed run changed or vanished", r, now.get(i))
new = [r for i, r in now.items() if i not in prev]
assert len(new) <= 10, new
for r in new:
    assert r["status"] in ("completed", "interrupted"), r
    if r["status"] == "completed":
        assert r["finished_at"] and r["result_digest"], r
    else:
        assert not r.get("finished_at") and not r.get("result_digest"), r
print("kill -9: %d new runs, %d completed, %d interrupted" % (len(new), sum(r["status"] == "completed" for r in new),
      sum(r["status"] == "interrupted" for r in new)))
PY
run "$VIGIL" audit verify
expect_rc 0 "audit tree after writers were killed -9"
# Two hosts: writers in two network and UTS namespaces (their own hostnames, no network but
# the server's Unix socket) append to the one tree at once; each run records its host.
if unshare --uts --net true 2>/dev/null; then
    H=$(pg_newdb twohosts) || exit 1
    pids=""
    for h in a b; do
        for k in 1 2 3 4 5; do
            unshare --uts --net sh -c 'hostname "vigil-host-$1" && shift && exec "$@"' sh "$h" \
                "$VIGIL" metrics --data "$CASE" --score score --label label --bootstrap 50 --seed "$k" --db "$H" \
                >/dev/null 2>"$T/h$h$k.err" &
            pids="$pids $!"
        done
    done
    bad=0
    for p in $pids; do wait "$p" || bad=$((bad + 1)); done
    [ "$bad" = 0 ] || { echo "FAIL: $bad writers on two hosts failed: $(cat "$T"/h*.err | head -c 600)"; fails=$((fails + 1)); }
    run "$VIGIL" history --db "$H" --format json
    expect_json "len(d['runs']) == 10 and all(r['status'] == 'completed' for r in d['runs'])" "every run from two hosts landed"
    expect_json "sorted(r['operator']['host'] for r in d['runs']) == ['vigil-host-a'] * 5 + ['vigil-host-b'] * 5" "each run records its host"
    run "$VIGIL" audit verify --db "$H"
    expect_rc 0 "one audit tree from two hosts"
else
    echo "note: the two-host part needs unshare (root); skipped"
fi

# After the kills the store takes writers as before (no lock left held).
run "$VIGIL" metrics --data "$CASE" --score score --label label --bootstrap 0
expect_rc 0 "a writer after the kills"
finish
