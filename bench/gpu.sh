#!/bin/sh
# The GPU checks and benchmarks (issue 15), one script for a machine with an NVIDIA device:
#   sh bench/gpu.sh [BUILD]        BUILD: a CUDA build folder (default build; built here with
#                                  CUDA=1 when it lacks one and the build dependencies exist)
# It prints the driver, runtime and device; runs the CPU/CUDA parity tests with
# VIGIL_TEST_REQUIRE_CUDA=1 (a skip is a failure, and an explicit --backend cuda never falls
# back), bench/gpu_bench (10M-case scoring, 1M-row TreeSHAP, 10,000 x 10,000 MMD, each against
# the CPU, with parity across the chunk boundaries), bench/gpu_boot (the metrics bootstrap,
# 1,000,000 cases x 200 replicates, CPU against CUDA bit for bit: PARITY OK or PARITY FAIL, and
# both times), compute-sanitizer's memcheck, racecheck, initcheck and synccheck on the four ops, the whole process (CSV in, scores out) on 2,000,000
# cases, the bundled suites under AUTO and on the CPU, and the CLI tests of predict, explain and
# drift with the CUDA binary.
# Logs go to $GPU_OUT (default bench/out/gpu). Under 8 minutes on an H200. Exit 1 when any check
# failed. A folder .devlibs/ (the shared libraries of a build machine, for a device machine
# without them) is put on LD_LIBRARY_PATH when present.
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
LOG=${GPU_OUT:-bench/out/gpu}
mkdir -p "$LOG"
[ -d .devlibs ] && export LD_LIBRARY_PATH="$PWD/.devlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
PATH="$PATH:/usr/local/cuda/bin"
S="$LOG/summary.txt"
: >"$S"
fail=0
say() { echo "$*" | tee -a "$S"; }
step() { # step NAME SECONDS CMD...: run with a time limit, the log in $LOG/NAME.log
    n=$1 t=$2
    shift 2
    s0=$(date +%s.%N)
    timeout "$t" "$@" >"$LOG/$n.log" 2>&1
    rc=$?
    s1=$(date +%s.%N)
    w=$(echo "$s0 $s1" | awk '{ printf "%.1f", $2 - $1 }')
    if [ $rc -eq 0 ]; then say "ok    $n (${w} s)"; else say "FAIL  $n (exit $rc, ${w} s): $LOG/$n.log"; fail=1; fi
    return $rc
}

if ! "$B/vigil" --version 2>/dev/null | grep -q 'cuda (compiled in'; then
    make BUILD="$B" CUDA=1 -j"$(nproc)" all "$B/bench/gpu_bench" "$B/bench/gpu_boot" "$B/tests/test_backend" "$B/tests/test_model" \
        "$B/tests/test_explain" "$B/tests/test_drift" >"$LOG/build.log" 2>&1 || {
        say "FAIL  build: $LOG/build.log"
        exit 1
    }
fi
{
    echo "== $(date -u +%Y-%m-%dT%H:%MZ) $(uname -srm), $(nproc) CPUs"
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1
    nvcc --version 2>/dev/null | tail -1
    "$B/vigil" --version
} | tee -a "$S"

# 1. parity: the unit tests that compare the backends, a device required
for t in test_backend test_model test_explain test_drift; do
    VIGIL_TEST_REQUIRE_CUDA=1 step "$t" 120 "$B/tests/$t"
