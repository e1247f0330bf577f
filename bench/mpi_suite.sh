#!/bin/sh
# MPI suite benchmark (issue 22): sh bench/mpi_suite.sh [build/vigil]
# The shipped flchain suite as bench/suite.sh builds it (N cases sampled with replacement from
# the bundled cohort, 3 group columns, B replicates; BENCH_SUITE_N, default 200,000, and
# BENCH_SUITE_B, default 2,000), run
#   - with "bootstrap": 0, one process, 1 thread: the part that does not split (load, scoring,
#     the point estimates, replay, SHAP, the drift gate, the store),
#   - with B replicates: one process with 1 thread, mpirun -n 1 and mpirun -n 2 with 1 thread
#     per rank,
# each: wall and CPU seconds of the whole job (GNU time; mpirun's CPU includes its ranks'), the
# load average before and after (the machine may be shared), vigil's own load / compute / write
# seconds, the stored result digest against the one-process run's, and on rank 0 what the shares
# moved (VIGIL_MPI_REPORT: collectives, doubles received by each rank, seconds in them).
# BENCH_MPI_QUICK=1: only the serial part, mpirun -n 1 and mpirun -n 2.
# Writes bench/out/mpi_suite.txt. Skips (exit 0, saying why) without an MPI build or mpirun.
set -eu
. "$(dirname "$0")/lib.sh"
case $VIGIL in /*) ;; *) VIGIL=$(pwd)/$VIGIL ;; esac
N=${BENCH_SUITE_N:-200000}
B=${BENCH_SUITE_B:-2000}
cd "$ROOT"
if ! "$VIGIL" --version | grep -q "MPI compiled in" || ! command -v mpirun >/dev/null 2>&1; then
    echo "bench/mpi_suite.sh: skipped: vigil built without MPI or no mpirun" | tee "$OUT/mpi_suite.txt"
    exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
$PY bench/explain.py gen "$N" "$TMP/cases.csv"
for b in 0 "$B"; do bench_suite_json "$b" "$TMP/suite$b.json"; done
one() { # label, replicates, then the launcher (if any)
    label=$1 b=$2; shift 2
    rm -f "$TMP/v.db"
    l0=$(cut -d' ' -f1 /proc/loadavg)
    rc=0
    VIGIL_MPI_REPORT=1 /usr/bin/time -f "%e %U %S" -o "$TMP/time.txt" "$@" "$VIGIL" suite run "$TMP/suite$b.json" \
        --db "$TMP/v.db" --threads 1 --format json >"$TMP/s.json" 2>"$TMP/err.txt" || rc=$?
    [ "$rc" -le 1 ] || { echo "| $label | failed ($rc): $(tail -3 "$TMP/err.txt") |"; return 0; }
    l1=$(cut -d' ' -f1 /proc/loadavg)
    $PY - "$TMP" "$label" "$b" "$l0" "$l1" <<'PY'
import json, os, sqlite3, sys
tmp, label, b, l0, l1 = sys.argv[1:6]
wall, user, sys_ = (float(x) for x in open(f"{tmp}/time.txt").read().split()[-3:])
d = json.load(open(f"{tmp}/s.json"))
s = d.get("seconds", {})
digest = sqlite3.connect(f"{tmp}/v.db").execute("SELECT result_digest FROM runs").fetchone()[0]
base = f"{tmp}/digest{b}"
if not os.path.exists(base): open(base, "w").write(digest)
same = open(base).read() == digest
err = open(f"{tmp}/err.txt").read().splitlines()
share = [l for l in err if "shares of results" in l]
share = share[0].split("MPI: ", 1)[1].strip() if share else "-"
share += "".join("; rank %s" % l.split("MPI rank ", 1)[1].strip() for l in err if "s in the shares" in l and "MPI rank " in l)
print("| %s | %s | %.1f s | %.1f s | %s -> %s | %.1f / %.1f / %.2f | %s | %s |" % (
    label, b, wall, user + sys_, l0, l1, s.get("load", 0), s.get("compute", 0), s.get("write", 0),
    "yes" if same else "NO", share))
PY
}
{
    echo "vigil suite run under MPI: suites/flchain-v2-vs-v1.json on $N cases, 3 group columns,"
    echo "$(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo
    echo "| run | replicates | wall | CPU (user + sys) | load avg before -> after | vigil load / compute / write s | result digest = one process | shares (rank 0) |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    one "one process, 1 thread (the serial part)" 0
    [ -n "${BENCH_MPI_QUICK:-}" ] || one "one process, 1 thread" "$B"
    one "mpirun -n 1, 1 thread" "$B" mpirun -n 1
    one "mpirun -n 2, 1 thread each" "$B" mpirun -n 2
    # Open MPI polls while a rank waits in a collective; on a machine with other jobs it can
    # be told to yield the core instead
    [ -n "${BENCH_MPI_QUICK:-}" ] ||
        one "mpirun -n 2, 1 thread each, mpi_yield_when_idle" "$B" mpirun --mca mpi_yield_when_idle 1 -n 2
} | tee "$OUT/mpi_suite.txt"
