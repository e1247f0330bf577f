#!/bin/sh
# The commands on a PostgreSQL store (run by tests/pg/run.sh, with a server up): suite run,
# history, report, audit verify and checkpoint, suite diff work unchanged; the same suite gives
# the same result digest as on SQLite; no password is ever kept; bad URLs and refused
# connections are exit 2 naming the socket and the server's message.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/server.sh"
SUITE="$ROOT/suites/flchain-v2-vs-v1.json"
DB=$(pg_newdb cli) || exit 1
export VIGIL_DB="$DB"

run "$VIGIL" suite run "$SUITE" --format json
[ "$rc" = 0 ] || [ "$rc" = 1 ] || { echo "FAIL: suite on PostgreSQL exit $rc: $(head -c 600 "$T/err")"; fails=$((fails + 1)); }
run1=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
# The password is given in the URL here (trust authentication ignores it): it must not be
# kept anywhere, shown in a message, or stored in the run.
PWURL=$(printf '%s' "$DB" | sed 's|^postgresql://|postgresql://vigil:Sup3rSecretPw@|')
run "$VIGIL" suite run "$SUITE" --db "$PWURL"
[ "$rc" = 0 ] || [ "$rc" = 1 ] || { echo "FAIL: second suite run exit $rc: $(head -c 600 "$T/err")"; fails=$((fails + 1)); }
run "$VIGIL" history --kind suite --format json
expect_rc 0 "history on PostgreSQL"
expect_json "len(d['runs']) == 2 and d['runs'][0]['result_digest'] == d['runs'][1]['result_digest']" "identical result digests on a re-run"
expect_json "all(r['status'] == 'completed' for r in d['runs'])" "runs stored whole"
run2=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['runs'][1]['id'])")
pgdigest=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['runs'][0]['result_digest'])")

# The peer: the same suite on an SQLite store gives the same result digest.
run "$VIGIL" suite run "$SUITE" --db "$T/peer.db"
run "$VIGIL" history --db "$T/peer.db" --format json
expect_json "d['runs'][0]['result_digest'] == '$pgdigest'" "PostgreSQL and SQLite stores give the same result digest"

run "$VIGIL" suite diff "$run1" "$run2" --format json
expect_rc 0 "suite diff on PostgreSQL"
expect_json "d['same_inputs'] and d['same_results'] and d['values_changed'] == 0" "diff of identical runs"
run "$VIGIL" report --run "$run1" --out "$T/report.html"
expect_rc 0 "report on PostgreSQL"
[ -s "$T/report.html" ] || { echo "FAIL: the report was not written"; fails=$((fails + 1)); }
run "$VIGIL" audit verify
expect_rc 0 "audit verify on PostgreSQL"
expect_out "audit chain verified: 4 entries, 2 runs" "every entry and run checked"
mkdir "$T/k"
run "$VIGIL" audit keygen --out "$T/k/audit.key"
expect_rc 0 "keygen beside a PostgreSQL store"
run "$VIGIL" audit checkpoint --key "$T/k/audit.key" --out "$T/cp.json"
expect_rc 0 "checkpoint of a PostgreSQL store"
run "$VIGIL" suite run "$SUITE"
run "$VIGIL" audit verify --checkpoint "$T/cp.json" --pubkey "$T/k/audit.key.pub"
expect_rc 0 "the store still extends the checkpoint"
expect_out "audit chain verified: 6 entries, 3 runs" "a third run appended after the checkpoint"
# a signature lands in the shared store as in a file one (audit sign used to look for a file)
run "$VIGIL" audit sign --run 1 --meaning approved --key "$T/k/audit.key" --signer "Dr Test"
expect_rc 0 "audit sign on PostgreSQL"
expect_out "run 1 signed (approved)" "says so"
run "$VIGIL" audit verify
expect_rc 0 "audit verify after the signature"
if "$PG_BIN/pg_dump" -h "$PG_SOCK" -U vigil -d cli 2>/dev/null | grep -q "Sup3rSecretPw"; then
    echo "FAIL: the password was stored in the database"; fails=$((fails + 1))
fi
grep -l "Sup3rSecretPw" "$T/err" "$T/out" >/dev/null 2>&1 && { echo "FAIL: the password was shown"; fails=$((fails + 1)); }

# Refused connections and bad URLs: exit 2, the socket/host and the server's message named.
run "$VIGIL" history --db "postgresql://vigil:Sup3rSecretPw@/vigil?host=/nonexistent-vigil-sock"
expect_rc 2 "no server at the socket"
expect_err "cannot connect to PostgreSQL" "says it could not connect"
expect_err "/nonexistent-vigil-sock" "names the socket"
grep -q "Sup3rSecretPw" "$T/err" && { echo "FAIL: the password was shown in an error"; fails=$((fails + 1)); }
run "$VIGIL" suite run "$SUITE" --db "postgresql:///no_such_db?host=$PG_SOCK&user=vigil"
expect_rc 2 "a database that does not exist"
expect_err 'database "no_such_db" does not exist' "the server's message"
run "$VIGIL" history --db "postgresql:///cli?host=$PG_SOCK&bogus_option=1"
expect_rc 2 "a bad URL"
expect_err "bogus_option" "names what is wrong in the URL"
EMPTY=$(pg_newdb empty) || exit 1
run "$VIGIL" history --db "$EMPTY"
expect_rc 2 "history of a database that holds no store"
expect_err "holds no runs: it was never initialised (no vigil run has been stored in this database yet)" "says there is nothing there"

# A writer that cannot get the store's lock (another session holds it past the timeout)
# retries, then fails naming the cause; nothing is half written.
"$PG_BIN/psql" -h "$PG_SOCK" -U vigil -d cli -q -c "SELECT pg_advisory_lock(8460888434548948993); SELECT pg_sleep(4)" \
    >/dev/null 2>&1 &
holder=$!
sleep 1
run env VIGIL_BUSY_TIMEOUT_MS=200 "$VIGIL" suite run "$SUITE"
expect_rc 3 "a store whose lock stays held"
expect_err "lock timeout (after 3 tries)" "retried a bounded number of times"
expect_err "another vigil process held the store longer than the busy timeout" "says why"
wait "$holder"
run "$VIGIL" audit verify
expect_rc 0 "the timed-out run left nothing half written"

# A monitor on a PostgreSQL store: its lock is a local file named by the URL's hash (there is
# no store file to sit beside), the night is stored, its record reads back; the URL's password
# is neither in the lock's name nor in any message.
MDB=$(pg_newdb mon) || exit 1
MPW=$(printf '%s' "$MDB" | sed 's|^postgresql://|postgresql://vigil:Sup3rSecretPw@|')
run env XDG_RUNTIME_DIR="$T" "$VIGIL" monitor run "$ROOT/monitors/flchain-stable.json" --db "$MPW" --verbose
[ "$rc" = 0 ] || [ "$rc" = 1 ] || { echo "FAIL: monitor run on PostgreSQL exit $rc: $(head -c 600 "$T/err")"; fails=$((fails + 1)); }
expect_err "vigil monitor: lock $T/vigil-pg-" "the lock is a local file named by the URL's hash"
grep -q "Sup3rSecretPw" "$T/err" "$T/out" && { echo "FAIL: the password was shown by monitor run"; fails=$((fails + 1)); }
run "$VIGIL" monitor history flchain-stable --db "$MDB"
expect_rc 0 "monitor history on PostgreSQL"
expect_out "flchain-stable" "the night is listed"
finish
