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
run "$VIGIL" drift --reference "$D/flchain/train.csv" --current "$D/flchain/test.csv" --id case_id
expect_rc 2 "the PHI guard runs on drift inputs too"
expect_err "column 'age' looks like an age over 89" "PHI guard names the column"
finish
