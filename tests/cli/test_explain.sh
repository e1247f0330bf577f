#!/bin/sh
# vigil explain end to end: TreeSHAP values equal XGBoost 1.7.4's pred_contribs (the golden
# file tests/reference/shap/tree_bundled_flchain_deep.csv), every row sums to the margin, the
# headers, linear/MLP backgrounds, multi-class columns, and bad input refused.
. "$(dirname "$0")/lib.sh"
D="$ROOT/datasets"
R="$ROOT/tests/reference/shap"
OK="--allow-column age=public-research-cohort"

run "$VIGIL" explain --model "$D/models/flchain_deep.json" --data "$ROOT/tests/reference/xgb/bundled_flchain_deep.csv" \
    --out "$T/s.csv" $OK --format json
expect_rc 0 "explain the deep model"
expect_json "d['n'] == 400 and d['features'] == ['age','male','kappa','lambda','creatinine','mgus']" "summary"
expect_json "d['completeness']['max_abs_error'] < 1e-5 and d['backend'] in ('cpu','cuda') and 'TreeSHAP' in d['method']" "completeness"
expect_json "d['global_importance']['age'] > d['global_importance']['male'] > 0" "global importance"
expect_json "set(d['seconds']) == {'load','compute','write'}" "timings"
head -1 "$T/s.csv" | grep -qx "row,age,male,kappa,lambda,creatinine,mgus,base_value" || { echo "FAIL: header: $(head -1 "$T/s.csv")"; fails=$((fails + 1)); }
/usr/bin/python3 - "$T/s.csv" "$R/tree_bundled_flchain_deep.csv" <<'PY' || { echo "FAIL: attributions differ from XGBoost's pred_contribs"; fails=$((fails + 1)); }
import csv, sys
a = [list(map(float, r[1:])) for r in list(csv.reader(open(sys.argv[1])))[1:]]
b = [list(map(float, r)) for r in list(csv.reader(open(sys.argv[2])))[1:]]
assert len(a) == len(b) == 400, (len(a), len(b))
w = max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb))
assert w <= 1e-5, w
PY

# Categorical splits (tests/reference/xgb_cat_ref.py): a 1.7.4 softprob model (a bare NaN at each
# categorical node), codes with missing and unseen categories: equal to its pred_contribs.
C="$ROOT/tests/reference/xgb_cat"
run "$VIGIL" explain --model "$C/v1_7_4_cat_softprob.json" --data "$C/v1_7_4_cat_softprob.csv" --out "$T/c.csv" --format json
expect_rc 0 "explain a categorical model"
expect_json "d['completeness']['max_abs_error'] < 1e-5" "categorical completeness"
/usr/bin/python3 - "$T/c.csv" "$C/v1_7_4_cat_softprob_shap.csv" <<'PY' || { echo "FAIL: categorical attributions differ from XGBoost's pred_contribs"; fails=$((fails + 1)); }
import csv, sys
a = [list(map(float, r[1:])) for r in list(csv.reader(open(sys.argv[1])))[1:]]
b = [list(map(float, r)) for r in list(csv.reader(open(sys.argv[2])))[1:]]
assert len(a) == len(b) == 240, (len(a), len(b))
w = max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb))
assert w <= 1e-5, w
PY

run "$VIGIL" explain --model "$D/models/flchain_agegroup_softprob.json" --data "$D/flchain/test.csv" --id case_id --out "$T/m.csv"
expect_rc 0 "multi-class"
head -1 "$T/m.csv" | grep -q "^case_id,kappa_class0,.*,base_value_class0,kappa_class1,.*base_value_class4$" || { echo "FAIL: multi-class header: $(head -1 "$T/m.csv")"; fails=$((fails + 1)); }

