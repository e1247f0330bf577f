#!/bin/sh
# vigil drift end to end: the JSON contract (design.md), exit 1 on drift, 0 without, the MMD
# option, and the same numbers as the library test's scipy goldens.
. "$(dirname "$0")/lib.sh"
R="$ROOT/tests/reference/drift"
D="$ROOT/datasets"

run "$VIGIL" drift --reference "$R/ref.csv" --current "$R/cur.csv" --format json
expect_rc 1 "planted drift in a and c"
expect_json "d['alarm'] is True and d['n_alarms'] == 2" "two alarms"
expect_json "all(set(f) >= {'type','n_ref','n_cur','missing_ref','missing_cur','drift','p_adjusted','tests'} for f in d['features'].values())" "feature keys"
expect_json "set(d['features']['a']['tests']) == {'ks','anderson_darling','cvm','wasserstein','psi','jensen_shannon'}" "numeric tests"
expect_json "set(d['features']['c']['tests']) == {'chi2','psi','jensen_shannon'}" "categorical tests"
expect_json "'stat' in d['features']['a']['tests']['wasserstein'] and 'p' not in d['features']['a']['tests']['wasserstein']" "a distance has stat only"
/usr/bin/python3 - "$T/out" "$R/golden.json" <<'PY' || { echo "FAIL: CLI numbers differ from scipy's"; fails=$((fails + 1)); }
import json, sys
d = json.load(open(sys.argv[1]))["features"]
g = json.load(open(sys.argv[2]))["compare"]
assert d["b"]["n_ref"] == g["b"]["n_ref"] and d["b"]["missing_ref"] == 400 - g["b"]["n_ref"]
assert abs(d["a"]["tests"]["ks"]["stat"] - g["a"]["ks_stat"]) < 1e-12
assert abs(d["a"]["p_adjusted"] / g["a"]["p_adjusted"] - 1) < 1e-6
assert abs(d["c"]["tests"]["chi2"]["stat"] / g["c"]["chi2"] - 1) < 1e-10
assert d["a"]["drift"] and not d["b"]["drift"] and d["c"]["drift"]
PY

run "$VIGIL" drift --reference "$R/ref.csv" --current "$R/cur.csv" --features b
expect_rc 0 "no drift in b alone"
expect_out "0 of 1 features drifted" "table summary"

run "$VIGIL" drift --reference "$R/ref.csv" --current "$R/cur.csv" --features a,b --mmd --permutations 99 --format json
expect_rc 1 "MMD run"
expect_json "d['multivariate']['mmd']['permutations'] == 99 and 0 < d['multivariate']['mmd']['p'] <= 1" "MMD result"

run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$D/flchain/test.csv" --id case_id \
    --allow-column age=public-research-cohort --format json
expect_rc 0 "a random train/test split does not drift"
expect_json "d['alarm'] is False and set(d['seconds']) >= {'load','compute'}" "quiet, with timings"
expect_json "'case_id' not in d['features'] and 'age' in d['features'] and len(d['features']) == 13" "every shared column but the id"
# heavily tied columns (a 0/1 column, a year): scipy's midrank CvM gives T = 27, p = 1e-8 for
# 'male' on this random split; vigil's ECDF form must not cry wolf
expect_json "all(d['features'][c]['tests']['cvm']['p'] > 0.05 for c in ('male', 'sample_yr', 'mgus', 'death_5y'))" "CvM with ties"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$D/flchain/test.csv" --id case_id
expect_rc 2 "the PHI guard runs on drift inputs too"
expect_err "column 'age' looks like an age over 89" "PHI guard names the column"

# A planted shift (awk adds 0.4, about 0.43 reference SD, to every kappa of the test split): kappa
# and only kappa alarms, exit 1, its JSON carries the contract's keys and tests.
awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { if ($7 != "") $7 = $7 + 0.4; print }' \
    "$D/flchain/test.csv" >"$T/shifted.csv"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/shifted.csv" --id case_id \
    --allow-column age=public-research-cohort --format json
