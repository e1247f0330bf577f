#!/bin/sh
# Human-in-the-loop benchmark (issue 21): sh bench/human.sh [build/vigil]
# BENCH_HUMAN_N cases (default 1,000,000) with a decision and a 4-level site column:
#  - vigil metrics --decision --group site (bootstrap off), whole process, and the same command
#    without --decision (what the human block adds);
#  - statsmodels (bench/human.py peer): the same block, whole process (pandas read_csv included).
# Writes bench/out/human.txt.
set -eu
. "$(dirname "$0")/lib.sh"
N=${BENCH_HUMAN_N:-1000000}
cd "$ROOT"
$PY bench/human.py gen "$N" "$TMP/h.csv"
wall() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'; }
/usr/bin/time -v "$VIGIL" metrics --data "$TMP/h.csv" --score score --label label --threshold 0.3 --group site \
    --decision decision --bootstrap 0 --no-store --format json >"$TMP/v.json" 2>"$TMP/v.time"
/usr/bin/time -v "$VIGIL" metrics --data "$TMP/h.csv" --score score --label label --threshold 0.3 --group site \
    --bootstrap 0 --no-store --format json >/dev/null 2>"$TMP/n.time"
/usr/bin/time -v $PY bench/human.py peer "$TMP/h.csv" 0.3 >"$TMP/p.txt" 2>"$TMP/p.time"
v=$(wall "$TMP/v.time") nd=$(wall "$TMP/n.time") p=$(wall "$TMP/p.time")
pc=$(sed -n 's/^seconds //p' "$TMP/p.txt")
{
    echo "human in the loop, $N cases, 4 sites (whole process, wall s):"
    echo "  vigil metrics --decision: $v s (without --decision: $nd s)"
    echo "  statsmodels peer: $p s (of which computation $pc s)"
    awk -v a="$p" -v b="$v" 'BEGIN { printf "  peer/vigil: %.2fx\n", a / b }'
} | tee "$OUT/human.txt"