run "$VIGIL" explain --model "$D/models/flchain_mlp.json" --data "$R/mlp_rows.csv" --background "$R/mlp_background.csv" --out "$T/mlp.csv" $OK --format json
expect_rc 0 "MLP with a background"
expect_json "d['background']['rows'] == 50 and d['background']['rows_used'] == 50 and d['completeness']['max_abs_error'] < 1e-9" "MLP background"
/usr/bin/python3 - "$T/mlp.csv" "$R/mlp_kernelshap.csv" <<'PY' || { echo "FAIL: MLP attributions differ from shap's KernelExplainer"; fails=$((fails + 1)); }
import csv, sys
a = [list(map(float, r[1:])) for r in list(csv.reader(open(sys.argv[1])))[1:]]
b = [list(map(float, r)) for r in list(csv.reader(open(sys.argv[2])))[1:]]
w = max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb))
assert w <= 1e-8, w
PY
# The same MLP by KernelSHAP (the estimator for MLPs beyond 12 features): within 5 of its
# reported standard errors of shap's exact values, and it says what it did.
run "$VIGIL" explain --model "$D/models/flchain_mlp.json" --data "$R/mlp_rows.csv" --background "$R/mlp_background.csv" \
    --out "$T/mlpk.csv" $OK --format json --mlp-method kernel --samples 4096
expect_rc 0 "MLP by KernelSHAP"
expect_json "d['kernel_shap']['samples'] == 4096 and 0 < d['kernel_shap']['max_standard_error'] < 0.01 and d['method'].startswith('KernelSHAP')" "KernelSHAP summary"
se=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['kernel_shap']['max_standard_error'])")
/usr/bin/python3 - "$T/mlpk.csv" "$R/mlp_kernelshap.csv" "$se" <<'PY' || { echo "FAIL: KernelSHAP far from shap's values"; fails=$((fails + 1)); }
import csv, sys
a = [list(map(float, r[1:])) for r in list(csv.reader(open(sys.argv[1])))[1:]]
b = [list(map(float, r)) for r in list(csv.reader(open(sys.argv[2])))[1:]]
w = max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb))
assert w <= 5 * float(sys.argv[3]), (w, sys.argv[3])
PY
run "$VIGIL" explain --model "$D/models/flchain_mlp.json" --data "$R/mlp_rows.csv" --out "$T/x.csv" $OK --mlp-method fast
expect_rc 2 "unknown --mlp-method"
expect_err "--mlp-method expects auto, exact or kernel, got 'fast'" "names the values"

run "$VIGIL" explain --model "$D/models/flchain_v2.json" --data "$D/flchain/test.csv" --id case_id --group sex --group age_band --out "$T/g.csv" $OK --format json
expect_rc 0 "importance per subgroup"
expect_json "set(d['by_group']) == {'sex','age_band'} and set(d['by_group']['sex']) == {'F','M'} and d['by_group']['sex']['F']['age'] > 0" "by_group levels"
run "$VIGIL" history --kind explain --format json
expect_json "len(d['runs']) >= 3 and all(r['status'] == 'completed' for r in d['runs'])" "explain runs are stored"
run "$VIGIL" audit verify
expect_rc 0 "audit chain over the explain runs"
run "$VIGIL" explain --model "$D/models/flchain_v2.json" --data "$D/flchain/test.csv" --group race --out "$T/g.csv" $OK
expect_rc 2 "unknown group column"
expect_err "race" "the group column is named"

run "$VIGIL" explain --model "$D/models/flchain_logistic.json" --data "$D/flchain/test.csv" --out "$T/l.csv" $OK
expect_rc 0 "linear, background = the data"
expect_out "completeness" "table summary"

