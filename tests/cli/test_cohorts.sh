#!/bin/sh
# The bundled cohorts with every subject (issue 16 s.2): datasets/{flchain,nafld1}/test_all.csv
# against datasets/derive.py's promises (test.csv's rows byte for byte plus the censored test
# share, death_5y empty exactly where the outcome at 5 years is unknown), vigil metrics --time
# futime --event death --horizon 1826 for v1 (shadow_score) and v2 (score), overall and per
# level, and the survival suites suites/{flchain,nafld1}-5y-survival.json, all against
# riskRegression 2022.11.28 Score(cens.model = "km") / survival 3.5-3 concordance(reverse =
# TRUE) and survfit (tests/reference/cohorts_ref.R -> reference/cohorts/goldens.json).
. "$(dirname "$0")/lib.sh"
G="__import__('json').load(open('$ROOT/tests/reference/cohorts/goldens.json'))['cohorts']"
close="lambda a, b: (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)"
same="lambda s, r: all(($close)(x, y) for x, y in [(s['auc']['value'], r['auc']['value']), (s['auc']['ci_low'], r['auc']['ci_low']), (s['auc']['ci_high'], r['auc']['ci_high']), (s['auc']['se'], r['auc']['se']), (s['brier']['value'], r['brier']['value']), (s['brier']['se'], r['brier']['se']), (s['brier']['ci_low'], r['brier']['ci_low']), (s['brier']['ci_high'], r['brier']['ci_high']), (s['c_harrell'], r['c_harrell']), (s['km_risk'], r['km_risk']), (s['km_risk_ci']['ci_low'], r['km_ci_low']), (s['km_risk_ci']['ci_high'], r['km_ci_high']), (s['mean_risk'], r['mean_risk']), (s['oe_ratio'], r['oe_ratio'])]) and s['events_by_horizon'] == r['events_by_horizon'] and s['censored_before_horizon'] == r['censored_before_horizon'] and s['n'] == r['n']"

# The files: test.csv's rows reappear byte for byte followed by ",futime,death"; the rest are
# censored alive at or before 1,826 days with death_5y empty; death_5y agrees with futime/death.
for c in flchain nafld1; do
    /usr/bin/python3 - "$ROOT/datasets/$c" <<'PY' >"$T/out" 2>&1
import csv, sys
d = sys.argv[1]
old = open(d + "/test.csv").read().split("\n")[1:-1]
new = open(d + "/test_all.csv").read().split("\n")
assert new[0] == open(d + "/test.csv").readline().rstrip("\n") + ",futime,death", new[0]
rows = new[1:-1]
byid = {r.split(",", 1)[0]: r for r in rows}
assert len(byid) == len(rows)
assert all(byid[r.split(",", 1)[0]].rsplit(",", 2)[0] == r for r in old)
extra = 0
for r in csv.DictReader(open(d + "/test_all.csv")):
    t, e, y = int(r["futime"]), int(r["death"]), r["death_5y"]
    assert e in (0, 1) and t >= 0
    want = "1" if e == 1 and t <= 1826 else "0" if t > 1826 else ""
    assert y == want, (r["case_id"], t, e, y)
    extra += y == ""
print(len(rows), len(old), extra)
PY
    echo "$c: $(cat "$T/out")" >"$T/err"
    case "$c:$(cat "$T/out")" in
        "flchain:3150 3072 78" | "nafld1:7021 4271 2750") ;;
        *) echo "FAIL: $c/test_all.csv: $(cat "$T/out")"; fails=$((fails + 1)) ;;
    esac
done

# vigil metrics on every subject = the peers, for both models, overall and per level.
for c in flchain nafld1; do
    for m in shadow_score score; do
        run "$VIGIL" metrics --data "$ROOT/datasets/$c/test_all.csv" --score $m --time futime --event death \
            --horizon 1826 --group sex --group age_band --allow-column age=public-research-cohort --no-store --format json
        expect_rc 0 "$c $m: metrics"
        expect_json "d['label'] is None and ($same)(d['survival'], $G['$c']['$m'])" "$c $m: survival block = Score / concordance / survfit"
        expect_json "all(($same)(l['survival'], $G['$c']['$m']['levels']['sex'][k]) for k, l in d['subgroups']['sex']['levels'].items()) and len(d['subgroups']['sex']['levels']) == 2" "$c $m: per sex = the peers"
    done
done
run "$VIGIL" metrics --data "$ROOT/datasets/nafld1/test_all.csv" --score score --time futime --event death \
    --horizon 1826 --group age_band --allow-column age=public-research-cohort --no-store --format json
expect_json "len(d['subgroups']['age_band']['levels']) == 5 and all(($same)(l['survival'], $G['nafld1']['score']['levels']['age_band'][k]) for k, l in d['subgroups']['age_band']['levels'].items())" "nafld1: per age band = the peers"
run "$VIGIL" metrics --data "$ROOT/datasets/flchain/test_all.csv" --score score --time futime --event death \
    --horizon 1826 --group age_band --allow-column age=public-research-cohort --no-store --format json
expect_json "all(l['survival'].get('withheld') for l in d['subgroups']['age_band']['levels'].values())" "flchain: age bands withheld (a band has 1 to 10 censored before 5 y)"
expect_json "any(1 <= r['censored_before_horizon'] <= 10 for r in $G['flchain']['score']['levels']['age_band'].values())" "flchain: the peers agree a band's count is under 11"

