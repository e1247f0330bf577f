#!/bin/sh
# Drift benchmark (issue 6): sh bench/drift.sh [build/vigil]
# 20 numeric features x 200,000 cases per window: vigil drift (every test: KS, AD, CvM,
# Wasserstein, PSI, JS, missing rates; its JSON seconds.compute) against a scipy loop doing only
# KS + Wasserstein + CvM on the same columns; then the multivariate MMD (500 permutations) on
# its default 2,000-row subsample per window. BENCH_DRIFT_N overrides the rows per window.
set -eu
VIGIL=${1:-${VIGIL:-build/vigil}}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out"
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/vigil-bench-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
PY=/usr/bin/python3
N=${BENCH_DRIFT_N:-200000}
cd "$ROOT"
$PY bench/drift.py gen "$N" 20 0 "$TMP/ref.csv"
$PY bench/drift.py gen "$N" 20 0.05 "$TMP/cur.csv"
sp=$($PY bench/drift.py scipy "$TMP/ref.csv" "$TMP/cur.csv")
ss=$(echo "$sp" | sed -n 's/^seconds \([0-9.]*\).*/\1/p')
/usr/bin/time -v "$VIGIL" drift --reference "$TMP/ref.csv" --current "$TMP/cur.csv" --format json \
    >"$TMP/v.json" 2>"$TMP/time.txt" || true
vs=$($PY -c "import json,sys; s=json.load(open(sys.argv[1]))['seconds']; print('%.3f %.2f' % (s['compute'], s['load']))" "$TMP/v.json")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time.txt")
"$VIGIL" drift --reference "$TMP/ref.csv" --current "$TMP/cur.csv" --mmd --permutations 500 --format json >"$TMP/m.json" || true
ms=$($PY -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.2f s compute, %d rows per window, p %.3g' % (d['seconds']['compute'], d['multivariate']['mmd']['rows'], d['multivariate']['mmd']['p']))" "$TMP/m.json")
set -- $vs
{
    echo "vigil drift benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs"
    echo "20 numeric features x $N cases per window:"
    echo "  scipy loop (KS + Wasserstein + CvM only)   ${ss} s   ($sp)"
    echo "  vigil drift, every test                     $1 s compute (load $2 s), ${rss} kB peak RSS"
    echo "  vigil / scipy time                          $(awk -v a="$1" -v b="$ss" 'BEGIN { printf "%.3f (%.1fx faster)", a / b, b / a }')"
    echo "  with --mmd --permutations 500               $ms"
} | tee "$OUT/drift.txt"
