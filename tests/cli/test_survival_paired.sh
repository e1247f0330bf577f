#!/bin/sh
# Suites comparing two models' time-to-event metrics (issue 16): non_inferior / superior on
# survival_auroc and survival_brier by the influence-function contrast, checked against
# riskRegression 2022.11.28 Score(list(v1 = predecessor, v2 = candidate), ..., contrasts = TRUE)
# (tests/reference/survival_paired_ref.R -> tests/reference/survival_paired/goldens.json);
# overall and every level, one that passes (exit 0) and ones that fail (exit 1), a level without
# events, the stored comparison and the report's table; Harrell's C paired by the infinitesimal
# jackknife against survival 3.5-3 concordance(fit1, fit2)$var (c_harrell.json); the refused
# rules on km_risk and oe_ratio (exit 2).
. "$(dirname "$0")/lib.sh"
REF="$ROOT/tests/reference/survival_paired"
G="$REF/goldens.json"
cp "$REF/moderate.csv" "$REF/noevents.csv" "$T/"
# Both models are the risk columns themselves (multiples of 1/1024, so the float feature is exact).
for v in v1 v2; do
    cat >"$T/$v.json" <<JSON
{ "format": "vigil-linear", "version": 1, "name": "risk-$v", "features": ["risk_$v"],
  "coefficients": [1], "intercept": 0, "link": "identity" }
JSON
done
cat >"$T/pass.json" <<'JSON'
{ "name": "5-year risk v2 against v1",
  "model": { "candidate": "v2.json", "predecessor": "v1.json" },
  "data": { "path": "moderate.csv", "horizon": 5,
    "columns": { "label": "label", "followup_time": "time", "event": "event", "groups": ["group"] } },
  "bootstrap": 0, "criteria": [
    { "name": "AUROC(t) non-inferior", "metric": "survival_auroc", "rule": "non_inferior", "margin": 0.02 },
    { "name": "Brier(t) superior", "metric": "survival_brier", "rule": "superior" },
    { "name": "Brier(t) non-inferior in every group", "metric": "survival_brier", "rule": "non_inferior",
      "margin": 0.02, "scope": { "group": "group", "every_level": true } } ] }
JSON
run "$VIGIL" suite run "$T/pass.json" --format json
expect_rc 0 "survival non-inferiority and superiority pass"
cp "$T/out" "$T/pass_out.json"
# the criteria's differences and intervals are Score's contrasts (v2 against v1)
expect_json "(lambda g: (lambda m, c: all(abs(a - b) < 1e-9 for a, b in [
    (c[0]['observed'], m['auc']['delta']), (c[0]['ci_low'], m['auc']['lower']), (c[0]['ci_high'], m['auc']['upper']),
    (c[1]['observed'], m['brier']['delta']), (c[1]['ci_low'], m['brier']['lower']), (c[1]['ci_high'], m['brier']['upper']),
    (c[2]['observed'], m['levels']['a']['brier']['delta']), (c[2]['ci_high'], m['levels']['a']['brier']['upper'])])
    and [x['pass'] for x in c] == [True, True, True])(g['cases']['moderate'], d['criteria']))(json.load(open('$G')))" \
    "differences and CIs = riskRegression::Score contrasts (overall, weakest level a)"
expect_json "all(x['method'].startswith('influence-function contrast') for x in d['criteria'])" "method named"
expect_json "d['criteria'][0]['threshold'] == 'difference CI low > -0.02' and d['criteria'][1]['threshold'] == 'difference CI high < 0'" "margin semantics as the binary rules"
expect_json "d['criteria'][2]['detail'] == 'weakest level group=a'" "every level: the weakest shown"
# the stored comparison: each model's value (Score's AUC/Brier), the difference, CI, se and p
expect_json "(lambda m, x, y: abs(x['candidate'] - m['auc_v2']) < 1e-9 and abs(x['predecessor'] - m['auc_v1']) < 1e-9
    and abs(x['difference'] - m['auc']['delta']) < 1e-9 and abs(x['se'] - m['auc']['se']) < 1e-9
    and abs(x['p'] - m['auc']['p']) < 1e-8 and abs(y['candidate'] - m['brier_v2']) < 1e-9
    and abs(y['ci_high'] - m['brier']['upper']) < 1e-9 and abs(y['p'] - m['brier']['p']) < 1e-8)(json.load(open('$G'))['cases']['moderate'], d['comparison']['survival_auroc'], d['comparison']['survival_brier'])" \
    "comparison entries = Score's scores and contrasts"
