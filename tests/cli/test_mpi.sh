#!/bin/sh
# MPI (issue 22): `mpirun -n N vigil drift` splits the features across ranks, `vigil metrics`
# and `vigil suite run` the bootstrap replicates (and the jackknife, the ROC band's and those
# the suite's paired criteria read at their thresholds), and each gives the one-process result bit for bit for
# N = 1, 2, 3: drift on numeric and categorical features, a feature too sparse to test, MMD on;
# metrics on flchain with two groups, a comparison score and the lowess bootstrap (the document
# and the stored metrics); multi-class metrics; the shipped flchain suite with 200 replicates
# and a paired criterion at a second threshold per level (the document and the stored result
# digest). Only rank 0 prints and stores. A rank that fails
# (a file only it cannot read, different data on one rank, a rank failing alone while the
# others wait, a store rank 0 cannot open) ends every rank with the one-process exit status and
# message, none hangs (timeout), and no run is begun. A command that does not split is refused
# under mpirun. Skipped, visibly, where vigil was built without MPI or mpirun is absent.
. "$(dirname "$0")/lib.sh"
V=${VIGIL:-$ROOT/build/vigil}
if ! "$V" --version | grep -q "MPI compiled in"; then
    echo "SKIP test_mpi.sh: this vigil was built without MPI (MPI=0, or no mpicc: 'make deps' installs Open MPI)"
    exit 0
fi
if ! command -v mpirun >/dev/null 2>&1; then
    echo "SKIP test_mpi.sh: mpirun is not on PATH"
    exit 0
fi
# Open MPI refuses root unless told; CI runs as root in a throwaway machine
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# sanitizer builds: Open MPI's own allocations at finalize are not vigil's leaks
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# the time limits on the runs below (a hang fails the test instead of stalling it), longer under
# valgrind (make valgrind sets VG_VIGIL), which is 20-50x slower
to() { if [ -n "${VG_VIGIL:-}" ]; then echo $(($1 * 30)); else echo "$1"; fi; }
cd "$T"
for w in ref cur; do
    if [ $w = ref ]; then "$V" synth --out ref.csv --rows 6000 --seed 1 2>/dev/null
    else "$V" synth --out cur.csv --rows 6000 --seed 2 --drift covariate --drift-start 0 2>/dev/null; fi
    # the synthetic date column is a PHI identifier for the guard: drop it; a sparse column too
    /usr/bin/python3 - "$w.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
h = rows[0]; d = h.index("date")
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow([c for i, c in enumerate(h) if i != d] + ["sparse"])
    for k, r in enumerate(rows[1:]):
        w.writerow([c for i, c in enumerate(r) if i != d] + ["1.5" if k == 0 else ""])
PY
done
run "$V" drift --reference ref.csv --current cur.csv --id case_id --mmd --format json
expect_rc_one() { if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then echo "FAIL: $1: exit $rc: $(head -c 400 "$T/err")"; fails=$((fails + 1)); fi; }
expect_rc_one "one process"
cp "$T/out" one.json
for n in 1 2 3; do
    run mpirun -n $n "$V" drift --reference ref.csv --current cur.csv --id case_id --mmd --format json
    expect_rc_one "mpirun -n $n"
    cp "$T/out" n$n.json
    /usr/bin/python3 - one.json n$n.json <<'PY' || { echo "FAIL: mpirun -n $n: the numbers differ from one process"; fails=$((fails + 1)); }
import json, sys
def strip(d):
    if isinstance(d, dict): return {k: strip(v) for k, v in d.items() if "second" not in k}
    if isinstance(d, list): return [strip(x) for x in d]
    return d