# Bad input.
run "$VIGIL" explain --model "$D/models/flchain_deep.json" --data "$D/flchain/test.csv" --out "$T/x.csv"
expect_rc 2 "PHI guard"
expect_err "column 'age'" "PHI guard names the column"
[ ! -e "$T/x.csv" ] || { echo "FAIL: a refused explain left an output file"; fails=$((fails + 1)); }
printf 'age,male,kappa,lambda\n70,1,,1.2\n' > "$T/bg.csv"
run "$VIGIL" explain --model "$D/models/flchain_mlp.json" --data "$R/mlp_rows.csv" --background "$T/bg.csv" --out "$T/x.csv" $OK
expect_rc 2 "background with a missing value"
expect_err "bg.csv" "the background file named"
run "$VIGIL" explain --model "$D/models/flchain_mlp.json" --data "$R/mlp_rows.csv"
expect_rc 2 "--out required"
run "$VIGIL" explain --model "$D/models/flchain_mlp.json" --data "$R/mlp_rows.csv" --out "$T/x.csv" --max-background 0
expect_rc 2 "--max-background 0"
run "$VIGIL" explain --help
expect_rc 0 "help"
expect_out "base_value" "help explains the output"
# Trees at the depth limit (issue 19; README "Model formats"): a chain of 2048 splits loads,
# predicts and explains as XGBoost 1.7.4 does (tests/reference/deep_tree_ref.py ->
# deep_tree/goldens.json: Booster.predict margins and pred_contribs), each row's SHAP values
# plus its base value give its margin; one level more is refused (exit 2) naming the tree and
# its depth, by predict and explain alike. The walks are iterative: explain at the limit runs
# in a 160 KB C stack (the recursive flattening needed more than 256 KB).
DT="/usr/bin/python3 $ROOT/tests/reference/deep_tree_ref.py"
$DT model 2048 "$T/chain2048.json"; $DT model 2049 "$T/chain2049.json"; $DT cases "$T/chain.csv"
G="$ROOT/tests/reference/deep_tree/goldens.json"
run "$VIGIL" predict --model "$T/chain2048.json" --data "$T/chain.csv" --id case_id --out "$T/chain_p.csv"
expect_rc 0 "predict with a tree at the depth limit"
expect_out "depth <= 2048" "the depth is said"
run "$VIGIL" explain --model "$T/chain2048.json" --data "$T/chain.csv" --id case_id --out "$T/chain_s.csv" --no-store
expect_rc 0 "explain a tree at the depth limit"
/usr/bin/python3 - "$G" "$T/chain_p.csv" "$T/chain_s.csv" <<'PY' || { echo "FAIL: the chain at the limit differs from XGBoost's margins or SHAP values"; fails=$((fails + 1)); }
import csv, json, math, sys
g = json.load(open(sys.argv[1]))
p = list(csv.DictReader(open(sys.argv[2])))
s = list(csv.DictReader(open(sys.argv[3])))
assert g["depth"] == 2048 and [r["case_id"] for r in p] == g["ids"] == [r["case_id"] for r in s]
feats = ["f0", "f1", "f2", "f3"]
reached = set()
for pr, sr, m, c in zip(p, s, g["margin"], g["contribs"]):
    assert abs(float(pr["score"]) - 1 / (1 + math.exp(-m))) < 1e-6, (pr, m)
    phi = [float(sr[f]) for f in feats]
    base = float(sr["base_value"])
    assert abs(sum(phi) + base - m) < 1e-6, ("additivity", sr, m)  # m: XGBoost's float32 margin
    assert all(abs(a - b) < 2e-6 for a, b in zip(phi + [base], c)), (sr, c)
    reached.add(round(m, 4))
assert len(reached) > 20, reached  # the cases end at many depths of the chain
PY
for cmd in predict explain; do
    run "$VIGIL" $cmd --model "$T/chain2049.json" --data "$T/chain.csv" --out "$T/chain_x.csv"
    expect_rc 2 "$cmd: a tree one level past the limit"
    expect_err "\$.learner.gradient_booster.model.trees[0]: tree 0 is 2049 levels deep; vigil takes trees of at most 2048 levels" "$cmd names the tree and its depth"
done
[ ! -e "$T/chain_x.csv" ] || { echo "FAIL: a refused deep model left an output"; fails=$((fails + 1)); }
if head -c 4 "$VIGIL" | grep -q ELF && ! grep -aq __asan_init "$VIGIL"; then # not under a sanitizer or valgrind
    (ulimit -s 160 && "$VIGIL" explain --model "$T/chain2048.json" --data "$T/chain.csv" --out "$T/chain_small.csv" \
        --no-store --threads 1 >/dev/null 2>&1) || { echo "FAIL: explain at the depth limit needs more than 160 KB of C stack"; fails=$((fails + 1)); }
fi
finish
