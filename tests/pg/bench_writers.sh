#!/bin/sh
# Bench (bench/RESULTS.md, "Shared store"): wall time of 20 concurrent writer processes on one
# store, SQLite file vs PostgreSQL (a throwaway local server, Unix socket, tests/pg/server.sh).
# Two loads: `metrics --bootstrap 0` (the store dominates) and `--bootstrap 200` (compute
# dominates). Usage: VIGIL=build/vigil sh tests/pg/bench_writers.sh [REPS]
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server.sh"
ROOT=$(cd "$here/../.." && pwd)
: "${VIGIL:?VIGIL must name the vigil binary}"
REPS=${1:-3}
CASE="$ROOT/tests/reference/metrics/case_a.csv"
pg_find_bin || { echo "SKIP: no PostgreSQL server binaries"; exit 0; }
pg_start || exit 1
W=$(mktemp -d /tmp/vigil-bench-XXXXXX)
trap 'pg_stop; rm -rf "$W"' EXIT

wave() { # DB BOOTSTRAP: 20 writers at once; prints the wall seconds
    /usr/bin/python3 - "$VIGIL" "$1" "$2" "$CASE" <<'PY'
import subprocess, sys, time
vigil, db, boot, case = sys.argv[1:]
t = time.monotonic()
ps = [subprocess.Popen([vigil, "metrics", "--data", case, "--score", "score", "--label", "label", "--group", "sex",
                        "--bootstrap", boot, "--seed", str(k), "--db", db], stdout=subprocess.DEVNULL)
      for k in range(20)]
bad = sum(p.wait() != 0 for p in ps)
print("%.2f" % (time.monotonic() - t) if not bad else "FAILED(%d)" % bad)
PY
}

printf '%-10s %-10s %s\n' store bootstrap "wall seconds for 20 concurrent writers (each rep)"
for boot in 0 200; do
    for store in sqlite postgresql; do
        line=""
        for r in $(seq 1 "$REPS"); do
            if [ $store = sqlite ]; then db="$W/s$boot-$r.db"; else db=$(pg_newdb "b${boot}_$r"); fi
            line="$line $(wave "$db" "$boot")"
        done
        printf '%-10s %-10s %s\n' "$store" "$boot" "$line"
    done
done