a, b = (json.load(open(p)) for p in sys.argv[1:3])  # one JSON document: only rank 0 printed
assert len(a["features"]) >= 15, len(a["features"])
assert strip(a) == strip(b)
PY
done
# the text table too, once: rank 0 alone prints it
run mpirun -n 2 "$V" drift --reference ref.csv --current cur.csv --id case_id
[ "$(grep -c '^feature  *type' "$T/out")" = 1 ] || { echo "FAIL: the table header printed $(grep -c '^feature  *type' "$T/out") times"; fails=$((fails + 1)); }
# a command that does not split is refused, before it stores anything
run mpirun -n 2 "$V" history --db "$T/m.db"
[ "$rc" = 2 ] || { echo "FAIL: history under mpirun -n 2 exited $rc, not 2 (refused)"; fails=$((fails + 1)); }
expect_err "history does not split across MPI ranks (drift, metrics and suite run do)" "says why"
[ -e "$T/m.db" ] && { echo "FAIL: the refused history run created a store"; fails=$((fails + 1)); }
# a bad input is reported once, by rank 0, with exit 2
run mpirun -n 2 "$V" drift --reference nope.csv --current cur.csv
[ "$rc" != 0 ] || { echo "FAIL: a missing file under mpirun exited 0"; fails=$((fails + 1)); }
[ "$(grep -c 'nope.csv: cannot open' "$T/err")" = 1 ] || { echo "FAIL: the error was printed $(grep -c 'nope.csv' "$T/err") times"; fails=$((fails + 1)); }
# ---- metrics: the bootstrap by replicate number ---------------------------------------------
# same(A, B): the documents are the same but for the timings, the run id and the rank count
cat >same.py <<'PY'
import json, sys
def strip(d):
    if isinstance(d, dict): return {k: strip(v) for k, v in d.items() if k not in ("seconds", "run_id", "parallel")}
    if isinstance(d, list): return [strip(x) for x in d]
    return d
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert strip(a) == strip(b), "documents differ"
n = int(sys.argv[3])
# the rank count is said where the run was split, and only there
assert b.get("parallel") == ("MPI: %d ranks" % n if n > 1 else None), b.get("parallel")
assert "parallel" not in a
PY
# stored(DB): the store's one run, its status, its metrics rows exactly (repr: every bit) and
# its documents without timings and the rank count
cat >stored.py <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
runs = db.execute("SELECT id, status, result_digest FROM runs").fetchall()
assert len(runs) == 1 and runs[0][1] == "completed", runs
rows = [tuple(repr(x) for x in r) for r in db.execute(
    "SELECT scope, name, value, ci_low, ci_high FROM metrics WHERE run_id = ? ORDER BY scope, name", (runs[0][0],))]
assert len(rows) > 20, len(rows)
docs = {}
for name, body in db.execute("SELECT name, body FROM documents WHERE run_id = ?", (runs[0][0],)):
    d = json.loads(body)
    for k in ("seconds", "parallel", "run_id"): d.pop(k, None)
    docs[name] = d
print(json.dumps({"rows": rows, "docs": docs, "digest": runs[0][2]}, sort_keys=True))
PY
FL="$ROOT/datasets/flchain/test.csv"
MA="--data $FL --score score --label death_5y --compare shadow_score --group sex --group age_band --bootstrap 120 --seed 7 --threads 1 --allow age=flchain-is-public --format json"
run "$V" metrics $MA --db one.db
expect_rc 0 "metrics, one process"
cp "$T/out" m1.json
/usr/bin/python3 - m1.json <<'PY' || { echo "FAIL: metrics: the bootstrap did not run (no interval)"; fails=$((fails + 1)); }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["discrimination"]["auprc"]["ci_low"] is not None and d["discrimination"]["roc_band"][5]["ci_low"] is not None
PY
/usr/bin/python3 stored.py one.db >one.stored || { echo "FAIL: metrics: one process stored no completed run"; fails=$((fails + 1)); }
for n in 1 2 3; do
    run timeout $(to 120) mpirun -n $n "$V" metrics $MA --db n$n.db
    expect_rc 0 "metrics, mpirun -n $n"
    /usr/bin/python3 same.py m1.json "$T/out" $n || { echo "FAIL: metrics, mpirun -n $n: not the one-process document"; fails=$((fails + 1)); }
    /usr/bin/python3 stored.py n$n.db >n$n.stored
    /usr/bin/python3 - one.stored n$n.stored <<'PY' || { echo "FAIL: metrics, mpirun -n $n: the stored run differs from one process"; fails=$((fails + 1)); }
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["rows"] == b["rows"], "metrics rows differ"
assert a["docs"] == b["docs"], "stored documents differ"
PY
done
# the table: printed once, by rank 0, which alone stored the run
run timeout $(to 120) mpirun -n 2 "$V" metrics --data "$FL" --score score --label death_5y --bootstrap 20 --allow age=public --db text.db
expect_rc 0 "metrics table, mpirun -n 2"
[ "$(grep -c '^stored as run 1$' "$T/out")" = 1 ] || { echo "FAIL: metrics table: 'stored as run 1' printed $(grep -c 'stored as run' "$T/out") times"; fails=$((fails + 1)); }
[ "$(sqlite3 text.db 'SELECT count(*) FROM runs' 2>/dev/null || /usr/bin/python3 -c "import sqlite3; print(sqlite3.connect('text.db').execute('SELECT count(*) FROM runs').fetchone()[0])")" = 1 ] || { echo "FAIL: metrics under mpirun -n 2 stored other than one run"; fails=$((fails + 1)); }
# multi-class metrics: the engine's bootstrap and jackknife split the same way
MC="$ROOT/tests/reference/multiclass/main.csv"
run "$V" metrics --data "$MC" --label dx --class-scores p_ --group site --bootstrap 40 --seed 3 --threads 1 --no-store --format json
expect_rc 0 "multi-class metrics, one process"
cp "$T/out" mc1.json
for n in 2 3; do
    run timeout $(to 120) mpirun -n $n "$V" metrics --data "$MC" --label dx --class-scores p_ --group site --bootstrap 40 --seed 3 --threads 1 --no-store --format json
    expect_rc 0 "multi-class metrics, mpirun -n $n"
    /usr/bin/python3 same.py mc1.json "$T/out" $n || { echo "FAIL: multi-class metrics, mpirun -n $n: not the one-process document"; fails=$((fails + 1)); }
