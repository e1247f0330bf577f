#!/bin/sh
# Drift benchmark (issue 6): sh bench/drift.sh [build/vigil]
# 20 numeric features x N cases per window (BENCH_DRIFT_N, default 200,000 as the issue asks):
#  - vigil drift (every test: KS, AD, CvM, Wasserstein, PSI, JS, missing rates), whole process
#    under /usr/bin/time -v (wall, peak RSS) and its JSON seconds.compute;
#  - the scipy peer doing the SAME numeric tests (bench/drift.py scipy-all), whole process under
#    /usr/bin/time -v, and its computation seconds;
#  - the issue's yardstick, a scipy loop doing only KS + Wasserstein + CvM (computation seconds);
#  - the multivariate MMD (500 permutations) on its default 2,000-row subsample per window.
# Writes bench/out/drift.txt.
set -eu
. "$(dirname "$0")/lib.sh"
N=${BENCH_DRIFT_N:-200000}
cd "$ROOT"
$PY bench/drift.py gen "$N" 20 0 "$TMP/ref.csv"
$PY bench/drift.py gen "$N" 20 0.05 "$TMP/cur.csv"
wall() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'; }
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
# scipy, every numeric test vigil runs, whole process
/usr/bin/time -v $PY bench/drift.py scipy-all "$TMP/ref.csv" "$TMP/cur.csv" >"$TMP/sa.txt" 2>"$TMP/sa.time"
sa_c=$(sed -n 's/^seconds \([0-9.]*\).*/\1/p' "$TMP/sa.txt")
sa_w=$(wall "$TMP/sa.time"); sa_r=$(rss "$TMP/sa.time")
peer=$(sed -n 's/^seconds [0-9.]* //p' "$TMP/sa.txt")
# scipy, KS + Wasserstein + CvM only
ss=$($PY bench/drift.py scipy "$TMP/ref.csv" "$TMP/cur.csv" | sed -n 's/^seconds \([0-9.]*\).*/\1/p')
# vigil, whole process
rc=0
/usr/bin/time -v "$VIGIL" drift --reference "$TMP/ref.csv" --current "$TMP/cur.csv" --format json \
    >"$TMP/v.json" 2>"$TMP/v.time" || rc=$?
[ "$rc" -le 1 ] || { echo "vigil drift failed ($rc):"; cat "$TMP/v.time"; exit 1; }
v_w=$(wall "$TMP/v.time"); v_r=$(rss "$TMP/v.time")
set -- $($PY -c "import json,sys; s=json.load(open(sys.argv[1]))['seconds']; print('%.3f %.3f' % (s['compute'], s['load']))" "$TMP/v.json")
v_c=$1 v_l=$2
"$VIGIL" drift --reference "$TMP/ref.csv" --current "$TMP/cur.csv" --mmd --permutations 500 --format json >"$TMP/m.json" || true
ms=$($PY -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.2f s compute, %d rows in all, p %.3g' % (d['seconds']['compute'], d['multivariate']['mmd']['rows'], d['multivariate']['mmd']['p']))" "$TMP/m.json")
# the issue's MMD figure: 10,000 x 10,000 cases x 20 features, 500 permutations (about 40 s on
# 2 cores; BENCH_DRIFT_MMD_FULL=0 skips it)
mf="skipped (BENCH_DRIFT_MMD_FULL=0)"
if [ "${BENCH_DRIFT_MMD_FULL:-1}" != 0 ]; then
    /usr/bin/time -v "$VIGIL" drift --reference "$TMP/ref.csv" --current "$TMP/cur.csv" --mmd --mmd-rows 10000 \
        --permutations 500 --format json >"$TMP/mf.json" 2>"$TMP/mf.time" || true
    mf="$($PY -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.1f s compute, %d rows in all, p %.3g' % (d['seconds']['compute'], d['multivariate']['mmd']['rows'], d['multivariate']['mmd']['p']))" "$TMP/mf.json"), $(rss "$TMP/mf.time") kB peak RSS"
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f (%.1fx faster)", a / b, b / a }'; }
{
    echo "vigil drift benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg), $peer"
    echo "20 numeric features x $N cases per window (CSV, %.6f):"
    echo "  whole process, /usr/bin/time (wall, peak RSS):"
    echo "    scipy, the same tests (KS, AD, CvM, W1, PSI, JS)   ${sa_w} s   ${sa_r} kB"
    echo "    vigil drift, every test                           ${v_w} s   ${v_r} kB"
    echo "    vigil / scipy                                      $(ratio "$v_w" "$sa_w")"
    echo "  computation only (after the CSVs are read):"
    echo "    scipy, the same tests                              ${sa_c} s"
    echo "    scipy, KS + W1 + CvM only (the issue's yardstick)  ${ss} s"
    echo "    vigil drift, every test                            ${v_c} s  (its CSV load ${v_l} s)"
    echo "    vigil / scipy same tests                           $(ratio "$v_c" "$sa_c")"
    echo "    vigil / scipy KS + W1 + CvM                        $(ratio "$v_c" "$ss")"
    echo "  vigil drift --mmd --permutations 500                 $ms"
    echo "  vigil drift --mmd --mmd-rows 10000 --permutations 500 $mf"
} | tee "$OUT/drift.txt"