# The suites: run from the checkout as shipped; criteria = the peers' numbers; the predecessor's
# block = v1's; no 0/1 block, no prevalence. A suite re-scores with the models (float32 outputs)
# while the file, and so the peers, hold them printed with 9 digits (relative difference up to
# 5e-10 per score): the suite's numbers agree within 1e-8 (Brier, mean risk, O/E move most).
sameS=$(printf '%s' "$same" | sed 's/< 1e-9)/< 1e-8)/')
for c in flchain nafld1; do
    run "$VIGIL" suite run "$ROOT/suites/$c-5y-survival.json" --format json
    [ $c = flchain ] && want=0 || want=1
    expect_rc $want "$c-5y-survival.json"
    expect_json "'prevalence' not in d and d['n'] == $G['$c']['n'] and 'discrimination' not in d['metrics']['candidate']" "$c: a survival-only suite"
    expect_json "($sameS)(d['metrics']['candidate']['survival'], $G['$c']['score']) and ($sameS)(d['metrics']['predecessor']['survival'], $G['$c']['shadow_score'])" "$c: both models' blocks = the peers"
    expect_json "(lambda g, c: abs(c[0]['ci_low'] - g['auc']['ci_low']) < 1e-8 and abs(c[0]['observed'] - g['auc']['value']) < 1e-8 and abs(c[1]['observed'] - min(r['auc']['value'] for r in g['levels']['sex'].values())) < 1e-8)(${G}['$c']['score'], d['criteria'])" "$c: AUROC(t) criteria = Score's"
    expect_json "(lambda g, c: abs([x for x in c if x['metric'] == 'survival_brier'][0]['ci_high'] - g['brier']['ci_high']) < 1e-8 and abs([x for x in c if x['metric'] == 'c_harrell'][0]['observed'] - g['c_harrell']) < 1e-8 and abs([x for x in c if x['metric'] == 'oe_ratio' and x['scope'] == 'overall'][0]['observed'] - g['oe_ratio']) < 1e-8)(${G}['$c']['score'], d['criteria'])" "$c: Brier, C and O/E criteria = the peers'"
    expect_json "[x['pass'] for x in d['criteria'] if x['metric'] == 'replay_agreement'] == [True]" "$c: v1 replays the shadow log of test_all.csv"
    # v2 against v1 on the same subjects: Score(list(v1, v2), contrasts = TRUE)'s delta and CI
    expect_json "all(abs(d['comparison'][m][k] - ${G}['$c']['contrast'][g][r]) < 1e-8 for m, g in (('survival_auroc', 'auc'), ('survival_brier', 'brier')) for k, r in (('difference', 'delta'), ('ci_low', 'lower'), ('ci_high', 'upper'))) and [x['pass'] for x in d['criteria'] if x['rule'] == 'non_inferior'] == [True, True]" "$c: non-inferiority to v1 = Score's contrasts"
done
# nafld1 fails on calibration, as the peers say: KM 5-year risk / mean predicted risk < 0.8.
expect_json "[x['name'] for x in d['criteria'] if not x['pass']] == ['O/E risk at 5 y (KM / mean)', 'Every sex: O/E at 5 y', 'Every age band: O/E at 5 y'] and $G['nafld1']['score']['oe_ratio'] < 0.8 and min(r['oe_ratio'] for r in $G['nafld1']['score']['levels']['sex'].values()) < 0.8" "nafld1: the calibration criteria fail, as the peers' O/E says"
run "$VIGIL" history --format json
expect_json "sum(r['kind'] == 'suite' and r['status'] == 'completed' for r in d['runs']) == 2" "both suite runs stored"
run "$VIGIL" report --run 2 --out "$T/rep" --no-plots
expect_rc 1 "report of the failing survival suite (exit 1: not implementable)"
expect_out "NOT IMPLEMENTABLE" "the report's verdict"
# the report compares the two models on the survival metrics, not on 0/1 metrics it lacks
if grep -q '^| Time-dependent AUROC at H (IPCW) | 0.852 | 0.855 | -0.003 |' "$T/rep/report.md" &&
   grep -q '^| Observed/expected at H (KM / mean) | 0.798 | 0.796 | 0.002 |' "$T/rep/report.md" &&
   ! grep -q 'AUROC (DeLong CI)\|Disparities across' "$T/rep/report.md" &&
   grep -q '^| F | 3781 | 124 | 0.871 | 0.838 to 0.904 <sup>a</sup> | 0.0314 | 0.039 | 0.725 |' "$T/rep/report.md"; then :; else
    echo "FAIL: the survival suite's report: candidate against predecessor on the survival metrics, per sex"
    fails=$((fails + 1))
fi

# The complete-case sensitivity suites still run on test.csv (0/1 label) and pass.
run "$VIGIL" suite run "$ROOT/suites/nafld1-v2-vs-v1.json" --format json
expect_rc 0 "nafld1-v2-vs-v1.json (complete cases)"
expect_json "abs(d['prevalence'] - $G['nafld1']['score']['complete_case']['observed_risk']) < 1e-12 and abs(d['metrics']['candidate']['discrimination']['auroc']['value'] - $G['nafld1']['score']['complete_case']['auroc']) < 1e-9" "complete-case prevalence and AUROC = pROC"

# A survival-only suite: every level observed from the survival block (it has no 0/1 levels).
sed 's/"value": 0.60 }/"value": 0.62 }/' "$ROOT/suites/nafld1-5y-survival.json" >"$ROOT/suites/.cohorts-$$.json"
run "$VIGIL" suite run "$ROOT/suites/.cohorts-$$.json" --format json
rm -f "$ROOT/suites/.cohorts-$$.json"
expect_json "(lambda x: not x['pass'] and 'age_band=70-79' in x['detail'] and 'age_band=80+' in x['detail'])([x for x in d['criteria'] if x['name'] == 'Every age band: AUROC(5 y)'][0])" "every level: the failing age bands named"
finish
