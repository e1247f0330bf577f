#!/bin/sh
# make pg-tests: the run store on a real PostgreSQL server (issue 22). Starts a throwaway
# server (tests/pg/server.sh: initdb in a mktemp directory, Unix socket only, as an
# unprivileged user when run as root), runs the C unit test with VIGIL_TEST_PG and every
# tests/pg/test_*.sh against it, and stops it. Skips, saying so, only where the server
# binaries are absent (or the binary was built with PG=0, which is checked to refuse).
# Env: VIGIL (the binary), VIGIL_PG_UNIT (build/tests/test_store_pg), PG (the build's switch),
# VIGIL_PG_ONLY="cli concurrency" to run only those scripts.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server.sh"
: "${VIGIL:?VIGIL must name the vigil binary}"

if [ "${PG:-1}" = 0 ]; then
    out=$("$VIGIL" history --db "postgresql:///vigil?host=/nonexistent" 2>&1)
    rc=$?
    if [ "$rc" != 2 ] || ! printf '%s' "$out" | grep -q "PG=1"; then
        echo "FAIL: a PG=0 vigil must refuse a postgresql:// store with exit 2 and how to rebuild (got $rc: $out)"
        exit 1
    fi
    echo "SKIP pg-tests: this vigil was built with PG=0 (it refuses postgresql:// stores, checked); build with PG=1"
    exit 0
fi
if ! pg_find_bin; then
    echo "SKIP pg-tests: no PostgreSQL server binaries (initdb, pg_ctl, postgres) under /usr/lib/postgresql/*/bin or on PATH; make deps installs postgresql"
    exit 0
fi
pg_start || exit 1
export PG_BIN PG_SOCK PG_DIR PG_URL
echo "pg-tests: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') in $PG_DIR (socket only)"
fails=0
if [ -n "${VIGIL_PG_UNIT:-}" ]; then
    echo "== $VIGIL_PG_UNIT"
    VIGIL_TEST_PG=$PG_URL "$VIGIL_PG_UNIT" || fails=$((fails + 1))
fi
if [ -n "${VIGIL_PG_ONLY:-}" ]; then
    list=""; for n in $VIGIL_PG_ONLY; do list="$list $here/test_$n.sh"; done
else
    list=$(ls "$here"/test_*.sh)
fi
for t in $list; do
    if VIGIL=$VIGIL sh "$t"; then echo "ok   $(basename "$t")"; else echo "FAIL $(basename "$t")"; fails=$((fails + 1)); fi
done
echo "pg-tests: $fails failed"
[ "$fails" = 0 ]