RUN=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/pass_out.json'))['run_id'])")
run "$VIGIL" report --run "$RUN" --out "$T/rep" --no-plots
expect_rc 0 "the report of a survival paired suite"
if ! grep -q "influence-function contrast" "$T/rep/report.html" 2>/dev/null || ! grep -q "influence functions on the same subjects" "$T/rep/report.html" ||
   ! grep -q "Time-dependent AUROC at H" "$T/rep/report.html"; then
    echo "FAIL: the report's comparison table lacks the survival rows"; fails=$((fails + 1))
fi
# The same suite with the every-level Brier margin just under level a's upper bound (0.01945): it fails there.
sed 's/"margin": 0.02, "scope"/"margin": 0.019, "scope"/' "$T/pass.json" >"$T/tight.json"
run "$VIGIL" suite run "$T/tight.json" --format json
expect_rc 1 "every-level margin 0.019 fails"
expect_json "[x['pass'] for x in d['criteria']] == [True, True, False] and d['criteria'][2]['detail'] == 'fails at group=a'" "fails at level a only"
# Swapped: v1 as the candidate is worse; its AUROC(t) is not non-inferior (Score: v1 - v2 = -delta).
sed 's/"candidate": "v2.json", "predecessor": "v1.json"/"candidate": "v1.json", "predecessor": "v2.json"/' "$T/pass.json" >"$T/swap.json"
run "$VIGIL" suite run "$T/swap.json" --format json
expect_rc 1 "the worse model as candidate fails"
expect_json "(lambda m: d['criteria'][0]['pass'] is False and abs(d['criteria'][0]['observed'] + m['auc']['delta']) < 1e-9 and abs(d['criteria'][0]['ci_low'] + m['auc']['upper']) < 1e-9 and d['criteria'][1]['pass'] is False)(json.load(open('$G'))['cases']['moderate'])" "swapped: the negated contrast, failing"
# A level without events by H: its AUROC(t) difference is undefined (the criterion fails as not
# evaluable, naming the level and why); its Brier difference is Score's.
cat >"$T/noev.json" <<'JSON'
{ "name": "level without events",
  "model": { "candidate": "v2.json", "predecessor": "v1.json" },
  "data": { "path": "noevents.csv", "horizon": 5,
    "columns": { "label": "label", "followup_time": "time", "event": "event", "groups": ["group"] } },
  "bootstrap": 0, "criteria": [
    { "name": "AUROC(t) every group", "metric": "survival_auroc", "rule": "non_inferior", "margin": 0.05,
      "scope": { "group": "group", "every_level": true } },
    { "name": "Brier(t) every group", "metric": "survival_brier", "rule": "non_inferior", "margin": 0.05,
      "scope": { "group": "group", "every_level": true } } ] }
JSON
run "$VIGIL" suite run "$T/noev.json" --format json
expect_rc 1 "a level without events fails the AUROC(t) rule"
expect_json "(lambda m: [x['pass'] for x in d['criteria']] == [False, True] and d['criteria'][0]['detail'] == 'fails at group=c: survival_auroc could not be computed: no event by the horizon: no case to rank' and abs(d['criteria'][1]['observed'] - m['levels']['c']['brier']['delta']) < 1e-9)(json.load(open('$G'))['cases']['noevents'])" \
    "level c: AUROC(t) difference undefined, Brier(t) difference = Score's"
# The overall AUROC(t) with no event by H: undefined with the reason, the run still stored.
sed 's/"horizon": 5/"horizon": 0.2/; s/"every_level": true/"every_level": false/' "$T/noev.json" |
    /usr/bin/python3 -c "import json,sys; s=json.load(sys.stdin); [c.pop('scope') for c in s['criteria']]; print(json.dumps(s))" >"$T/early.json"
