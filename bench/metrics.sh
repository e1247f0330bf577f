#!/bin/sh
# Metrics benchmarks (issue 4): sh bench/metrics.sh [build/vigil]
#   1. AUROC + DeLong CI on 1,000,000 cases: vigil vs scikit-learn roc_auc_score (AUROC only)
#      and pROC roc() + ci.auc(method = "delong")
#   2. 1,000 bootstrap replicates of the AUROC on 100,000 cases: vigil (count resampling over
#      one sorted order, 2 threads) vs a scikit-learn loop over resampled rows
#   3. every metric, 3 group columns, 1,000 replicates, 1,000,000 cases (vigil metrics CLI):
#      seconds and peak memory
# Results go to bench/out/metrics.txt (make bench runs this from bench/run.sh with $VIGIL set);
# bench/RESULTS.md keeps the figures of record.
# BENCH_QUICK=1 runs the scikit-learn bootstrap loop for 100 replicates and scales by 10.
set -eu
. "$(dirname "$0")/lib.sh"
BUILD=$(dirname "$VIGIL")
LIBS=$(pkg-config --libs gsl libcjson sqlite3 libcrypto)
cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT/include" -I"$ROOT/src" -pthread -o "$TMP/mbench" \
    "$ROOT/bench/metrics.c" "$BUILD/libvigil.a" $LIBS -lm
secs() { sed -n 's/^seconds \([0-9.]*\).*/\1/p'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

v_auc=$("$TMP/mbench" auroc 1000000 | secs)
sk_auc=$($PY "$ROOT/bench/metrics.py" auroc 1000000 | secs)
$PY "$ROOT/bench/metrics.py" gen 1000000 "$TMP/big.csv"
r_auc=$(Rscript -e 'suppressMessages(library(pROC)); d <- read.csv(commandArgs(TRUE)[1]);
  t <- system.time({ r <- roc(d$label, d$score, levels = c(0, 1), direction = "<", quiet = TRUE);
                     ci.auc(r, method = "delong") })[["elapsed"]]; cat("seconds", t, "\n")' "$TMP/big.csv" | secs)

v_boot=$("$TMP/mbench" boot 100000 1000 2 | secs)
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    sk_boot=$($PY "$ROOT/bench/metrics.py" boot 100000 100 | secs)
    sk_boot=$(awk -v s="$sk_boot" 'BEGIN { print s * 10 }')
else
    sk_boot=$($PY "$ROOT/bench/metrics.py" boot 100000 1000 | secs)
fi

/usr/bin/time -v "$VIGIL" metrics --data "$TMP/big.csv" --score score --label label --group sex \
    --group age_band --group site --bootstrap 1000 --seed 1 --no-store --format json \
    >"$TMP/full.json" 2>"$TMP/time.txt"
full=$($PY -c "import json,sys; s=json.load(open(sys.argv[1]))['seconds']; print('%.2f %.2f %.3f' % (s['load'], s['compute'], s['write']))" "$TMP/full.json")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time.txt")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time.txt")

{
    echo "vigil metrics benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs"
    echo "AUROC + DeLong CI, 1e6 cases: vigil $v_auc s; scikit-learn roc_auc_score $sk_auc s ($(ratio "$sk_auc" "$v_auc")x); pROC roc + ci.auc $r_auc s ($(ratio "$r_auc" "$v_auc")x)"
    echo "bootstrap AUROC, 1000 x 1e5 cases: vigil $v_boot s (2 threads); scikit-learn loop $sk_boot s ($(ratio "$sk_boot" "$v_boot")x)"
    echo "all metrics, 3 group columns, 1000 replicates, 1e6 cases: load/compute/write $full s, wall $wall, peak RSS $((rss / 1024)) MiB"
} | tee "$OUT/metrics.txt"