expect_rc 1 "a planted 0.4 shift in kappa alarms"
expect_json "[k for k, f in d['features'].items() if f['drift']] == ['kappa'] and d['n_alarms'] == 1" "only kappa drifts"
expect_json "d['features']['kappa']['p_adjusted'] < 1e-10 and 0.3 < d['features']['kappa']['effect'] < 0.6" "kappa p and effect"
expect_json "all(set(t) >= {'stat', 'p'} for n, t in d['features']['kappa']['tests'].items() if n in ('ks', 'anderson_darling', 'cvm'))" "rank tests have stat and p"
expect_json "set(d['features']['sex']['tests']) == {'chi2', 'psi', 'jensen_shannon'} and d['features']['sex']['type'] == 'categorical'" "a categorical column"
expect_json "d['features']['kappa']['n_ref'] + d['features']['kappa']['missing_ref'] == 4607 and d['features']['kappa']['n_cur'] + d['features']['kappa']['missing_cur'] == 3072" "every row counted"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/shifted.csv" --id case_id \
    --allow-column age=public-research-cohort --features kappa --alpha 0.01 --correction bh
expect_rc 1 "the table form alarms too"
expect_out "1 of 1 features drifted (BH-corrected p < 0.01" "table summary names the correction"

# Bad input: exit 2 and a message naming the file and the column
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/nosuch.csv" --id case_id
expect_rc 2 "a missing file"
expect_err "nosuch.csv: cannot open" "names the missing file"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$D/flchain/test.csv" --id case_id \
    --allow-column age=public-research-cohort --features kappa,nosuch
expect_rc 2 "a feature the files lack"
expect_err "test.csv: feature 'nosuch' is not a column of the current window" "names file and column"
awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } NR == 5 { $7 = "abc" } { print }' \
    "$D/flchain/test.csv" >"$T/bad.csv"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/bad.csv" --id case_id \
    --allow-column age=public-research-cohort
expect_rc 2 "a word in a numeric column"
expect_err "bad.csv:5:7: expected a number in column 'kappa', found 'abc'" "names file, line and column"
awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { $7 = "k" $7; print }' \
    "$D/flchain/test.csv" >"$T/cat.csv"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/cat.csv" --id case_id \
    --allow-column age=public-research-cohort --features kappa
expect_rc 2 "numeric in one file, categorical in the other"
expect_err "feature 'kappa' is numeric in $D/flchain/train.csv but categorical in $T/cat.csv" "names both files"
awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { $10 = ""; print }' "$D/flchain/test.csv" >"$T/nan.csv"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/nan.csv" --id case_id \
    --allow-column age=public-research-cohort --format json
# a column with no value in the current window (a lab feed that stopped) is the drift to report,
# not an input error: its missing rate alarms, its distribution tests are null with the reason,
# every other feature is tested as usual
expect_rc 1 "a column with no value in the current window alarms on its missing rate"
expect_json 'd["features"]["creatinine"]["computable"] is False and d["features"]["creatinine"]["decided_by"] == "missing_rate"' "marked not computable, decided by the missing rate"
expect_json 'd["features"]["creatinine"]["tests"]["ks"]["p"] is None and d["features"]["creatinine"]["tests"]["cvm"]["stat"] is None' "its distribution tests are null"
expect_json '"0 non-missing value(s) in the current window (" in d["features"]["creatinine"]["not_computable"] and "nan.csv" in d["features"]["creatinine"]["not_computable"]' "the reason names the window and file"
expect_json 'd["features"]["creatinine"]["drift"] is True and d["features"]["creatinine"]["missing_cur"] > 0 and d["features"]["creatinine"]["n_cur"] == 0' "the missing rate alarms"
expect_json 'd["features"]["kappa"]["computable"] is True and d["features"]["kappa"]["tests"]["ks"]["p"] is not None and d["features"]["kappa"]["not_computable"] is None' "the other features are tested"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$D/flchain/test.csv" --id case_id \
    --allow-column age=public-research-cohort --format json