run "$VIGIL" suite run "$T/early.json" --format json
expect_rc 1 "no event by the horizon: the AUROC(t) rule fails"
expect_json "'no event by the horizon' in d['criteria'][0]['detail'] and d['comparison']['survival_auroc']['reason'].startswith('no event') and d['comparison']['survival_auroc']['difference'] is None" "the reason, in the verdict and the comparison"
# The cell-size policy: where the candidate's time-to-event block is withheld, so is the
# difference (moderate.csv: 77 censored by H overall, 38 and 39 per level).
/usr/bin/python3 -c "import json; s = json.load(open('$T/pass.json')); s['min_cell'] = 60; json.dump(s, open('$T/mc60.json', 'w'))"
run "$VIGIL" suite run "$T/mc60.json" --format json
expect_rc 1 "levels withheld at min_cell 60: the every-level rule is not evaluable"
expect_json "[x['pass'] for x in d['criteria']] == [True, True, False] and d['criteria'][2]['observed'] is None and d['criteria'][2]['detail'].startswith('fails at 2 of 2 levels: group=a: survival_brier could not be computed: withheld (cell-size policy), group=b')" "no level difference given, and why"
/usr/bin/python3 -c "import json; s = json.load(open('$T/pass.json')); s['min_cell'] = 80; s['criteria'] = s['criteria'][:2]; json.dump(s, open('$T/mc80.json', 'w'))"
run "$VIGIL" suite run "$T/mc80.json" --format json
expect_rc 1 "overall block withheld at min_cell 80"
expect_json "all(x['observed'] is None and not x['pass'] and 'withheld (cell-size policy)' in x['detail'] for x in d['criteria']) and d['comparison']['survival_brier']['difference'] is None and d['comparison']['survival_brier']['se'] is None and 'withheld' in d['comparison']['survival_brier']['reason']" "overall: no difference, se or p; the reason"
# Harrell's C of two models on the same subjects: the difference, its infinitesimal-jackknife se
# (survival 3.5-3 concordance(fit1, fit2)$var: sqrt(v11 + v22 - 2 v12)), CI and p
# (tests/reference/survival_paired_c_ref.R -> tests/reference/survival_paired/c_harrell.json).
GC="$REF/c_harrell.json"
cp "$REF/fewevents.csv" "$T/"
sed 's/"metric": "survival_brier", "rule": "superior"/"metric": "c_harrell", "rule": "superior"/;
     s/"metric": "survival_brier", "rule": "non_inferior"/"metric": "c_harrell", "rule": "non_inferior"/' "$T/pass.json" >"$T/c.json"
run "$VIGIL" suite run "$T/c.json" --format json
expect_rc 0 "c_harrell superior and non-inferior in every level pass"
expect_json "(lambda m: (lambda c, x: all(abs(a - b) < 1e-9 for a, b in [
    (c[1]['observed'], m['delta']), (c[1]['ci_low'], m['lower']), (c[1]['ci_high'], m['upper']),
    (c[2]['observed'], m['levels']['a']['delta']), (c[2]['ci_low'], m['levels']['a']['lower']),
    (x['difference'], m['delta']), (x['se'], m['se']), (x['p'], m['p']),
    (x['candidate'], m['c_v2']), (x['predecessor'], m['c_v1'])])
    and c[2]['detail'] == 'weakest level group=a' and c[1]['method'].startswith('infinitesimal-jackknife contrast (survival::concordance')
    )(d['criteria'], d['comparison']['c_harrell']))(json.load(open('$GC'))['cases']['moderate'])" \
    "C difference, se, CI, p = survival 3.5-3 concordance var (overall, weakest level a)"
RUN=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$VIGIL" report --run "$RUN" --out "$T/repc" --no-plots
expect_rc 0 "the report of a paired C suite"
if ! grep -q "is compared by the infinitesimal jackknife, as survival::concordance" "$T/repc/report.html" 2>/dev/null; then
    echo "FAIL: the report does not say how C was compared"; fails=$((fails + 1))
fi
# swapped: the negated contrast fails superiority
sed 's/"candidate": "v2.json", "predecessor": "v1.json"/"candidate": "v1.json", "predecessor": "v2.json"/' "$T/c.json" >"$T/cswap.json"
run "$VIGIL" suite run "$T/cswap.json" --format json
expect_rc 1 "the worse model's C is not superior"
expect_json "(lambda m: d['criteria'][1]['pass'] is False and abs(d['criteria'][1]['observed'] + m['delta']) < 1e-9 and abs(d['criteria'][1]['ci_high'] + m['lower']) < 1e-9)(json.load(open('$GC'))['cases']['moderate'])" "swapped C: negated"
# few events (level b: 3 of 35) and none (level z: C undefined, the reason named); min_cell 1 so
# that the small levels are shown at all
cat >"$T/cfew.json" <<'JSON'
{ "name": "C with few events", "min_cell": 1,
  "model": { "candidate": "v2.json", "predecessor": "v1.json" },
  "data": { "path": "fewevents.csv", "horizon": 5,
    "columns": { "label": "label", "followup_time": "time", "event": "event", "groups": ["group"] } },
  "bootstrap": 0, "criteria": [
    { "name": "C non-inferior overall", "metric": "c_harrell", "rule": "non_inferior", "margin": 0.15 },
    { "name": "C non-inferior every group", "metric": "c_harrell", "rule": "non_inferior", "margin": 0.5,
      "scope": { "group": "group", "every_level": true } } ] }
