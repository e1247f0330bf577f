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

# The equal-count reliability bins (calibration.reliability_quantile) against scikit-learn 1.2.1
# calibration_curve(strategy="quantile") (tests/reference/calib_curve_ref.py ->
# quantile.json): edges, cases per bin, mean score and event rate, overall and per level, on
# the curve cases and on scores tied at 0.05, 0.1 and 0.2 (repeated edges, empty bins, scores on
# an edge in the lower bin). --min-cell 1: every bin shown, to compare them all.
for c in cases ties; do
    run "$VIGIL" metrics --data "$REF/$c.csv" --score p --label y --group site --min-cell 1 --no-store --format json
    expect_rc 0 "metrics on $c"
    /usr/bin/python3 - "$T/out" "$REF/quantile.json" "$c" <<'PY' || { echo "FAIL: equal-count bins of $c differ from sklearn's"; fails=$((fails + 1)); }
import json, sys
d, g = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))[sys.argv[3]]
def same(got, want, what):
    assert len(got) == 10, what
    for k, b in enumerate(got):
        assert abs(b["bin_low"] - want["edges"][k]) <= 1e-12 and abs(b["bin_high"] - want["edges"][k + 1]) <= 1e-12, (what, k)
    assert [b["n"] for b in got] == want["n"], (what, [b["n"] for b in got], want["n"])
    full = [b for b in got if b["n"] > 0]
    assert len(full) == len(want["mean_score"]), what
    for b, m, o in zip(full, want["mean_score"], want["observed"]):
        assert abs(b["mean_score"] - m) <= 1e-12 and abs(b["observed"] - o) <= 1e-12, (what, b, m, o)
same(d["calibration"]["reliability_quantile"], g["overall"], "overall")
for lv, want in g["levels"].items():
    same(d["subgroups"]["site"]["levels"][lv]["calibration"]["reliability_quantile"], want, lv)
PY
done

# The cell-size policy over both partitions (default --min-cell 11): where a run of
# equal-count bins holds exactly the cases of a run of equal-width bins (tied scores put an
# equal-count edge on 0.1 and 0.2), a side shown in full gives that run's totals, and the
# other side's withheld cases, events and non-events in it must then be 0 or at least 11.
for c in cases ties; do
    run "$VIGIL" metrics --data "$REF/$c.csv" --score p --label y --group site --no-store --format json
    expect_rc 0 "metrics on $c, default cell size"
    /usr/bin/python3 - "$T/out" "$REF/$c.csv" <<'PY' || { echo "FAIL: $c: a withheld bin can be told from the other partition"; fails=$((fails + 1)); }
import bisect, csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
def check(cal, cases, what):
    parts = [cal["reliability"], cal["reliability_quantile"]]
    def member(bins, p):  # right-closed bins, the first closed: the published edges
        inner = [b["bin_high"] for b in bins[:-1]]
        return bisect.bisect_left(inner, p)
    ids = [[member(b, p) for p, _ in cases] for b in parts]
    for a in range(2):
        A, B = parts[a], parts[1 - a]
        for i in range(10):
            for j in range(i, 10):
                sel = {n for n, k in enumerate(ids[a]) if i <= k <= j}
                if not sel:
                    continue
                other = {ids[1 - a][n] for n in sel}
                lo, hi = min(other), max(other)
                if {n for n, k in enumerate(ids[1 - a]) if lo <= k <= hi} != sel:
                    continue  # not the same cases in both
                if any(B[k]["suppressed"] for k in range(lo, hi + 1) if B[k]["n"] != 0):
                    continue  # the other side does not give the totals
                cnt = [0, 0]
                for n in sel:
                    if A[ids[a][n]]["suppressed"]:
                        cnt[cases[n][1]] += 1
                for v in (cnt[0] + cnt[1], cnt[1], cnt[0]):
                    assert v == 0 or v >= 11, (what, a, i, j, cnt)
    return sum(not b["suppressed"] and b["n"] > 0 for b in parts[1])
cases = [(float(r["p"]), int(r["y"])) for r in rows]
shown = check(d["calibration"], cases, "overall")
for lv, x in d["subgroups"]["site"]["levels"].items():
    if not x["suppressed"]:
        shown += check(x["calibration"], [(float(r["p"]), int(r["y"])) for r in rows if r["site"] == lv], lv)
assert shown >= 4, shown  # the policy still leaves bins to draw
PY
done
finish
