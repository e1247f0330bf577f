# Helpers for the end-to-end CLI tests (sourced by tests/cli/test_*.sh).
# $VIGIL is the binary; each test script runs in a fresh temporary directory $T.
# A check that fails prints what it expected and what it got, and the script exits 1.

fails=0
T=$(mktemp -d /tmp/vigil-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export VIGIL_DB="$T/vigil.db"

# run CMD...: runs it, keeping stdout in $T/out, stderr in $T/err, the status in $rc.
run() {
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

# expect_rc N DESCRIPTION
expect_rc() {
    if [ "$rc" != "$1" ]; then
        echo "FAIL: $2: exit status $rc, expected $1"
        echo "  stderr: $(head -c 600 "$T/err")"
        fails=$((fails + 1))
    fi
}

# expect_err TEXT DESCRIPTION: stderr contains TEXT (fixed string)
expect_err() {
    if ! grep -qF -- "$1" "$T/err"; then
        echo "FAIL: $2: stderr lacks '$1'"
        echo "  stderr: $(head -c 600 "$T/err")"
        fails=$((fails + 1))
    fi
}

# expect_out TEXT DESCRIPTION: stdout contains TEXT (fixed string)
expect_out() {
    if ! grep -qF -- "$1" "$T/out"; then
        echo "FAIL: $2: stdout lacks '$1'"
        echo "  stdout: $(head -c 600 "$T/out")"
        fails=$((fails + 1))
    fi
}

# expect_json EXPR DESCRIPTION: the python expression EXPR on the JSON in $T/out (as d) is true
expect_json() {
    if ! /usr/bin/python3 -c "import json,sys,math; d=json.load(open('$T/out')); sys.exit(0 if ($1) else 1)" 2>"$T/pyerr"; then
        echo "FAIL: $2: JSON check '$1' did not hold"
        echo "  stdout: $(head -c 600 "$T/out") $(cat "$T/pyerr")"
        fails=$((fails + 1))
    fi
}

finish() {
    exit $((fails > 0))
}
