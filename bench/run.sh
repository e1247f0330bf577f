#!/bin/sh
# make bench: every benchmark, each against its peer in the same run; figures in bench/out/.
# Copy the summary lines into bench/RESULTS.md with the machine they ran on. bench/gpu.sh is
# separate: it needs an NVIDIA device (see bench/RESULTS.md, "The CUDA backend on an H200").
set -u
VIGIL=${1:-build/vigil}
export BENCH_OUT=bench/out BENCH_BIN=build/bench VIGIL
mkdir -p bench/out
make -s build/bench/csv_read || exit 3
status=0
for b in csv wide predict metrics human multiclass survival drift drift_peers explain suite monitor monitor_record; do
    [ -f "bench/$b.sh" ] || continue
    echo "== bench/$b.sh" >&2
    sh "bench/$b.sh" || { echo "bench/$b.sh failed" >&2; status=1; }
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -m)" | tee bench/out/machine.txt
cat bench/out/*.txt > bench/out/summary.txt 2>/dev/null
exit $status