cp "$T/out" "$T/full.json"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/nan.csv" --id case_id \
    --allow-column age=public-research-cohort --format json
python3 - "$T/full.json" "$T/out" <<'PY' || { echo "FAIL: the other features' numbers changed"; fails=$((fails + 1)); }
import json, sys
a, b = (json.load(open(p))["features"] for p in sys.argv[1:])
for k in a:
    if k != "creatinine":
        assert a[k]["tests"] == b[k]["tests"], k
PY
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/nan.csv" --id case_id \
    --allow-column age=public-research-cohort
expect_rc 1 "the table says it too"
expect_out "feature 'creatinine': distribution tests not computable (0 non-missing value(s) in the current window" "a clear line for the feature"
# --mmd too: the feature is left out of the multivariate test (it would leave no complete row)
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/nan.csv" --id case_id \
    --allow-column age=public-research-cohort --mmd --permutations 19 --mmd-rows 300 --format json
expect_rc 1 "--mmd with a feature missing in every current case"
expect_json 'd["multivariate"]["mmd"]["left_out"] == ["creatinine"] and 0 < d["multivariate"]["mmd"]["p"] <= 1' "the MMD runs without it, and says so"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/nan.csv" --id case_id \
    --allow-column age=public-research-cohort --mmd --permutations 19 --mmd-rows 300
expect_out "multivariate MMD: left out (distribution tests not computable): creatinine" "the table says it"
head -1 "$D/flchain/test.csv" >"$T/empty.csv"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$T/empty.csv" --id case_id \
    --allow-column age=public-research-cohort
expect_rc 2 "an empty current window"
expect_err "empty.csv: the current window has no rows" "names the empty file"
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$D/flchain/test.csv" --correction sidak
expect_rc 2 "an unknown correction"
expect_err "--correction expects holm, bh or none, got 'sidak'" "names the bad value"
# --backend for the MMD: cpu always works; cuda without a device (or a CUDA build) is an input
# error that says which, never a silent CPU run
run "$VIGIL" drift --reference "$R/ref.csv" --current "$R/cur.csv" --features a,b --mmd --permutations 49 --backend cpu --format json
expect_rc 1 "MMD on the CPU backend"
run "$VIGIL" drift --reference "$R/ref.csv" --current "$R/cur.csv" --features a,b --mmd --permutations 49 --backend cuda
if [ "$rc" = 2 ]; then
    expect_err "--backend cuda: " "names the missing CUDA device or build"
else
    expect_rc 1 "MMD on the CUDA backend (a device answered)"
fi
# A feature name with a terminal escape is printed escaped in the table (issue 19), never raw.
printf 'a\033[31m,b\n' >"$T/esc_ref.csv"
printf 'a\033[31m,b\n' >"$T/esc_cur.csv"
/usr/bin/python3 -c "
import random, sys
r = random.Random(5)
for path, shift in ((sys.argv[1], 0.0), (sys.argv[2], 0.3)):
    with open(path, 'a') as f:
        for i in range(300): f.write('%.4f,%.4f\\n' % (r.gauss(shift, 1), r.gauss(0, 1)))
" "$T/esc_ref.csv" "$T/esc_cur.csv"
run "$VIGIL" drift --reference "$T/esc_ref.csv" --current "$T/esc_cur.csv"
[ "$rc" -le 1 ] || { echo "FAIL: drift on an escaped name exited $rc: $(head -c 300 "$T/err")"; fails=$((fails + 1)); }
if grep -q "$(printf '\033')" "$T/out"; then echo "FAIL: a raw escape byte reached the drift table"; fails=$((fails + 1)); fi
grep -qF 'a\x1B[31m' "$T/out" || { echo "FAIL: the escaped name is not in the drift table: $(head -c 300 "$T/out")"; fails=$((fails + 1)); }
finish
