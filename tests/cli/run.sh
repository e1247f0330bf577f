#!/bin/sh
# Runs every tests/cli/test_*.sh against $VIGIL; prints a plain "N passed, N failed" line.
: "${VIGIL:?set VIGIL to the vigil binary}"
export VIGIL
dir=$(dirname "$0")
pass=0; failn=0
# VIGIL_CLI_ONLY="a b" runs only tests/cli/test_a.sh and test_b.sh.
if [ -n "${VIGIL_CLI_ONLY:-}" ]; then
    list=""; for n in $VIGIL_CLI_ONLY; do list="$list $dir/test_$n.sh"; done
else
    list=$(ls "$dir"/test_*.sh)
fi
for t in $list; do
    if sh "$t"; then
        echo "ok   $(basename "$t")"; pass=$((pass + 1))
    else
        echo "FAIL $(basename "$t")"; failn=$((failn + 1))
    fi
done
echo "cli: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