done

# ---- a rank that fails ends every rank, with the one-process status and message --------------
# a case file only rank 1 cannot read (a node without the shared mount): exit 2, rank 1's
# message from rank 0, before rank 0 begins a run
run timeout $(to 60) mpirun -n 1 "$V" metrics $MA --db lone.db : -n 1 "$V" metrics ${MA%%--data*} --data "$T/nope.csv" ${MA#*test.csv} --db lone.db
[ "$rc" = 2 ] || { echo "FAIL: a file rank 1 cannot read: exit $rc, not 2 (124: it hung)"; fails=$((fails + 1)); }
expect_err "MPI rank 1: --score column 'score': $T/nope.csv: cannot open" "rank 0 reports rank 1's error"
[ -e lone.db ] && { echo "FAIL: a run was begun although rank 1 could not read its file"; fails=$((fails + 1)); }
# different data on one rank (a stale copy): refused, never a blend of two files' replicates
head -n 2000 "$FL" >stale.csv
run timeout $(to 60) mpirun -n 2 "$V" metrics $MA --db stale.db : -n 1 "$V" metrics ${MA%%--data*} --data stale.csv ${MA#*test.csv} --db stale.db
[ "$rc" = 2 ] || { echo "FAIL: different data on rank 2: exit $rc, not 2"; fails=$((fails + 1)); }
expect_err "MPI rank 2: read different input than rank 0" "says which rank read other data"
[ -e stale.db ] && { echo "FAIL: a run was begun although rank 2 read other data"; fails=$((fails + 1)); }
# a rank that fails where the others wait for it (here rank 1 runs another command, which fails
# alone): after a few seconds it ends the job, with its exit status and message
run timeout $(to 90) mpirun -n 1 "$V" metrics $MA --db late.db : -n 1 "$V" drift --reference "$T/nope.csv" --current cur.csv
[ "$rc" = 2 ] || { echo "FAIL: a rank failing alone: exit $rc, not 2 (124: it hung)"; fails=$((fails + 1)); }
expect_err "MPI rank 1 failed where the other ranks did not" "says which rank ended the job"
[ -e late.db ] && { echo "FAIL: a run was begun although rank 1 failed"; fails=$((fails + 1)); }
# a store rank 0 cannot open: the one-process status and message, once
run "$V" metrics $MA --db "$T/no/such/dir.db"
one_rc=$rc
run timeout $(to 60) mpirun -n 3 "$V" metrics $MA --db "$T/no/such/dir.db"
[ "$rc" = "$one_rc" ] || { echo "FAIL: an unopenable store: exit $rc under mpirun, $one_rc in one process"; fails=$((fails + 1)); }
[ "$(grep -c 'cannot open' "$T/err")" = 1 ] || { echo "FAIL: the store error was printed $(grep -c 'cannot open' "$T/err") times"; fails=$((fails + 1)); }

# ---- suite run: both models' bootstraps, the paired criteria's intervals among them -----------
mkdir suites
ln -s "$ROOT/datasets" datasets
/usr/bin/python3 - "$ROOT/suites/flchain-v2-vs-v1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["bootstrap"] = 200  # the shipped suite's 1,000 replicates, fewer: the same code, a fifth of the time
# a paired criterion at a threshold other than the first, per level: the engine's replicates
# at the bootstrap thresholds (shared across ranks with the others) give its interval
d["criteria"].append({"name": "PPV at 0.3 by sex", "metric": "ppv", "scope": {"group": "sex", "every_level": True},
                      "rule": "non_inferior", "margin": 0.1, "threshold": 0.3})
json.dump(d, open("suites/s.json", "w"), indent=1)
d["data"]["path"] = "../nope.csv"
json.dump(d, open("suites/bad.json", "w"), indent=1)
PY
digest() { /usr/bin/python3 -c "import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute('SELECT status, result_digest FROM runs').fetchall(); assert len(r) == 1 and r[0][0] == 'completed', r; print(r[0][1])" "$1"; }
run "$V" suite run suites/s.json --db s1.db --threads 1 --format json
expect_rc 0 "flchain suite, one process"
cp "$T/out" s1.json
d1=$(digest s1.db)
for n in 1 2 3; do
    run timeout $(to 300) mpirun -n $n "$V" suite run suites/s.json --db sn$n.db --threads 1 --format json
    expect_rc 0 "flchain suite, mpirun -n $n"
    /usr/bin/python3 same.py s1.json "$T/out" $n || { echo "FAIL: suite, mpirun -n $n: not the one-process document"; fails=$((fails + 1)); }
    dn=$(digest sn$n.db)
    [ -n "$d1" ] && [ "$dn" = "$d1" ] || { echo "FAIL: suite, mpirun -n $n: stored result digest $dn, one process $d1"; fails=$((fails + 1)); }
done
# rank 0 alone cannot read the suite's case file: its own message, exit 2, no run, none hangs
run timeout $(to 60) mpirun -n 1 "$V" suite run suites/bad.json --db sbad.db --threads 1 : -n 1 "$V" suite run suites/s.json --db sbad.db --threads 1
[ "$rc" = 2 ] || { echo "FAIL: suite, a file rank 0 cannot read: exit $rc, not 2"; fails=$((fails + 1)); }
expect_err "nope.csv" "rank 0 names the file"
[ "$(/usr/bin/python3 -c "import sqlite3; print(sqlite3.connect('sbad.db').execute('SELECT count(*) FROM runs').fetchone()[0])" 2>/dev/null || echo 0)" = 0 ] || { echo "FAIL: suite: a run was begun although rank 0 could not read its file"; fails=$((fails + 1)); }
# another suite file on one rank (more replicates): refused before a run is begun, never a
# blend of two bootstraps
/usr/bin/python3 -c "import json; d = json.load(open('suites/s.json')); d['bootstrap'] = 300; json.dump(d, open('suites/s300.json', 'w'))"
run timeout $(to 60) mpirun -n 1 "$V" suite run suites/s.json --db s300.db --threads 1 : -n 1 "$V" suite run suites/s300.json --db s300.db --threads 1
[ "$rc" = 2 ] || { echo "FAIL: suite, another suite file on rank 1: exit $rc, not 2"; fails=$((fails + 1)); }
expect_err "MPI rank 1: read different input than rank 0" "says which rank read another suite"
[ "$(/usr/bin/python3 -c "import sqlite3; print(sqlite3.connect('s300.db').execute('SELECT count(*) FROM runs').fetchone()[0])" 2>/dev/null || echo 0)" = 0 ] || { echo "FAIL: suite: a run was begun although rank 1 read another suite"; fails=$((fails + 1)); }
# a store rank 0 cannot open: the one-process status, and no rank runs the suite
run "$V" suite run suites/s.json --db "$T/no/such/dir.db" --threads 1
one_rc=$rc
run timeout $(to 60) mpirun -n 3 "$V" suite run suites/s.json --db "$T/no/such/dir.db" --threads 1
[ "$rc" = "$one_rc" ] && [ "$rc" = 2 ] || { echo "FAIL: suite, an unopenable store: exit $rc under mpirun, $one_rc in one process"; fails=$((fails + 1)); }
[ "$(grep -c 'cannot open' "$T/err")" = 1 ] || { echo "FAIL: suite: the store error was printed $(grep -c 'cannot open' "$T/err") times"; fails=$((fails + 1)); }
run mpirun -n 2 "$V" suite diff 1 1 --db s1.db
[ "$rc" = 2 ] || { echo "FAIL: suite diff under mpirun -n 2 exited $rc, not 2"; fails=$((fails + 1)); }
expect_err "suite diff does not split across MPI ranks" "says why"
finish