JSON
run "$VIGIL" suite run "$T/cfew.json" --format json
expect_rc 1 "level z without events: the every-level C rule is not evaluable"
expect_json "(lambda m: abs(d['criteria'][0]['observed'] - m['delta']) < 1e-9 and abs(d['criteria'][0]['ci_low'] - m['lower']) < 1e-9
    and d['criteria'][0]['pass'] is True and d['criteria'][1]['pass'] is False
    and d['criteria'][1]['detail'] == 'fails at group=z: c_harrell could not be computed: no event: no pair to order'
    and abs(d['comparison']['c_harrell']['se'] - m['se']) < 1e-9)(json.load(open('$GC'))['cases']['fewevents'])" \
    "few events: survival's contrast; no events: undefined with the reason"
sed 's/"margin": 0.5,/"margin": 0.17,/' "$T/cfew.json" | /usr/bin/python3 -c "
import json, sys; s = json.load(sys.stdin); s['data']['path'] = 'fewevents_ab.csv'; print(json.dumps(s))" >"$T/cfew2.json"
grep -v ',z,' "$T/fewevents.csv" >"$T/fewevents_ab.csv"
run "$VIGIL" suite run "$T/cfew2.json" --format json
expect_rc 1 "level b (3 events): C margin 0.17 fails (its CI low is -0.369)"
expect_json "(lambda m: d['criteria'][1]['pass'] is False and d['criteria'][1]['detail'] == 'fails at group=b' and abs(d['criteria'][1]['observed'] - m['delta']) < 1e-9 and abs(d['criteria'][1]['ci_low'] - m['lower']) < 1e-9)(json.load(open('$GC'))['cases']['fewevents']['levels']['b'])" \
    "level b: survival's contrast, failing there"
# Each model's own C carries the same infinitesimal-jackknife interval (survival 3.5-3's
# sqrt($var)): vigil metrics' survival.c_harrell_ci, overall and per level; a suite's CI rule
run "$VIGIL" metrics --data "$T/moderate.csv" --score risk_v2 --time time --event event --horizon 5 --group group --format json --no-store
expect_rc 0 "metrics with Harrell's C interval"
expect_json "(lambda m: all(abs(x['c_harrell_ci']['se'] - r['se_v2']) < 1e-10 and abs(x['c_harrell'] - r['c_v2']) < 1e-10
    and abs(x['c_harrell_ci']['ci_low'] - (r['c_v2'] - 1.959963984540054 * r['se_v2'])) < 1e-9 for x, r in [
    (d['survival'], m), (d['subgroups']['group']['levels']['a']['survival'], m['levels']['a']),
    (d['subgroups']['group']['levels']['b']['survival'], m['levels']['b'])]))(json.load(open('$GC'))['cases']['moderate'])" \
    "survival.c_harrell_ci = survival 3.5-3 concordance's se (overall, levels a and b)"
/usr/bin/python3 -c "import json; s = json.load(open('$T/pass.json')); s['criteria'] = [{'name': 'C low', 'metric': 'c_harrell', 'rule': 'ci_low_at_least', 'value': 0.64}]; json.dump(s, open('$T/cci.json', 'w'))"
run "$VIGIL" suite run "$T/cci.json" --format json
expect_rc 0 "ci_low_at_least on c_harrell"
expect_json "(lambda m: abs(d['criteria'][0]['ci_low'] - (m['c_v2'] - 1.959963984540054 * m['se_v2'])) < 1e-9 and d['criteria'][0]['method'] == 'infinitesimal jackknife')(json.load(open('$GC'))['cases']['moderate'])" "the criterion's interval is survival's"
# Refused before any computation (exit 2), with the reason.
for m in km_risk oe_ratio; do
    sed "s/\"metric\": \"survival_brier\", \"rule\": \"superior\"/\"metric\": \"$m\", \"rule\": \"superior\"/" "$T/pass.json" >"$T/ref_$m.json"
    run "$VIGIL" suite run "$T/ref_$m.json"
    expect_rc 2 "superior on $m is refused"
    expect_err "rule 'superior' on '$m'" "$m: names the rule and metric"
    case $m in
    km_risk) expect_err "observed, not predicted" "km_risk: says why" ;;
    oe_ratio) expect_err "two-sided (1 is best)" "oe_ratio: says why" ;;
    esac
done
finish
