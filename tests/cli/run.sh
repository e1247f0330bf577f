#!/bin/sh
# Runs every tests/cli/test_*.sh against $VIGIL; prints a plain "N passed, N failed" line.
# The tests run VIGIL_CLI_JOBS at a time (default: the number of CPUs; each test has its own
# temporary directory and store), their output printed whole, test by test, in name order.
# The tests that time things (kills at timed points, ranks waiting for each other) run alone
# afterwards: VIGIL_CLI_SERIAL names them.
: "${VIGIL:?set VIGIL to the vigil binary}"
export VIGIL
dir=$(cd "$(dirname "$0")" && pwd)
pass=0; failn=0
# VIGIL_CLI_ONLY="a b" runs only tests/cli/test_a.sh and test_b.sh.
if [ -n "${VIGIL_CLI_ONLY:-}" ]; then
    list=""; for n in $VIGIL_CLI_ONLY; do list="$list $dir/test_$n.sh"; done
else
    list=$(ls "$dir"/test_*.sh)
fi
jobs=${VIGIL_CLI_JOBS:-$(nproc 2>/dev/null || echo 1)}
serial=" ${VIGIL_CLI_SERIAL:-reliability mpi} "
logs=$(mktemp -d /tmp/vigil-cli-run-XXXXXX)
trap 'rm -rf "$logs"' EXIT
par=""; ser=""
for t in $list; do
    n=$(basename "$t" .sh); n=${n#test_}
    case "$serial" in *" $n "*) ser="$ser $t" ;; *) par="$par $t" ;; esac
done
# one test: its output and its exit status kept under $logs
one() { sh "$1" >"$2/$(basename "$1").log" 2>&1; echo $? >"$2/$(basename "$1").rc"; }
if [ -n "$par" ]; then
    printf '%s\n' $par | xargs -P "$jobs" -I{} sh -c 'sh "$1" >"$2/$(basename "$1").log" 2>&1; echo $? >"$2/$(basename "$1").rc"' _ {} "$logs"
fi
for t in $ser; do one "$t" "$logs"; done
for t in $list; do
    b=$(basename "$t")
    [ -f "$logs/$b.log" ] && cat "$logs/$b.log"
    if [ "$(cat "$logs/$b.rc" 2>/dev/null)" = 0 ]; then
        echo "ok   $b"; pass=$((pass + 1))
    else
        echo "FAIL $b"; failn=$((failn + 1))
    fi
done
echo "cli: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
