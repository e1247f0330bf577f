#!/bin/sh
# The smooth calibration curve vigil metrics stores (issue 18): calibration.lowess_curve, overall
# and per level, against R 4.2.2's lowess(p, y, iter = 0) read off by approx(ties = mean) at 50
# points over the observed range, as rms 6.5.0 val.prob draws it
# (tests/reference/calib_curve_ref.R -> tests/reference/calib_curve/goldens.json). A level
# whose prevalence the cell-size policy withholds (C: 6 events; B withheld to protect it) has
# a null curve; the others the peer's.
. "$(dirname "$0")/lib.sh"
VIGIL=${VIGIL:-$ROOT/build/vigil}
REF="$ROOT/tests/reference/calib_curve"

run "$VIGIL" metrics --data "$REF/cases.csv" --score p --label y --group site --no-store --format json
expect_rc 0 "metrics on the curve cases"
/usr/bin/python3 - "$T/out" "$REF/goldens.json" <<'PY' || { echo "FAIL: the stored lowess curve differs from R's"; fails=$((fails + 1)); }
import json, sys
d, g = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def same(got, want, what):
    assert got is not None and len(got) == 50 == len(want["predicted"]), (what, got and len(got))
    for k, pt in enumerate(got):
        for key in ("predicted", "observed"):
            assert abs(pt[key] - want[key][k]) <= 1e-9, (what, k, key, pt[key], want[key][k])
same(d["calibration"]["lowess_curve"], g["overall"], "overall")
shown = 0
for lv, x in d["subgroups"]["site"]["levels"].items():
    c = x["calibration"]["lowess_curve"]
    if x["prevalence"] is None:
        assert c is None, (lv, "a curve for a level whose prevalence is withheld")
    else:
        same(c, g["levels"][lv]["curve"], lv)
        shown += 1
assert shown == 1 and d["subgroups"]["site"]["levels"]["C"]["calibration"]["lowess_curve"] is None, shown
PY

# Every score the same: one point, at that score, the event rate.
printf 'p,y\n' > "$T/flat.csv"
i=0; while [ $i -lt 80 ]; do echo "0.3,$((i % 4 == 0))" >> "$T/flat.csv"; i=$((i + 1)); done
run "$VIGIL" metrics --data "$T/flat.csv" --score p --label y --no-store --format json
expect_rc 0 "metrics on constant scores"
expect_json "d['calibration']['lowess_curve'] == [{'predicted': 0.3, 'observed': 0.25}]" "constant scores: one point at the event rate"
finish
