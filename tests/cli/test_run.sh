#!/bin/sh
# The run lifecycle: a run whose final write fails ends "failed", naming why, and never stays
# "running" (which `vigil history` shows as "interrupted" once the process is gone). A trigger
# refuses every result document, so the finishing transaction fails while the runs table, which
# the failure is recorded in, stays writable.
. "$(dirname "$0")/lib.sh"

run "$VIGIL" monitor run "$ROOT/monitors/flchain-stable.json"
expect_rc 0 "a first run creates the store"
/usr/bin/python3 - "$VIGIL_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TRIGGER refuse_docs BEFORE INSERT ON documents "
           "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded (test)'); END")
db.commit()
PY

# last_run KIND: status and error of the newest run of KIND, as "status|error"
last_run() {
    /usr/bin/python3 - "$VIGIL_DB" "$1" <<'PY'
import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute(
    "SELECT status, error FROM runs WHERE kind = ? ORDER BY id DESC LIMIT 1", (sys.argv[2],)).fetchone()
print("%s|%s" % r if r else "none|")
PY
}

expect_failed() { # KIND DESCRIPTION
    got=$(last_run "$1")
    case "$got" in
    "failed|"*"disk quota exceeded (test)"*) ;;
    *) echo "FAIL: $2: the run ended '$got', expected failed naming the cause"; fails=$((fails + 1)) ;;
    esac
}

run "$VIGIL" monitor run "$ROOT/monitors/flchain-stable.json"
expect_rc 3 "monitor: a failed finish is an error"
expect_err "disk quota exceeded (test)" "monitor: the cause is reported"
expect_failed monitor "monitor: a failed finish"

run "$VIGIL" metrics --data "$ROOT/datasets/flchain/cases.csv" --score score --label death_5y --bootstrap 0 \
    --allow-column "age=public research cohort"
expect_rc 3 "metrics: a failed finish is an error"
expect_err "disk quota exceeded (test)" "metrics: the cause is reported"
expect_failed metrics "metrics: a failed finish"

run "$VIGIL" audit verify
expect_rc 0 "the chain still verifies"
finish
