#!/bin/sh
# PHI guard end to end: a case file with an identifier column stops the run (exit 2) naming
# the file, the column and the kind, never the value; --allow-column lets one column through
# and its justification is stored with the run; suites and monitors use "phi_allow".
. "$(dirname "$0")/lib.sh"

printf 'score,label,contact,sex\n' > "$T/c.csv"
i=0
while [ $i -lt 40 ]; do
    printf '0.%02d,%d,patient%d@example.org,%s\n' $(( (i * 37) % 100 )) $(( i % 3 == 0 )) $i \
        "$([ $((i % 2)) = 0 ] && echo F || echo M)" >> "$T/c.csv"
    i=$((i + 1))
done
run "$VIGIL" metrics --data "$T/c.csv" --score score --label label --group contact --no-store
expect_rc 2 "an e-mail column stops the run"
expect_err "c.csv: column 'contact' looks like an e-mail address" "file, column and kind named"
expect_err "--allow-column" "the override is named"
if grep -q "example.org" "$T/err"; then echo "FAIL: the message quotes a value"; fails=$((fails + 1)); fi

run "$VIGIL" metrics --data "$T/c.csv" --score score --label label --group contact \
    --allow-column "contact=synthetic addresses generated for this test" --bootstrap 0 --format json
expect_rc 0 "allowed column passes"
sqlite3 "$VIGIL_DB" "SELECT config_json FROM runs" > "$T/cfg.txt"
grep -q "synthetic addresses generated for this test" "$T/cfg.txt" ||
    { echo "FAIL: the justification is not stored with the run"; fails=$((fails + 1)); }
run "$VIGIL" metrics --data "$T/c.csv" --score score --label label --group contact --allow-column contact
expect_rc 2 "an allowance needs a justification"
expect_err "COLUMN=JUSTIFICATION" "usage explains the form"

# Ages over 89 in the bundled cohort: the shipped monitors allow them with a justification;
# without it a monitor stops.
sed '/"phi_allow"/d; s|"../datasets|"'"$ROOT"'/datasets|' "$ROOT/monitors/flchain-stable.json" |
    sed 's/"categorical" },/"categorical" }/' > "$T/m.json"
run "$VIGIL" monitor run "$T/m.json"
expect_rc 2 "an age over 89 stops a monitor"
expect_err "column 'age' looks like an age over 89" "age named"
expect_err "m.json: \$.data" "config and JSON path named"
finish