done
# 2. the benchmarks, with their own parity checks at size
step gpu_bench 300 "$B/bench/gpu_bench" --threads "$(nproc)"
grep -E '^(predict|treeshap|mmd|  )' "$LOG/gpu_bench.log" | tee -a "$S"
# 2b. the metrics bootstrap (issue 22): 10^6 cases x 200 replicates, every value CPU = CUDA to the bit
[ -x "$B/bench/gpu_boot" ] || make BUILD="$B" CUDA=1 "$B/bench/gpu_boot" >>"$LOG/build.log" 2>&1
step gpu_boot 300 "$B/bench/gpu_boot" --threads "$(nproc)"
grep -E '^(bootstrap|  |PARITY)' "$LOG/gpu_boot.log" | tee -a "$S"
grep -q '^PARITY OK' "$LOG/gpu_boot.log" || { say "FAIL  bootstrap parity: $LOG/gpu_boot.log"; fail=1; }
# 3. compute-sanitizer on the three ops (small sizes, tiny chunks: every chunked path)
if command -v compute-sanitizer >/dev/null; then
    for tool in memcheck racecheck initcheck synccheck; do
        extra=
        [ $tool = memcheck ] && extra="--leak-check full"
        step "sanitizer_$tool" 150 compute-sanitizer --tool $tool $extra --error-exitcode 9 "$B/bench/gpu_bench" --small \
            --threads 4
        grep -E 'ERROR SUMMARY|LEAK SUMMARY|RACECHECK SUMMARY' "$LOG/sanitizer_$tool.log" | tee -a "$S"
        step "sanitizer_boot_$tool" 150 compute-sanitizer --tool $tool $extra --error-exitcode 9 "$B/bench/gpu_boot" \
            --small --threads 4
        grep -E 'ERROR SUMMARY|LEAK SUMMARY|RACECHECK SUMMARY|PARITY' "$LOG/sanitizer_boot_$tool.log" | tee -a "$S"
    done
else
    say "FAIL  compute-sanitizer not found"
    fail=1
fi
# 4. the whole process: CSV in, scores out
N=${GPU_WHOLE_N:-2000000}
if env -u LD_LIBRARY_PATH python3 bench/explain.py gen "$N" /tmp/vigil-gpu-cases.csv 2>"$LOG/gen.log"; then
    for b in cuda auto "cpu --threads $(nproc)" "cpu --threads 2"; do
        s0=$(date +%s.%N)
        # shellcheck disable=SC2086
        "$B/vigil" predict --model datasets/models/flchain_deep.json --data /tmp/vigil-gpu-cases.csv --id case_id \
            --backend $b --allow-column 'age=bench: sampled from the de-identified bundled cohort' \
            --out /tmp/vigil-gpu-p.csv --format json >"$LOG/whole.json" 2>"$LOG/whole.err"
        rc=$?
        s1=$(date +%s.%N)
        say "whole process, $N cases, --backend $b: exit $rc, $(echo "$s0 $s1" | awk '{ printf "%.2f", $2 - $1 }') s wall; $(env -u LD_LIBRARY_PATH python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s=d['seconds']; print('compute %.3f s, load %.2f s, write %.2f s, backend %s' % (s['compute'], s['load'], s['write'], d['backend']))" "$LOG/whole.json" 2>&1)"
        [ $rc -eq 0 ] || fail=1
    done
    rm -f /tmp/vigil-gpu-cases.csv /tmp/vigil-gpu-p.csv
else
    say "FAIL  case generation: $LOG/gen.log"
    fail=1
fi
# 5. AUTO on the bundled suites (3,072 cases): never slower than the CPU alone
for suite in suites/*.json; do
    for b in auto cpu; do
        rm -f /tmp/vigil-gpu-suite.db
        s0=$(date +%s.%N)
        "$B/vigil" suite run "$suite" --db /tmp/vigil-gpu-suite.db --backend $b >"$LOG/suite.out" 2>&1
        rc=$?
        s1=$(date +%s.%N)
        say "suite $suite --backend $b: exit $rc, $(echo "$s0 $s1" | awk '{ printf "%.2f", $2 - $1 }') s wall"
        [ $rc -le 1 ] || { fail=1; tail -5 "$LOG/suite.out" | tee -a "$S"; }
    done
done
rm -f /tmp/vigil-gpu-suite.db
# 6. the CLI tests that take --backend, with the CUDA binary
VIGIL="$PWD/$B/vigil" VIGIL_CLI_ONLY="predict explain drift" step cli_tests 150 sh tests/cli/run.sh
tail -3 "$LOG/cli_tests.log" | tee -a "$S"
say "gpu.sh: $([ $fail -eq 0 ] && echo 'every check passed' || echo FAILED)"
exit $fail
