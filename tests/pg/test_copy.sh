#!/bin/sh
# vigil store copy (run by tests/pg/run.sh): an SQLite store with suite, metrics and monitor
# runs, a cached reference statistic and a signature is copied into PostgreSQL and back; every
# run, digest, signature, cache entry and audit entry is kept, the copy verifies with the same
# tree head, a checkpoint of the original verifies against each copy, the next run id follows
# the copied ones; a non-empty target with another history is refused (exit 2), the same
# history is a no-op, and a source that does not verify is not copied (exit 1).
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/server.sh"
PY=/usr/bin/python3
SUITE="$ROOT/suites/flchain-v2-vs-v1.json"
CASE="$ROOT/tests/reference/metrics/case_a.csv"
A="$T/a.db"
export VIGIL_DB="$A"
B=$(pg_newdb copy) || exit 1

run "$VIGIL" suite run "$SUITE"
[ "$rc" -le 1 ] || { echo "FAIL: suite on SQLite exit $rc: $(head -c 300 "$T/err")"; fails=$((fails + 1)); }
run "$VIGIL" metrics --data "$CASE" --score score --label label --group sex --bootstrap 50 --seed 3
expect_rc 0 "metrics on SQLite"
run "$VIGIL" monitor run "$ROOT/monitors/flchain-temporal.json"
[ "$rc" -le 1 ] || { echo "FAIL: monitor on SQLite exit $rc: $(head -c 300 "$T/err")"; fails=$((fails + 1)); }
mkdir "$T/k"
run "$VIGIL" audit keygen --out "$T/k/key.pem"
expect_rc 0 "keygen"
run "$VIGIL" audit sign --run 1 --meaning approved --key "$T/k/key.pem" --signer "Dr Test"
expect_rc 0 "sign run 1"
run "$VIGIL" audit checkpoint --key "$T/k/key.pem" --out "$T/cp.json"
expect_rc 0 "checkpoint of the original"
run "$VIGIL" history --format json
cp "$T/out" "$T/hist_a.json"

# SQLite -> PostgreSQL
run "$VIGIL" store copy --from "$A" --to "$B" --format json
expect_rc 0 "copy SQLite -> PostgreSQL"
expect_json "d['copied'] and d['verified'] and d['runs'] == 3 and d['signatures'] == 1 and d['cache'] >= 1" "every run, signature and cache entry copied"
run "$VIGIL" history --db "$B" --format json
cp "$T/out" "$T/hist_b.json"
$PY -c "import json; a, b = (json.load(open(f))['runs'] for f in ('$T/hist_a.json', '$T/hist_b.json')); assert a == b, (a, b)" ||
    { echo "FAIL: history of the PostgreSQL copy differs from the original"; fails=$((fails + 1)); }
run "$VIGIL" audit verify --db "$B" --checkpoint "$T/cp.json" --pubkey "$T/k/key.pem.pub"
expect_rc 0 "the original's checkpoint verifies against the PostgreSQL copy"
run "$VIGIL" report --run 1 --db "$B" --out "$T/report"
expect_rc 0 "report from the copy"
expect_out "audit chain: verified" "the report finds the copy's chain verified"
[ -s "$T/report/report.html" ] || { echo "FAIL: no report.html from the copy"; fails=$((fails + 1)); }
# the same history again: nothing to do
run "$VIGIL" store copy --from "$A" --to "$B"
expect_rc 0 "copy into a store holding the same history"
expect_out "already holds this history" "says nothing was copied"

# PostgreSQL -> SQLite
C="$T/c.db"
run "$VIGIL" store copy --from "$B" --to "$C"
expect_rc 0 "copy PostgreSQL -> SQLite"
expect_out "audit chain verified on the copy: 8 entries, 3 runs" "the SQLite copy verifies"
run "$VIGIL" history --db "$C" --format json
$PY -c "import json; a, b = (json.load(open(f))['runs'] for f in ('$T/hist_a.json', '$T/out')); assert a == b, (a, b)" ||
    { echo "FAIL: history of the copy back differs from the original"; fails=$((fails + 1)); }
run "$VIGIL" audit verify --db "$C" --checkpoint "$T/cp.json" --pubkey "$T/k/key.pem.pub"
expect_rc 0 "the original's checkpoint verifies against the copy back"

# the next run on the PostgreSQL copy follows the copied ids; now it holds another history
run "$VIGIL" metrics --data "$CASE" --score score --label label --bootstrap 0 --db "$B" --format json
expect_rc 0 "a new run on the PostgreSQL copy"
expect_json "d['run_id'] == 4" "the next id follows the copied runs"
run "$VIGIL" store copy --from "$A" --to "$B"
expect_rc 2 "copy into a store holding another history"
expect_err "is not empty (4 runs" "says why"
run "$VIGIL" audit verify --db "$B"
expect_rc 0 "the refused copy wrote nothing"

# a store that does not verify is not copied
cp "$A" "$T/bad.db"
$PY -c "import sqlite3; c = sqlite3.connect('$T/bad.db'); c.execute(\"UPDATE metrics SET value = value + 0.01 WHERE run_id = 2 AND name = 'auroc'\"); c.commit()"
D=$(pg_newdb copy_bad) || exit 1
run "$VIGIL" store copy --from "$T/bad.db" --to "$D"
expect_rc 1 "a tampered source"
expect_err "does not verify, nothing copied" "says so"
run "$VIGIL" store copy --from "$T/nope.db" --to "$D"
expect_rc 2 "a source that does not exist"
run "$VIGIL" store copy --to "$D"
expect_rc 2 "--from missing"
finish
