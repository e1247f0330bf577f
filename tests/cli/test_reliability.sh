#!/bin/sh
# Faults and load (issue 9): kill -9 at many points, concurrent writers, a full disk.
#  - kill loop: a suite and a monitor (over a generated 150,000-case file, so that it runs long
#    enough to be hit) are each timed (the shorter of two complete runs), then killed -9 at
#    KILL_POINTS (default 12) random points spread over 0..1.1 of that time (stratified: one
#    uniform point in each of KILL_POINTS equal slices, in random order), and once more the
#    moment the run's 'running' row appears in the store. After every kill: every stored run is
#    whole (completed, with a verdict and a digest) or marked interrupted, the audit chain
#    verifies, and every run stored before is still there, unchanged (same digest). Each kill is
#    tallied as landing before the run began, mid-run or after it completed; the test fails
#    unless some random kill of each kind landed mid-run (a kind whose timed points all missed
#    gets four more, a random part of its remaining time after its running row appears). The
#    seed is printed; KILL_SEED=N
#    replays the points (default seed: the clock);
#  - 8 monitors and 2 suites at once on one store: every run lands, none reports a locked db;
#  - a full disk (file-size limit) and an unwritable store path: exit 3/2, no partial run.
. "$(dirname "$0")/lib.sh"
S="$ROOT/suites/flchain-v2-vs-v1.json"
M1="$ROOT/monitors/flchain-temporal.json"
M2="$ROOT/monitors/flchain-stable.json"
DB="$T/k.db"
PY=/usr/bin/python3
KILL_SEED=${KILL_SEED:-$(date +%s)}
KILL_POINTS=${KILL_POINTS:-12}
echo "kill -9 loop: KILL_SEED=$KILL_SEED KILL_POINTS=$KILL_POINTS (set them to replay)"

