#!/bin/sh
# Runs every tests/cli/test_*.sh against $VIGIL; prints a plain "N passed, N failed" line.
: "${VIGIL:?set VIGIL to the vigil binary}"
export VIGIL
dir=$(dirname "$0")
pass=0; failn=0
for t in "$dir"/test_*.sh; do
    if sh "$t"; then
        echo "ok   $(basename "$t")"; pass=$((pass + 1))
    else
        echo "FAIL $(basename "$t")"; failn=$((failn + 1))
    fi
done
echo "cli: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
