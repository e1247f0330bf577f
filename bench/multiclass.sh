#!/bin/sh
# Multi-class benchmark (issue 20): sh bench/multiclass.sh [build/vigil]
# BENCH_MC_N cases (default 1,000,000) x BENCH_MC_K classes (default 50), probabilities in
# millionths (rows sum to 1), a 4-level site column:
#  - vigil metrics --class-scores p_ (bootstrap off): whole process and its seconds.compute;
#  - the scikit-learn peer (bench/multiclass.py) on the same file: whole process (pandas
#    read_csv included) and its computation alone.
# Writes bench/out/multiclass.txt.
set -eu
. "$(dirname "$0")/lib.sh"
N=${BENCH_MC_N:-1000000}
K=${BENCH_MC_K:-50}
cd "$ROOT"
$PY bench/multiclass.py gen "$N" "$K" "$TMP/mc.csv"
wall() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'; }
/usr/bin/time -v "$VIGIL" metrics --data "$TMP/mc.csv" --class-scores p_ --label dx --bootstrap 0 --no-store \
    --format json >"$TMP/v.json" 2>"$TMP/v.time"
/usr/bin/time -v $PY bench/multiclass.py peer "$TMP/mc.csv" "$K" >"$TMP/p.txt" 2>"$TMP/p.time"
v=$(wall "$TMP/v.time") p=$(wall "$TMP/p.time")
vc=$($PY -c "import json; d = json.load(open('$TMP/v.json')); print('%.3f %.3f' % (d['seconds']['load'], d['seconds']['compute']))")
pc=$(sed -n 's/^seconds //p' "$TMP/p.txt")
vm=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/v.time")
pm=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/p.time")
# the two agree on what both compute
$PY - "$TMP/v.json" "$TMP/p.txt" <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1]))["multiclass"]
peer = dict(kv.split("=") for kv in open(sys.argv[2]).read().split("\n")[1].split())
keys = {"accuracy": "accuracy", "top_k": "top_k_accuracy", "log_loss": "log_loss", "brier": "brier",
        "macro": "auroc_ovr_macro", "weighted": "auroc_ovr_weighted", "mrr": "mrr",
        "ece_classwise": "ece_classwise", "ece_top_label": "ece_top_label"}
bad = [k for k, v in keys.items() if abs(float(peer[k]) - m[v]["value"]) > 1e-6]
sys.exit("vigil and scikit-learn disagree on " + ", ".join(bad) if bad else 0)
PYEOF
{
    echo "multi-class metrics, $N cases x $K classes (every metric, no bootstrap; wall s):"
    echo "  vigil metrics --class-scores: $v s whole process (load, compute: $vc s), peak RSS ${vm} kB"
    echo "  scikit-learn peer: $p s whole process (of which computation $pc s), peak RSS ${pm} kB"
    awk -v a="$p" -v b="$v" 'BEGIN { printf "  peer/vigil, whole process: %.1fx\n", a / b }'
    c=$(echo "$vc" | cut -d' ' -f2)
    awk -v a="$pc" -v b="$c" 'BEGIN { printf "  peer/vigil, computation: %.1fx\n", a / b }'
} | tee "$OUT/multiclass.txt"