# timed_run CMD...: like run, and the command's wall time in seconds in $secs.
timed_run() {
    secs=$($PY -c '
import subprocess, sys, time
t = time.monotonic()
with open(sys.argv[1], "w") as o, open(sys.argv[2], "w") as e:
    r = subprocess.run(sys.argv[3:], stdout=o, stderr=e).returncode
print("%.3f %d" % (time.monotonic() - t, r))' "$T/out" "$T/err" "$@")
    rc=${secs#* }
    secs=${secs% *}
}

# The store after a kill: prints where the kill landed (before, mid, after; failed if the run
# marked itself failed), or fails naming the broken invariant.
cat > "$T/check.py" <<'PY'
import json, sys
prev = {r["id"]: r for r in json.load(open(sys.argv[1]))["runs"]}
now = {r["id"]: r for r in json.load(open(sys.argv[2]))["runs"]}
kind, name = sys.argv[3], sys.argv[4]
for i, r in prev.items():     # nothing stored before is lost or changed (digest included)
    assert now.get(i) == r, ("a run stored before changed or vanished", r, now.get(i))
for r in now.values():        # whole, or marked interrupted (or failed); never half
    assert r["status"] in ("completed", "interrupted", "failed"), r
    if r["status"] == "completed":
        assert r["passed"] in (True, False) and r["finished_at"] and r["result_digest"], r
    elif r["status"] == "interrupted":
        assert not r.get("finished_at") and not r.get("result_digest"), r
new = [r for i, r in now.items() if i not in prev]
assert len(new) <= 1, ("one killed command stored more than one run", new)
if not new:
    print("before")
else:
    assert new[0]["kind"] == kind and new[0]["name"] == name, new[0]
    print({"completed": "after", "interrupted": "mid", "failed": "failed"}[new[0]["status"]])
PY

# Kills CMD (argv[3:]) -9 the moment its 'running' row appears in the store argv[1] (argv[2]:
# the kind); prints the seconds it took, or 'never' when the command ended first.
cat > "$T/pollkill.py" <<'PY'
import os, signal, sqlite3, subprocess, sys, time
db, kind, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
delay = float(os.environ.get("POLLKILL_DELAY", "0"))  # seconds after the row appears
t = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
seen = False
while p.poll() is None:
    q = "SELECT count(*) FROM runs WHERE kind = ? AND pid = ? AND status = 'running'"
    if con.execute(q, (kind, p.pid)).fetchone()[0]:
        time.sleep(delay)
        os.kill(p.pid, signal.SIGKILL)
        seen = True
        break
    time.sleep(0.002)
p.wait()
print("%.3f" % (time.monotonic() - t) if seen else "never")
PY

# check_store KIND NAME WHAT: the invariants after a kill; sets $where (before/mid/after/failed)
check_store() {
    where=bad
    "$VIGIL" history --db "$DB" --format json > "$T/now.json" 2>"$T/err" \
        || { echo "FAIL: history after $3: $(head -c 600 "$T/err")"; fails=$((fails + 1)); return; }
    run "$VIGIL" audit verify --db "$DB"
    expect_rc 0 "the audit chain verifies after $3"
    if where=$($PY "$T/check.py" "$T/prev.json" "$T/now.json" "$1" "$2" 2>"$T/pyerr"); then
        mv "$T/now.json" "$T/prev.json"
    else
        echo "FAIL: the store after $3 is not whole: $(tail -c 800 "$T/pyerr")"
        fails=$((fails + 1))
        where=bad
        mv "$T/now.json" "$T/prev.json"
    fi
}

# kill_loop KIND NAME SECONDS START CMD...: CMD (its run named NAME, uninterrupted it takes
# SECONDS, its running row appears after about START seconds: a monitor loads its data first)
# killed -9 at KILL_POINTS random points in START..1.1 x SECONDS; tallies where the kills
# landed in ${KIND}_before, ${KIND}_mid, ${KIND}_after, ${KIND}_failed.
kill_loop() {
    kind=$1; name=$2; dur=$3; start=$4
    shift 4
    eval "${kind}_before=0 ${kind}_mid=0 ${kind}_after=0 ${kind}_failed=0"
    points=$($PY -c '
import random, sys
seed, kind, n, dur, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
r = random.Random("%s:%s" % (seed, kind))
lo = min(start / dur, 0.9) if dur > 0 else 0
f = [lo + (1.1 - lo) * (k + r.random()) / n for k in range(n)]
r.shuffle(f)
print(" ".join("%.3f:%.3f" % (x, x * dur) for x in f))' "$KILL_SEED" "$kind" "$KILL_POINTS" "$dur" "$start")
    for pt in $points; do
        frac=${pt%:*}
        d=${pt#*:}
        "$@" --db "$DB" >/dev/null 2>&1 &
        pid=$!
        sleep "$d"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        check_store "$kind" "$name" "$kind killed -9 at $d s (x$frac of $dur s, KILL_SEED=$KILL_SEED)"
        eval "${kind}_$where=\$((${kind}_$where + 1))"
    done
}

# A large monitor: 150,000 generated cases, reference = the first half-year, current = the
# second, 10 numeric and 3 categorical features, one thread. It runs for about half a second,
# so random kills land inside it (the flchain monitors finish in 0.04 s).
run "$VIGIL" synth --out "$T/big.csv" --rows 150000 --features 10 --seed 9 --drift covariate \
    --end-date 2025-12-31
expect_rc 0 "synth writes the large monitor's data"
cat > "$T/big-monitor.json" <<'EOF'
{
  "name": "reliability-large",
  "data": {
    "path": "big.csv",
    "columns": { "id": "case_id", "time": "date", "label": "label", "score": "score",
                 "features": ["sex", "age_band", "cat1", "x1", "x2", "x3", "x4", "x5",
                              "x6", "x7", "x8", "x9", "x10"] },
    "types": { "sex": "categorical", "age_band": "categorical", "cat1": "categorical" }
  },
  "windows": { "reference": { "from": "2025-01-01", "to": "2025-06-30" },
               "current":   { "from": "2025-07-01", "to": "2025-12-31" } }
}
EOF
MB="$T/big-monitor.json"

# Two complete, timed runs of each (the first monitor run fills the reference cache, as a
# nightly run finds it); the shorter of the two is the span the kill points cover (the other
# is often slowed by a cold cache or a busy machine).
timed_run "$VIGIL" suite run "$S" --db "$DB"
expect_rc 0 "a first complete suite run"
s1=$secs
timed_run "$VIGIL" monitor run "$MB" --db "$DB" --threads 1
expect_rc 1 "a first complete run of the large monitor (it alarms)"
m1=$secs
timed_run "$VIGIL" suite run "$S" --db "$DB"
expect_rc 0 "a second complete suite run"
suite_secs=$($PY -c "print(min($s1, $secs))")
timed_run "$VIGIL" monitor run "$MB" --db "$DB" --threads 1
expect_rc 1 "a second complete monitor run"
monitor_secs=$($PY -c "print(min($m1, $secs))")
run "$VIGIL" history --db "$DB" --format json
expect_json "len(d['runs']) == 4 and all(r['status'] == 'completed' for r in d['runs'])" \
    "the four uninterrupted runs are stored"
cp "$T/out" "$T/prev.json"

# First, each killed the moment the run's 'running' row is stored: the earliest mid-run point,
# which a random point rarely hits; when it came is where the random points start.
for kind in suite monitor; do
    if [ "$kind" = suite ]; then
        name=flchain-5y-mortality-v2; set -- "$VIGIL" suite run "$S" --db "$DB"
    else
        name=reliability-large; set -- "$VIGIL" monitor run "$MB" --db "$DB" --threads 1
    fi
    at=$($PY "$T/pollkill.py" "$DB" "$kind" "$@")
    eval "${kind}_start=\$at"
    check_store "$kind" "$name" "$kind killed -9 as its running row appeared ($at s)"
    [ "$where" = mid ] || { echo "FAIL: the $kind killed as its running row appeared ($at s) left '$where', not an interrupted run"; fails=$((fails + 1)); }
done

kill_loop suite flchain-5y-mortality-v2 "$suite_secs" "$suite_start" "$VIGIL" suite run "$S"
kill_loop monitor reliability-large "$monitor_secs" "$monitor_start" "$VIGIL" monitor run "$MB" --threads 1

# A kind whose timed points all missed its run (a machine whose load changed between the
# timing and the loop: the run took less than the points assumed) gets its mid-run kills from
# the store itself: killed a random part of its remaining time after its running row appears.
for kind in suite monitor; do
    eval "mid=\$${kind}_mid secs=\$${kind}_secs start=\$${kind}_start"
    [ "$mid" -gt 0 ] && continue
    if [ "$kind" = suite ]; then
        name=flchain-5y-mortality-v2; set -- "$VIGIL" suite run "$S" --db "$DB"
    else
        name=reliability-large; set -- "$VIGIL" monitor run "$MB" --db "$DB" --threads 1
    fi
    for k in 1 2 3 4; do
        delay=$($PY -c "import random; r = random.Random('$KILL_SEED:$kind:$k'); print('%.3f' % (r.random() * 0.8 * max($secs - $start, 0.01)))")
        POLLKILL_DELAY=$delay $PY "$T/pollkill.py" "$DB" "$kind" "$@" >/dev/null
        check_store "$kind" "$name" "$kind killed -9 $delay s after its running row appeared (KILL_SEED=$KILL_SEED)"
        eval "${kind}_$where=\$((${kind}_$where + 1))"
    done
done

echo "kill -9 tally (KILL_SEED=$KILL_SEED): suite ($suite_secs s): $suite_before before start," \
     "$suite_mid mid-run, $suite_after after completion; monitor ($monitor_secs s):" \
     "$monitor_before before start, $monitor_mid mid-run, $monitor_after after completion;" \
     "+1 each killed as its running row appeared"
[ $((suite_failed + monitor_failed)) = 0 ] || echo "note: $suite_failed suite and $monitor_failed monitor kills left a run marked failed"
[ "$suite_mid" -gt 0 ] || { echo "FAIL: no random kill landed inside a suite run"; fails=$((fails + 1)); }
[ "$monitor_mid" -gt 0 ] || { echo "FAIL: no random kill landed inside a monitor run"; fails=$((fails + 1)); }
run "$VIGIL" history --db "$DB" --format json
expect_json "sum(r['status'] == 'interrupted' for r in d['runs']) == $((suite_mid + monitor_mid + 2))" \
    "every mid-run kill left one interrupted run"

# Concurrency: 8 monitors (two monitor files, so some wait on the per-monitor lock) and 2
# suites at once on one store.
DB2="$T/c.db"
pids=""
for k in 1 2 3 4; do
    "$VIGIL" monitor run "$M1" --db "$DB2" >"$T/m1_$k.out" 2>"$T/m1_$k.err" &
    pids="$pids $!"
    "$VIGIL" monitor run "$M2" --db "$DB2" >"$T/m2_$k.out" 2>"$T/m2_$k.err" &
    pids="$pids $!"
done
for k in 1 2; do
    "$VIGIL" suite run "$S" --db "$DB2" >"$T/s_$k.out" 2>"$T/s_$k.err" &
    pids="$pids $!"
done
bad=0
for p in $pids; do
    wait "$p"
    r=$?
    [ "$r" -le 1 ] || bad=$((bad + 1))
done
[ "$bad" = 0 ] || { echo "FAIL: $bad concurrent runs exited with 2 or 3: $(cat "$T"/*.err | head -c 600)"; fails=$((fails + 1)); }
if cat "$T"/m1_*.err "$T"/m2_*.err "$T"/s_*.err | grep -qi "locked"; then
    echo "FAIL: 'database is locked' reached the user"; fails=$((fails + 1))
fi
run "$VIGIL" history --db "$DB2" --format json
$PY -c "
import json, sys
r = json.load(open('$T/out'))['runs']
assert len(r) == 10 and all(x['status'] == 'completed' for x in r), r
assert sum(x['kind'] == 'suite' for x in r) == 2
" || { echo "FAIL: not every concurrent run landed"; fails=$((fails + 1)); }
run "$VIGIL" audit verify --db "$DB2"
expect_rc 0 "audit chain after concurrent writers"

# A full disk: the file-size limit stops the store from growing (SIGXFSZ ignored, so writes
# fail with EFBIG as on a full disk). Exit 3, the message names the store, the run is marked
# failed, and the chain still verifies.
DB3="$T/f.db"
(trap '' XFSZ; ulimit -f 100; "$VIGIL" suite run "$S" --db "$DB3" >"$T/out" 2>"$T/err"; echo $? > "$T/rc")
rc=$(cat "$T/rc")
expect_rc 3 "suite on a full disk"
expect_err "f.db" "the full store is named"
run "$VIGIL" history --db "$DB3" --format json
expect_json "all(r['status'] in ('failed', 'interrupted') for r in d['runs'])" "no completed half run on a full disk"
run "$VIGIL" audit verify --db "$DB3"
expect_rc 0 "audit chain after a full disk"

# A store that cannot be created.
run "$VIGIL" suite run "$S" --db "$T/no/such/dir/v.db"
expect_rc 2 "a store in a missing directory"
expect_err "no/such/dir/v.db" "the store path is named"
# A read-only store. Root may write a 0444 file, so as root the check runs as an unprivileged
# user through a user namespace (unshare -U); where that is not possible it is skipped, visibly.
RO=$(mktemp -d /tmp/vigil-ro-XXXXXX)
chmod 755 "$RO"
cp "$DB2" "$RO/ro.db"
chmod 444 "$RO/ro.db"
as_user=""
if [ "$(id -u)" = 0 ]; then
    if unshare -U true 2>/dev/null; then as_user="unshare -U"; else as_user="skip"; fi
fi
if [ "$as_user" != skip ]; then
    before=$(sha256sum "$RO/ro.db")
    run $as_user "$VIGIL" suite run "$S" --db "$RO/ro.db"
    [ "$rc" = 2 ] || [ "$rc" = 3 ] || { echo "FAIL: read-only store: exit $rc, expected 2 or 3"; fails=$((fails + 1)); }
    expect_err "ro.db" "the read-only store is named"
    expect_err "read-only" "the message says read-only"
    [ "$(sha256sum "$RO/ro.db")" = "$before" ] || { echo "FAIL: the read-only store changed"; fails=$((fails + 1)); }
else
    echo "SKIP: read-only store check (running as root without user namespaces)"
fi
rm -rf "$RO"

# Allowed roots: with VIGIL_ROOTS set, every path a suite or monitor names must resolve (after
# "..", "." and symbolic links) inside one of them.
run env VIGIL_ROOTS="$ROOT" "$VIGIL" suite run "$S" --db "$T/roots.db"
expect_rc 0 "the shipped suite stays inside the repository root"
mkdir -p "$T/root/suites"
ln -s "$ROOT/datasets" "$T/root/datasets"
sed 's|"\.\./datasets/|"../datasets/|g' "$S" > "$T/root/suites/s.json"
run env VIGIL_ROOTS="$T/root" "$VIGIL" suite run "$T/root/suites/s.json" --db "$T/roots.db"
expect_rc 2 "a symbolic link out of the allowed root is refused"
expect_err "outside the allowed roots" "the escape is named"
expect_err "\$.model.candidate" "the JSON path is named"
run env VIGIL_ROOTS="$T/root" "$VIGIL" monitor run "$M2" --db "$T/roots.db"
expect_rc 2 "a monitor outside the allowed roots is refused"
expect_err "\$.data.path" "the monitor's JSON path is named"
finish
