#!/bin/sh
# Faults and load on the run store: kill -9 at random points of runs, and many runs writing
# one store at once. After each, every run is whole or marked interrupted, nothing a process
# reported as committed is lost, and the audit chain verifies.
. "$(dirname "$0")/lib.sh"

KILLS=${VIGIL_KILL_POINTS:-25}
"$VIGIL" synth --out "$T/cases.csv" --rows 30000 --seed 11 2>/dev/null

# -- kill -9 at random points -------------------------------------------------------------
ok_exits=0; ok_ids=""; i=0
while [ $i -lt "$KILLS" ]; do
    "$VIGIL" metrics --data "$T/cases.csv" --score score --label label --group sex \
        --bootstrap 20 --seed $i --format json >"$T/kill.$i.out" 2>"$T/kill.err" &
    pid=$!
    # 0 to 0.35 s, about 1.5 times a run: before, during and after loading, computing and
    # committing, so some runs finish first and must then be kept
    sleep "0.$(awk -v s=$i 'BEGIN { srand(s * 7919); printf "%03d", int(rand() * 350) }')"
    kill -9 $pid 2>/dev/null
    if wait $pid 2>/dev/null; then
        ok_exits=$((ok_exits + 1))
        id=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/kill.$i.out'))['run_id'])" 2>/dev/null) ||
            { echo "FAIL: a run that exited 0 printed no run_id"; fails=$((fails + 1)); }
        ok_ids="$ok_ids $id"
    fi
    i=$((i + 1))
done
run "$VIGIL" history --format json; expect_rc 0 "history after kills"
expect_json "all(r['status'] in ('completed', 'interrupted') for r in d['runs'])" "runs are whole or interrupted"
# A run may commit and then be killed before it exits: stored runs can outnumber exits.
expect_json "all(any(r['id'] == i and r['status'] == 'completed' for r in d['runs']) for i in [$(echo $ok_ids | tr ' ' ',')])" "every run that exited 0 is stored ($ok_exits)"
expect_json "0 < sum(r['status'] == 'completed' for r in d['runs']) < len(d['runs'])" "kill points fell both before and after commits"
expect_json "all((r['finished_at'] is None) == (r['status'] == 'interrupted') for r in d['runs'])" "interrupted runs have no end"
run "$VIGIL" audit verify; expect_rc 0 "audit after kills"
echo "reliability: $KILLS runs killed at random points, $ok_exits had finished first" >&2

# -- concurrent writers ---------------------------------------------------------------------
rm -f "$VIGIL_DB" "$VIGIL_DB-wal" "$VIGIL_DB-shm"
N=${VIGIL_CONCURRENT:-10}; j=0; pids=""
while [ $j -lt "$N" ]; do
    "$VIGIL" metrics --data "$T/cases.csv" --score score --label label --bootstrap 50 --seed $j \
        --format json >/dev/null 2>"$T/conc.$j.err" &
    pids="$pids $!"; j=$((j + 1))
done
failed=0
for p in $pids; do wait "$p" || failed=$((failed + 1)); done
[ "$failed" -eq 0 ] || { echo "FAIL: $failed of $N concurrent runs failed"; cat "$T"/conc.*.err | head -5; fails=$((fails + 1)); }
if grep -qi "locked" "$T"/conc.*.err; then echo "FAIL: 'database is locked' reached the user"; fails=$((fails + 1)); fi
run "$VIGIL" history --format json
expect_json "len(d['runs']) == $N and all(r['status'] == 'completed' for r in d['runs'])" "all $N concurrent runs landed"
run "$VIGIL" audit verify; expect_rc 0 "audit after concurrent runs"

# -- a read-only store: a clear error, no partial run ---------------------------------------
cp "$VIGIL_DB" "$T/ro.db"; chmod 0444 "$T/ro.db"
if [ "$(id -u)" != 0 ]; then
    run "$VIGIL" metrics --data "$T/cases.csv" --score score --label label --db "$T/ro.db"
    expect_rc 3 "read-only store"; expect_err "read-only" "says read-only"
fi
finish
