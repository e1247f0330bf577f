#!/bin/sh
# The ROC curve's confidence band (issue 18): discrimination.roc_band, the sensitivity at
# specificities 0, 0.1, ..., 1 and its pointwise bootstrap interval, against pROC 1.18.0
# (tests/reference/roc_band_ref.R -> roc_band/goldens.json): the sensitivities exactly (coords,
# input = "specificity"), the interval within Monte Carlo error of ci.se(boot.n = 10000,
# boot.stratified = FALSE) (vigil: 2000 replicates of its own stream), on the flchain test set
# and on tied scores; a point on a small cell is withheld; no bootstrap, no interval.
. "$(dirname "$0")/lib.sh"
VIGIL=${VIGIL:-$ROOT/build/vigil}
REF="$ROOT/tests/reference/roc_band"

check() { # check NAME TOLERANCE: $T/out against the goldens
    /usr/bin/python3 - "$T/out" "$REF/goldens.json" "$1" "$2" <<'PY' || { echo "FAIL: the ROC band of $1 differs from pROC's"; fails=$((fails + 1)); }
import json, sys
d = json.load(open(sys.argv[1]))["discrimination"]["roc_band"]
g, tol = json.load(open(sys.argv[2]))[sys.argv[3]], float(sys.argv[4])
assert len(d) == 11 and all(abs(x["specificity"] - s) < 1e-12 for x, s in zip(d, g["specificity"])), d
for k, x in enumerate(d):
    assert abs(x["sensitivity"] - g["sensitivity"][k]) <= 1e-12, (k, x, g["sensitivity"][k])
    assert abs(x["ci_low"] - g["ci_low"][k]) <= tol and abs(x["ci_high"] - g["ci_high"][k]) <= tol, (k, x, g["ci_low"][k], g["ci_high"][k])
    assert x["ci_low"] <= x["sensitivity"] <= x["ci_high"] or x["ci_low"] == x["ci_high"], (k, x)
PY
}
run "$VIGIL" metrics --data "$ROOT/datasets/flchain/test.csv" --score score --label death_5y --bootstrap 2000 --seed 5 --min-cell 1 --no-store --format json
expect_rc 0 "metrics on flchain"
check flchain 0.01
run "$VIGIL" metrics --data "$REF/ties.csv" --score p --label y --bootstrap 2000 --seed 5 --min-cell 1 --no-store --format json
expect_rc 0 "metrics on tied scores"
check ties 0.02

# The cell-size policy: at specificity 1 the flchain curve rests on 1 case (withheld), at 0 on
# none (shown); without replicates the sensitivities stay and the intervals are null.
run "$VIGIL" metrics --data "$ROOT/datasets/flchain/test.csv" --score score --label death_5y --bootstrap 0 --no-store --format json
expect_rc 0 "metrics without a bootstrap"
expect_json "d['discrimination']['roc_band'][10]['suppressed'] and d['discrimination']['roc_band'][10]['sensitivity'] is None and d['discrimination']['roc_band'][0]['sensitivity'] == 1" "a point on a small cell withheld"
expect_json "all(x['ci_low'] is None and x['ci_high'] is None for x in d['discrimination']['roc_band']) and abs(d['discrimination']['roc_band'][5]['sensitivity'] - 0.8983957219251337) < 1e-12" "no replicates, no interval"
finish
