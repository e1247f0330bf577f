#!/bin/sh
# MPI (issue 22): `mpirun -n N vigil drift` splits the features across ranks and gives the same
# numbers as one process, bit for bit, for N = 1, 2, 3 (numeric and categorical features, a
# feature too sparse to test, MMD on); only rank 0 prints; a command that does not split is
# refused under mpirun. Skipped, visibly, where vigil was built without MPI or mpirun is absent.
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
run mpirun -n 2 "$V" metrics --data cur.csv --score score --label label --db "$T/m.db"
[ "$rc" != 0 ] || { echo "FAIL: metrics under mpirun -n 2 was not refused"; fails=$((fails + 1)); }
expect_err "metrics does not split across MPI ranks" "says why"
[ -e "$T/m.db" ] && { echo "FAIL: the refused metrics run created a store"; fails=$((fails + 1)); }
# a bad input is reported once, by rank 0, with exit 2
run mpirun -n 2 "$V" drift --reference nope.csv --current cur.csv
[ "$rc" != 0 ] || { echo "FAIL: a missing file under mpirun exited 0"; fails=$((fails + 1)); }
[ "$(grep -c 'nope.csv: cannot open' "$T/err")" = 1 ] || { echo "FAIL: the error was printed $(grep -c 'nope.csv' "$T/err") times"; fails=$((fails + 1)); }
finish
