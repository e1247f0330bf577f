#!/bin/sh
# MPI benchmark (issue 22): sh bench/mpi.sh [build/vigil]
# vigil drift on 20 numeric features x N cases per window (BENCH_MPI_N, default 200,000, the
# drift benchmark's files): one process with 1 and with 2 threads, and mpirun -n 1 / 2 / 4 with
# one thread per rank, wall seconds of the whole process (MPI start-up included) and the JSON
# compute seconds; the numbers of every run are checked equal to the one-process run's.
# Writes bench/out/mpi.txt. Skips (exit 0, saying why) without an MPI build or mpirun.
set -eu
. "$(dirname "$0")/lib.sh"
N=${BENCH_MPI_N:-200000}
cd "$ROOT"
if ! "$VIGIL" --version | grep -q "MPI compiled in" || ! command -v mpirun >/dev/null 2>&1; then
    echo "bench/mpi.sh: skipped: vigil built without MPI or no mpirun" | tee "$OUT/mpi.txt"
    exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
$PY bench/drift.py gen "$N" 20 0 "$TMP/ref.csv"
$PY bench/drift.py gen "$N" 20 0.05 "$TMP/cur.csv"
one() { # label, threads per process, then the launcher (if any)
    label=$1 th=$2; shift 2
    t0=$(date +%s.%N)
    "$@" "$VIGIL" drift --reference "$TMP/ref.csv" --current "$TMP/cur.csv" --threads "$th" --format json \
        >"$TMP/o.json" || [ $? -le 1 ]
    t1=$(date +%s.%N)
    $PY - "$TMP/o.json" "$TMP/base.json" "$label" "$t0" "$t1" <<'PY'
import json, os, shutil, sys
o, base, label, t0, t1 = sys.argv[1:6]
d = json.load(open(o))
strip = lambda x: {k: strip(v) for k, v in x.items() if "second" not in k} if isinstance(x, dict) else [strip(v) for v in x] if isinstance(x, list) else x
if not os.path.exists(base): shutil.copy(o, base)
same = strip(d) == strip(json.load(open(base)))
print("| %s | %.2f s | %.2f s | %s |" % (label, float(t1) - float(t0), d["seconds"]["compute"], "yes" if same else "NO"))
PY
}
{
    echo "vigil drift, 20 numeric features x $N cases per window, $(nproc) CPUs, $(date -u +%Y-%m-%d)"
    echo
    echo "| run | wall | compute (JSON) | numbers equal to one process |"
    echo "| --- | --- | --- | --- |"
    one "one process, 1 thread" 1
    one "one process, 2 threads" 2
    one "mpirun -n 1, 1 thread" 1 mpirun -n 1
    one "mpirun -n 2, 1 thread each" 1 mpirun -n 2
    one "mpirun -n 4, 1 thread each (oversubscribed)" 1 mpirun -n 4
} | tee "$OUT/mpi.txt"
