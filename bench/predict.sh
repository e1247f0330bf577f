#!/bin/sh
# Inference benchmark (issue 3): sh bench/predict.sh [build/vigil]
# 1,000,000 cases x the bundled deep model (300 trees, depth 7), all cores: vigil predict's
# compute seconds (its JSON seconds.compute) against XGBoost's inplace_predict and
# predict(DMatrix) on the same float32 matrix, the ratio, and the largest score difference.
# BENCH_PREDICT_N overrides the number of cases.
set -eu
. "$(dirname "$0")/lib.sh"
N=${BENCH_PREDICT_N:-1000000}
T=$(nproc)
MODEL=datasets/models/flchain_deep.json
cd "$ROOT"
$PY bench/explain.py gen "$N" "$TMP/cases.csv"
xg=$($PY bench/predict.py "$MODEL" "$TMP/cases.csv" "$T")
xs=$(echo "$xg" | sed -n 's/^seconds \([0-9.]*\).*/\1/p')
/usr/bin/time -v "$VIGIL" predict --model "$MODEL" --data "$TMP/cases.csv" --id case_id --backend cpu --threads "$T" \
    --allow-column 'age=bench: sampled from the de-identified bundled cohort' \
    --out "$TMP/p.csv" --format json >"$TMP/v.json" 2>"$TMP/time.txt"
vs=$($PY -c "import json,sys; s=json.load(open(sys.argv[1]))['seconds']; print('%.3f %.2f %.2f' % (s['compute'], s['load'], s['write']))" "$TMP/v.json")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time.txt")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time.txt")
diff=$($PY bench/predict.py check "$TMP/cases.csv" "$TMP/p.csv")
pw=$($PY bench/predict.py whole "$MODEL" "$TMP/cases.csv" "$TMP/pp.csv" "$T" | sed -n 's/^seconds \([0-9.]*\).*/\1/p')
vw=$(echo "$wall" | awk -F: '{ print $(NF-1) * 60 + $NF }')
set -- $vs
{
    echo "vigil predict benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs"
    echo "$N cases x flchain_deep (300 trees, depth 7), $T threads, CPU backend:"
    echo "  xgboost                ($xg)"
    echo "  vigil predict          $1 s compute (load $2 s, write $3 s; ${wall} wall, ${rss} kB peak RSS)"
    echo "  speed-up vs inplace_predict  $(awk -v a="$xs" -v b="$1" 'BEGIN { printf "%.2fx", a / b }')"
    echo "  scores                 $diff (vigil vs xgboost inplace_predict)"
    echo "  whole process (CSV in, scores out): vigil ${vw} s, pandas + xgboost ${pw} s: $(awk -v a="$pw" -v b="$vw" 'BEGIN { printf "%.2fx", a / b }')"
} | tee "$OUT/predict.txt"
