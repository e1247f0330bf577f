#!/bin/sh
# make demo: validate the bundled flchain v2 candidate against v1, run the nightly drift
# monitors once, build the PCCP evidence report, and verify the audit chain — all into a
# fresh database under build/demo/. Exit status 0 when every step ran (a failed criterion or
# a drift alarm is a finding, not a demo failure); non-zero when a step could not run.
set -u
VIGIL=${1:-build/vigil}
OUT=${DEMO_DIR:-build/demo}
DB="$OUT/vigil.db"
rm -rf "$OUT"; mkdir -p "$OUT"
export VIGIL_DB="$DB"

step() { printf '\n== %s\n$ %s\n' "$1" "$2"; }
# Exit 0 (pass / no drift) and 1 (criterion failed / drift alarm) are results; 2 and 3 are not.
ran() {
    rc=$1; what=$2
    if [ "$rc" -gt 1 ]; then echo "demo: $what could not run (exit $rc)" >&2; exit "$rc"; fi
}

step "Validation suite: flchain 5-year mortality, candidate v2 against v1 in service" \
     "vigil suite run suites/flchain-v2-vs-v1.json"
"$VIGIL" suite run suites/flchain-v2-vs-v1.json; rc=$?; ran $rc "the suite"
suite_rc=$rc
suite_run=$("$VIGIL" history --kind suite --format json | sed -n 's/.*"id":[[:space:]]*\([0-9][0-9]*\).*/\1/p' | sort -n | tail -n 1)

for m in monitors/flchain-stable.json monitors/flchain-temporal.json; do
    step "Drift monitor $(basename "$m" .json)" "vigil monitor run $m --verbose"
    "$VIGIL" monitor run "$m" --verbose; rc=$?; ran $rc "monitor $m"
done

step "PCCP evidence report from the stored suite run" "vigil report --run $suite_run --out $OUT/report"
"$VIGIL" report --run "$suite_run" --out "$OUT/report"; rc=$?; ran $rc "the report"

step "Run history" "vigil history"
"$VIGIL" history; rc=$?; ran $rc "history"

step "Audit chain" "vigil audit verify"
"$VIGIL" audit verify; rc=$?; [ $rc -eq 0 ] || { echo "demo: audit verification failed" >&2; exit 3; }

verdict=PASSED; [ "$suite_rc" -eq 1 ] && verdict="FAILED (see the criteria table above)"
cat <<MSG

demo: done. Suite verdict: $verdict
  database:  $DB            (vigil history --db $DB)
  report:    $OUT/report/report.html  (and report.md, evidence.json, model-card.xml)
MSG
