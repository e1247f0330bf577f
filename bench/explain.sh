#!/bin/sh
# TreeSHAP benchmark (issue 5): sh bench/explain.sh [build/vigil]
# 20,000 cases x the bundled deep model (300 trees, depth 7), the same thread count (all cores)
# for vigil explain and XGBoost's pred_contribs; compute seconds of each (vigil's from its JSON
# seconds.compute, XGBoost's around predict()), the ratio, and the largest difference between
# the two sets of values. BENCH_EXPLAIN_N overrides the number of cases.
set -eu
. "$(dirname "$0")/lib.sh"
N=${BENCH_EXPLAIN_N:-20000}
T=$(nproc)
MODEL=datasets/models/flchain_deep.json
cd "$ROOT"
$PY bench/explain.py gen "$N" "$TMP/cases.csv"
xg=$($PY bench/explain.py shap "$MODEL" "$TMP/cases.csv" "$T")
xs=$(echo "$xg" | sed -n 's/^seconds \([0-9.]*\).*/\1/p')
/usr/bin/time -v "$VIGIL" explain --model "$MODEL" --data "$TMP/cases.csv" --id case_id --backend cpu --threads "$T" --no-store \
    --allow-column 'age=bench: sampled from the de-identified bundled cohort' \
    --out "$TMP/shap.csv" --format json >"$TMP/v.json" 2>"$TMP/time.txt"
vs=$($PY -c "import json,sys; print('%.3f' % json.load(open(sys.argv[1]))['seconds']['compute'])" "$TMP/v.json")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time.txt")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time.txt")
diff=$($PY bench/explain.py check "$TMP/cases.csv" "$TMP/shap.csv")
{
    echo "vigil explain benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs"
    echo "TreeSHAP, $N cases x flchain_deep (300 trees, depth 7), $T threads:"
    echo "  xgboost pred_contribs  ${xs} s   ($xg)"
    echo "  vigil explain          ${vs} s compute, ${wall} wall incl. CSV in/out, ${rss} kB peak RSS"
    echo "  speed-up               $(awk -v a="$xs" -v b="$vs" 'BEGIN { printf "%.1fx", a / b }')"
    echo "  values                 $diff (vigil vs xgboost, every attribution and base value)"
} | tee "$OUT/explain.txt"
