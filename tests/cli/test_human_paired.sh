#!/bin/sh
# The team against the model on the same cases (issue 21): `vigil metrics --decision`'s
# human.team_vs_model block (overall and per level) and the suites' team_vs_model_sensitivity /
# team_vs_model_specificity criteria (non_inferior with a margin, superior, every_level), the
# stored verdicts and the report's criteria table.
# Peer: contingencytables 3.0.0 Newcombe_square_and_add_CI_paired_2x2 in R 4.2.2 (biostatUZH
# 2.0.2 confIntPairedProportion agrees where defined): tests/reference/human_paired_ref.R ->
# tests/reference/human_paired/goldens.json, compared within 1e-9 (15 significant digits).
. "$(dirname "$0")/lib.sh"
HP="$ROOT/tests/reference/human_paired"
G="$HP/goldens.json"

# the overall tables of every case: the counts exactly, the difference and interval to 1e-9
CHECK="
def same(x, r):
    return (x['n'] == r['n'] and x['discordant_team_only'] == r['team_only'] and
            x['discordant_model_only'] == r['model_only'] and
            all(abs(x[k] - r[k]) < 1e-9 for k in ('difference', 'ci_low', 'ci_high')))
"
for c in tiny agree one_way equal large; do
    run "$VIGIL" metrics --data "$HP/$c.csv" --score score --label label --decision decision --threshold 0.3 \
        --min-cell 1 --bootstrap 0 --no-store --format json
    expect_rc 0 "metrics --decision on $c"
    expect_json "(lambda g: (exec('''$CHECK''', globals()) or True) and all(same(d['human']['team_vs_model'][k], g['cases']['$c']['overall'][k]) for k in ('sensitivity', 'specificity')))(json.load(open('$G')))" "$c: team - model = contingencytables"
done
# one_way: every discordant positive is the team's; agree: none
run "$VIGIL" metrics --data "$HP/one_way.csv" --score score --label label --decision decision --threshold 0.3 \
    --min-cell 1 --bootstrap 0 --no-store --format json
expect_json "d['human']['team_vs_model']['sensitivity']['discordant_model_only'] == 0 and d['human']['team_vs_model']['sensitivity']['difference'] > 0" "one_way: discordant one way"

# per level with every level shown (min-cell 1), and under the cell-size policy (11): C's block
# is withheld and with it B's (complementary withholding); A's specificity table too (B + C's
# negatives found by the model alone are 6), A's sensitivity table is shown
run "$VIGIL" metrics --data "$HP/groups.csv" --score score --label label --decision decision --threshold 0.3 \
    --group group --min-cell 1 --bootstrap 0 --no-store --format json
expect_rc 0 "groups, min-cell 1"
expect_json "(lambda g: (exec('''$CHECK''', globals()) or True) and all(same(d['human']['subgroups']['group']['levels'][l]['team_vs_model_' + k], g['cases']['groups']['levels'][l][k]) for l in 'ABC' for k in ('sensitivity', 'specificity')) and same(d['human']['team_vs_model']['sensitivity'], g['cases']['groups']['overall']['sensitivity']))(json.load(open('$G')))" "every level = contingencytables"
run "$VIGIL" metrics --data "$HP/groups.csv" --score score --label label --decision decision --threshold 0.3 \
    --group group --bootstrap 0 --no-store --format json
expect_json "(lambda L: L['A']['team_vs_model_sensitivity']['difference'] is not None and L['A']['team_vs_model_specificity']['difference'] is None and L['A']['team_vs_model_specificity']['discordant_model_only'] is None and 'decision correct x flag correct' in L['A']['team_vs_model_specificity']['reason'] and all(L[l]['team_vs_model_' + k]['difference'] is None and L[l]['team_vs_model_' + k]['n'] is None for l in 'BC' for k in ('sensitivity', 'specificity')))(d['human']['subgroups']['group']['levels'])" "cell-size policy on the paired tables"
expect_json "d['human']['team_vs_model']['sensitivity']['difference'] is not None and d['human']['team_vs_model']['specificity']['difference'] is not None" "overall tables shown"
cp "$T/out" "$T/cells.json"
/usr/bin/python3 "$ROOT/tests/cli/small_cells_human.py" "$T/cells.json" >"$T/leak.txt" ||
    { echo "FAIL: the paired tables give a small count away: $(cat "$T/leak.txt")"; fails=$((fails + 1)); }
run "$VIGIL" metrics --data "$HP/groups.csv" --score score --label label --decision decision --threshold 0.3 \
    --bootstrap 0 --no-store
expect_out "team - model sensitivity" "the text table has the paired difference"

