#!/bin/sh
# vigil monitor run with $.data.columns.decision (issue 21): the clinicians' override and
# agreement rates, reference night against current night, alarm like label drift; the numbers
# are statsmodels' (tests/reference/monitor_decisions_ref.py), the exit codes those of monitors.
. "$(dirname "$0")/lib.sh"
CASES="$ROOT/tests/reference/monitor_decisions.csv"
GOLD="$ROOT/tests/reference/monitor_decisions_ref.json"

monitor() { # NAME CUR_NIGHT [EXTRA_JSON]
    cat > "$T/$1.json" <<EOF
{ "name": "$1",
  "data": { "path": "$CASES",
            "columns": { "id": "case_id", "time": "night", "score": "score", "decision": "decision" } },
  "windows": { "reference": { "from": 1, "to": 1 }, "current": { "from": $2, "to": $2 } },
  "threshold": 0.3 ${3:+, $3} }
EOF
}

# Night 2: the clinicians override more of the model's flags: an alarm, in the table too.
monitor drifted 2 '"min_cell": 1'
run "$VIGIL" monitor run "$T/drifted.json"
expect_rc 1 "more overridden flags alarm"
expect_out "monitor drifted: ALARM (decisions.override_of_flags, decisions.agreement)" "the alarm names the rates"
expect_out "clinicians' decisions ('decision'; flag: score >= 0.3; holm-corrected p" "the table says the rule"
expect_out "override_of_flags      0.1683 -> 0.3429  p_adjusted   2.53e-06  h   0.406  DRIFT" "the override row"
expect_out "override_of_nonflags   0.0380 -> 0.0333" "the non-flag row"
run "$VIGIL" monitor run "$T/drifted.json" --format json
expect_rc 1 "json alarm"
G="(g := json.load(open('$GOLD'))['drifted']) and (x := d['decisions'])"
expect_json "$G and all(abs(x['rates'][r][k] - g['rates'][r][k]) < 1e-10 for r in g['rates'] for k in ('z', 'p'))" "z and p = statsmodels proportions_ztest"
expect_json "$G and all(abs(x['rates'][r]['p_adjusted'] - g['rates'][r]['p_holm']) < 1e-12 for r in g['rates'])" "Holm across the three rates = multipletests"
expect_json "$G and all(abs(x['rates'][r][w][k] - g['rates'][r][w][i]) < 1e-10 for r in g['rates'] for w in ('ref', 'cur', 'difference') for i, k in enumerate(('value', 'ci_low', 'ci_high')))" "Wilson and Newcombe intervals = statsmodels"
expect_json "$G and x['n_cur'] == 300 and x['unscored_cur'] == 3 and d['windows']['current']['n'] == 303" "unscored cases are counted, not dropped silently"
expect_json "$G and d['effect_floors']['decision'] == 0.1 and x['effect_name'] == 'cohens_h' and x['correction'] == 'holm'" "the rule is in the document"
expect_json "d['features'] == {} and d['alarms'] == ['decisions.override_of_flags', 'decisions.agreement']" "decisions alone: no feature tests"

# Night 3: the same process as night 1: quiet.
monitor stable 3 '"min_cell": 1'
run "$VIGIL" monitor run "$T/stable.json"
expect_rc 0 "no change in the decisions: quiet"
[ -s "$T/out" ] && { echo "FAIL: a quiet run printed: $(head -c 300 "$T/out")"; fails=$((fails + 1)); }

# The default cell-size policy (min_cell 11): night 2 has 3 acted-on non-flags, so its numbers
# are withheld, but the verdict stays and the alarm still fires.
monitor small 2
run "$VIGIL" monitor run "$T/small.json" --format json
expect_rc 1 "withheld numbers still alarm"
expect_json "d['decisions']['min_cell'] == 11 and 'both windows' in d['decisions']['withheld']" "says what is withheld"
expect_json "all(v['p'] is None and v['effect'] is None and v['cur']['value'] is None for v in d['decisions']['rates'].values())" "no number of a withheld window"
expect_json "d['decisions']['rates']['override_of_flags']['drift'] is True" "the verdict is kept"
run "$VIGIL" monitor run "$T/small.json"
expect_out "override_of_flags      withheld (cell-size policy): DRIFT" "the table says withheld"

# Stored: the run's metrics hold the rates (scope decisions) and history the alarm.
run "$VIGIL" history --kind monitor --format json
expect_json "[(r['name'], r['passed']) for r in d['runs']] == [('drifted', False), ('drifted', False), ('stable', True), ('small', False), ('small', False)]" "runs stored, passed = no alarm"

# The flag's threshold and the cell-size policy are refused without decisions.
cat > "$T/nodec.json" <<EOF
{ "name": "nodec", "data": { "path": "$CASES", "columns": { "time": "night", "score": "score" } },
  "windows": { "reference": { "from": 1, "to": 1 }, "current": { "from": 2, "to": 2 } },
  "prediction_drift": true, "threshold": 0.3 }
EOF
run "$VIGIL" monitor run "$T/nodec.json"
expect_rc 2 "threshold without decisions"
expect_err "$T/nodec.json: \$.threshold: only the clinicians' decisions use it: set \$.data.columns.decision" "names the key"
# The monitor's record plots the decision rates per night (issue 21).
run "$VIGIL" report --monitor drifted --out "$T/record"
[ "$rc" -le 1 ] || { echo "FAIL: the record of a decisions monitor exited $rc: $(head -c 300 "$T/err")"; fails=$((fails + 1)); }
/usr/bin/python3 -c "import json,sys; e=json.load(open('$T/record/evidence.json')); sys.exit(0 if 'decisions' in e['plots'] else 1)" ||
    { echo "FAIL: the record has no decisions plot entry"; fails=$((fails + 1)); }
if command -v gnuplot >/dev/null; then
    [ -s "$T/record/plot-decisions.svg" ] || { echo "FAIL: no decisions plot drawn"; fails=$((fails + 1)); }
fi
finish
