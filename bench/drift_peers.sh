#!/bin/sh
# Drift at scale against Evidently and NannyML (issue 6): sh bench/drift_peers.sh [build/vigil]
# 1,000,000 cases x 50 numeric features per window (seeded normal, a shift in one feature):
# seconds and peak memory of `vigil drift` (every test) beside Evidently's DataDriftPreset report
# and NannyML's univariate drift calculator on the same files. The peers live in a PyPI virtual
# environment (PEERS_PY, default /tmp/vigil-peers/bin/python; see bench/drift_peers.py); without
# it they are reported as not run. BENCH_PEERS_N overrides the rows per window.
set -eu
. "$(dirname "$0")/lib.sh"
PEERS_PY=${PEERS_PY:-/tmp/vigil-peers/bin/python}
N=${BENCH_PEERS_N:-1000000}
cd "$ROOT"
$PY bench/drift.py gen "$N" 50 0 "$TMP/ref.csv"
$PY bench/drift.py gen "$N" 50 0.05 "$TMP/cur.csv"
measure() { # name command...: prints "name: <wall> s wall, <rss> MB peak, <own line>"
    name=$1; shift
    if /usr/bin/time -v "$@" >"$TMP/o.txt" 2>"$TMP/t.txt"; then :; fi
    w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/t.txt")
    r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/t.txt")
    own=$(grep -m1 '^seconds' "$TMP/o.txt" || $PY -c "import json,sys; s=json.load(open(sys.argv[1]))['seconds']; print('seconds %.2f (load %.2f)' % (s['compute'], s['load']))" "$TMP/o.txt" 2>/dev/null || true)
    echo "  $name: wall $w, peak RSS $((r / 1024)) MB; $own"
}
{
    echo "drift at scale, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs: 50 numeric features x $N cases per window"
    measure "vigil drift (all tests)" "$VIGIL" drift --reference "$TMP/ref.csv" --current "$TMP/cur.csv" --format json
    if [ -x "$PEERS_PY" ]; then
        measure "Evidently DataDriftPreset" "$PEERS_PY" bench/drift_peers.py evidently "$TMP/ref.csv" "$TMP/cur.csv"
        measure "NannyML univariate (KS + Wasserstein)" "$PEERS_PY" bench/drift_peers.py nannyml "$TMP/ref.csv" "$TMP/cur.csv"
    else
        echo "  Evidently / NannyML: not run ($PEERS_PY missing)"
    fi
} | tee "$OUT/drift_peers.txt"