# suites: "team sensitivity non-inferior to the model's" (margin 0.05 passes, 0.02 fails), every
# level (C: 10 positives, lower bound -0.278, fails at margin 0.08), specificity superior
cat > "$T/tvm.json" <<JSON
{ "name": "team vs model", "data": { "path": "$HP/groups.csv",
    "columns": { "label": "label", "score": "score", "decision": "decision", "groups": ["group"] } },
  "thresholds": [0.3], "bootstrap": 0, "min_cell": 1, "criteria": [
    { "name": "team sensitivity non-inferior to the model's", "metric": "team_vs_model_sensitivity", "rule": "non_inferior", "margin": 0.05 },
    { "name": "tight margin", "metric": "team_vs_model_sensitivity", "rule": "non_inferior", "margin": 0.02 },
    { "name": "every group", "metric": "team_vs_model_sensitivity", "scope": { "group": "group", "every_level": true }, "rule": "non_inferior", "margin": 0.08 },
    { "name": "team specificity superior", "metric": "team_vs_model_specificity", "rule": "superior" } ] }
JSON
run "$VIGIL" suite run "$T/tvm.json" --format json
expect_rc 1 "a team-vs-model criterion fails"
expect_json "[c['pass'] for c in d['criteria']] == [True, False, False, True]" "verdicts"
expect_json "(lambda o: all(abs(d['criteria'][i][a] - o[k][b]) < 1e-9 for i, k in ((0, 'sensitivity'), (1, 'sensitivity'), (3, 'specificity')) for a, b in (('observed', 'difference'), ('ci_low', 'ci_low'), ('ci_high', 'ci_high'))))(json.load(open('$G'))['cases']['groups']['overall'])" "observed and CI = contingencytables"
expect_json "d['criteria'][0]['threshold'] == 'team - model CI low > -0.05' and d['criteria'][0]['method'] == 'Newcombe paired (method 10)' and d['criteria'][3]['threshold'] == 'team - model CI low > 0'" "rule and method shown"
expect_json "(lambda c: c['detail'] == 'fails at group=C' and abs(c['ci_low'] - json.load(open('$G'))['cases']['groups']['levels']['C']['sensitivity']['ci_low']) < 1e-9)(d['criteria'][2])" "every level: fails at C with its interval"
expect_json "'predecessor' not in d['models'] and not d['comparison']" "no predecessor needed or compared"
run_id=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")

# the stored run's verdicts and the report's criteria table
run "$VIGIL" report --run "$run_id" --out "$T/rep" --no-plots
expect_rc 1 "report of the team-vs-model run (a criterion failed)"
grep -q "team - model CI low &gt; -0.05" "$T/rep/report.html" && grep -q "fails at group=C" "$T/rep/report.html" &&
    grep -q "Team minus model sensitivity (paired, Newcombe CI)" "$T/rep/report.md" ||
    { echo "FAIL: the report's criteria table lacks the team-vs-model rows"; fails=$((fails + 1)); }

# the example suite of suites/README.md passes, and its report's human-AI team table has the
# paired rows (the stored block's numbers)
run "$VIGIL" suite run "$HP/team_vs_model.json" --format json
expect_rc 0 "the example suite passes"
ex_id=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$VIGIL" report --run "$ex_id" --out "$T/rep_ex" --no-plots
expect_rc 0 "report of the example"
grep -q "| Team - model sensitivity | -0.025 | -0.047 to -0.004 | same positives, Newcombe paired CI |" "$T/rep_ex/report.md" &&
    grep -q "| Team - model specificity | 0.088 | 0.074 to 0.102 |" "$T/rep_ex/report.md" ||
    { echo "FAIL: the report's human-AI team table lacks team - model"; fails=$((fails + 1)); }

# a passing suite exits 0
sed 's/"margin": 0.02/"margin": 0.05/; s/"margin": 0.08/"margin": 0.3/' "$T/tvm.json" > "$T/tvm_pass.json"
run "$VIGIL" suite run "$T/tvm_pass.json" --format json
expect_rc 0 "every team-vs-model criterion passes"

# under the cell-size policy the every-level rule cannot be evaluated at B and C: it fails, naming why
sed 's/"min_cell": 1, //' "$T/tvm.json" > "$T/tvm_cells.json"
run "$VIGIL" suite run "$T/tvm_cells.json" --format json
expect_rc 1 "withheld levels"
expect_json "d['criteria'][2]['pass'] is False and 'group=B: team_vs_model_sensitivity could not be computed: withheld (cell-size policy' in d['criteria'][2]['detail'] and d['criteria'][0]['pass'] is True" "withheld levels named"

# team_sensitivity with non_inferior is still refused, and says which metric holds the team to the model
sed 's/"metric": "team_vs_model_sensitivity", "rule": "non_inferior", "margin": 0.05/"metric": "team_sensitivity", "rule": "non_inferior", "margin": 0.05/' "$T/tvm.json" > "$T/tvm_ts.json"
run "$VIGIL" suite run "$T/tvm_ts.json"
expect_rc 2 "team_sensitivity non_inferior refused"
expect_err "metric 'team_vs_model_sensitivity'" "points to the paired metric"
finish
