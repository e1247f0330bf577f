#!/bin/sh
# Monitors' realised performance per subgroup (issue 17: "performance over time ... overall and
# per subgroup"): $.data.columns.groups, the performance block per level of each group per
# night. The reference chain: every per-level number equals `vigil metrics --group` on the same
# night's labelled cases (whose per-level numbers are checked against scikit-learn, statsmodels
# and pROC in test_metrics.c), level for level and in the same order, withheld where it withholds;
# O/E and the Wald intervals of the slope and CITL, which `vigil metrics` gives overall only,
# equal its overall numbers on the level's cases alone. The feed is tests/cli/monitor_subgroups_feed.py.
. "$(dirname "$0")/lib.sh"
cd "$T" && /usr/bin/python3 "$ROOT/tests/cli/monitor_subgroups_feed.py" || exit 1

monitor() { # NAME NIGHT [EXTRA_JSON]
    cat > "$T/$1.json" <<JSON
{ "name": "$1",
  "data": { "path": "feed.csv",
            "columns": { "time": "night", "score": "score", "label": "label", "features": ["x"],
                         "groups": ["unit", "sex", "unit+sex"] },
            "types": { "unit": "categorical", "sex": "categorical" } },
  "windows": { "reference": { "from": 0, "to": 0 }, "current": { "from": $2, "to": $2 } },
  "threshold": 0.3 ${3:+, $3} }
JSON
}

for night in 1 2 3; do
    monitor sub $night
    run "$VIGIL" monitor run "$T/sub.json" --db "$T/rec.db" --format json
    [ "$rc" -le 1 ] || { echo "FAIL: night $night exited $rc: $(head -c 300 "$T/err")"; fails=$((fails + 1)); continue; }
    cp "$T/out" "$T/night$night.json"
    # the night's labelled cases, in file order, as vigil metrics reads them
    /usr/bin/python3 - "$T" $night <<'PY'
import csv, os, sys
T, night = sys.argv[1], sys.argv[2]
rows = [r for r in csv.DictReader(open(os.path.join(T, "feed.csv"))) if r["night"] == night and r["label"] != ""]
w = csv.writer(open(os.path.join(T, "labelled%s.csv" % night), "w", newline=""))
w.writerow(["unit", "sex", "score", "label"])
for r in rows: w.writerow([r["unit"], r["sex"], r["score"], r["label"]])
for u in sorted({r["unit"] for r in rows}):
    with open(os.path.join(T, "level%s_%s.csv" % (night, u)), "w", newline="") as f:
        c = csv.writer(f); c.writerow(["score", "label"])
        for r in rows:
            if r["unit"] == u: c.writerow([r["score"], r["label"]])
PY
    run "$VIGIL" metrics --data "$T/labelled$night.csv" --score score --label label --group unit --group sex \
        --group unit+sex --threshold 0.3 --bootstrap 0 --format json
    expect_rc 0 "night $night: vigil metrics on the labelled cases"
    cp "$T/out" "$T/metrics$night.json"
    for u in A B D; do
        run "$VIGIL" metrics --data "$T/level${night}_$u.csv" --score score --label label --bootstrap 0 --format json
        cp "$T/out" "$T/level${night}_$u.json"
    done
    /usr/bin/python3 - "$T" $night <<'PY' || fails=$((fails + 1))
import json, math, os, sys
T, night = sys.argv[1], sys.argv[2]
mon = json.load(open(os.path.join(T, "night%s.json" % night)))["performance"]
met = json.load(open(os.path.join(T, "metrics%s.json" % night)))
Z = 1.959963984540054
def same(a, b, what):
    assert (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-12 * max(1, abs(b))), (night, what, a, b)
assert mon["n_labelled"] == met["n"], (mon["n_labelled"], met["n"])
assert list(mon["subgroups"]) == ["unit", "sex", "unit+sex"], list(mon["subgroups"])
shown = withheld = 0
for g, mg in met["subgroups"].items():
    levels = mon["subgroups"][g]["levels"]
    assert list(levels) == list(mg["levels"]), (night, g, list(levels), list(mg["levels"]))  # same levels, same order
    for l, ml in mg["levels"].items():
        o, w = levels[l], "%s=%s" % (g, l)
        assert o["n"] == ml["n"], (w, o["n"], ml["n"])
        if ml["suppressed"]:
            withheld += 1
            assert "withheld" in o and all(o[k]["value"] is None and o[k]["ci_low"] is None for k in
                ("auroc", "oe_ratio", "calibration_slope", "citl", "sensitivity", "ppv")), (w, o)
            continue
        shown += 1
        same(o["auroc"]["value"], ml["auroc"], w + " auroc")
        same(o["auroc"]["ci_low"], ml["auroc_ci_low"], w + " auroc ci_low")
        same(o["auroc"]["ci_high"], ml["auroc_ci_high"], w + " auroc ci_high")
        same(o["calibration_slope"]["value"], ml["slope"], w + " slope")
        same(o["citl"]["value"], ml["citl"], w + " citl")
        t = ml["thresholds"][0]
        assert t["value"] == 0.3
        same(o["sensitivity"]["value"], t["tpr"], w + " sensitivity")
        same(o["sensitivity"]["ci_low"], t["tpr_ci"][0], w + " sensitivity ci_low")
        same(o["sensitivity"]["ci_high"], t["tpr_ci"][1], w + " sensitivity ci_high")
        same(o["ppv"]["value"], t["ppv"], w + " ppv")
        same(o["ppv"]["ci_low"], t["ppv_ci"][0], w + " ppv ci_low")
        same(o["ppv"]["ci_high"], t["ppv_ci"][1], w + " ppv ci_high")
        # O/E is withheld exactly where vigil metrics withholds the level's prevalence
        assert (o["oe_ratio"]["value"] is None) == (ml["prevalence"] is None), (w, o["oe_ratio"], ml["prevalence"])
for u in ("A", "B", "D"):
    o = mon["subgroups"]["unit"]["levels"][u]
    c = json.load(open(os.path.join(T, "level%s_%s.json" % (night, u))))["calibration"]
    same(o["calibration_slope"]["ci_low"], c["slope"] - Z * c["slope_se"], u + " slope ci_low")
    same(o["calibration_slope"]["ci_high"], c["slope"] + Z * c["slope_se"], u + " slope ci_high")
    same(o["citl"]["ci_low"], c["citl"] - Z * c["citl_se"], u + " citl ci_low")
    same(o["citl"]["ci_high"], c["citl"] + Z * c["citl_se"], u + " citl ci_high")
    if u != "D":
        same(o["oe_ratio"]["value"], c["oe_ratio"], u + " O/E")
        same(o["oe_ratio"]["ci_low"], c["oe_ratio"] * math.exp(-Z * c["oe_log_se"]), u + " O/E ci_low")
        same(o["oe_ratio"]["ci_high"], c["oe_ratio"] * math.exp(Z * c["oe_log_se"]), u + " O/E ci_high")
# the cases the policy is about: C withheld, D's AUROC and O/E withheld, E's AUROC undefined, Z absent
u = mon["subgroups"]["unit"]["levels"]
assert "withheld" in u["C"] and u["C"]["n"] is None, u["C"]
assert u["D"]["auroc"]["value"] is None and "cell-size" in u["D"]["auroc"]["why"], u["D"]["auroc"]
assert u["D"]["oe_ratio"]["value"] is None and "prevalence is withheld" in u["D"]["oe_ratio"]["why"], u["D"]["oe_ratio"]
assert u["E"]["auroc"]["value"] is None and u["E"]["auroc"]["why"] == "no events at this level", u["E"]["auroc"]
assert "Z" not in u and list(u)[0] == "B", list(u)
assert "(missing)" in mon["subgroups"]["sex"]["levels"], list(mon["subgroups"]["sex"]["levels"])
assert shown >= 8 and withheld >= 2, (shown, withheld)
PY
done

# Stored with the night: scope performance:<group>=<level>, the document's numbers, withheld
# ones missing.
/usr/bin/python3 - "$T" <<'PY' || fails=$((fails + 1))
import json, os, sqlite3, sys
T = sys.argv[1]
db = sqlite3.connect(os.path.join(T, "rec.db"))
d = json.load(open(os.path.join(T, "night3.json")))
got = {(s, n): (v, lo, hi) for s, n, v, lo, hi in db.execute(
    "SELECT scope, name, value, ci_low, ci_high FROM metrics WHERE run_id = ? AND scope LIKE 'performance:%'", (d["run_id"],))}
want = {}
for g, x in d["performance"]["subgroups"].items():
    for l, o in x["levels"].items():
        for k in ("auroc", "oe_ratio", "calibration_slope", "citl", "sensitivity", "ppv"):
            want[("performance:%s=%s" % (g, l), k)] = (o[k]["value"], o[k]["ci_low"], o[k]["ci_high"])
assert set(got) == set(want), set(got) ^ set(want)
for k, v in want.items():
    assert all((a is None and b is None) or abs(a - b) < 1e-12 for a, b in zip(got[k], v)), (k, got[k], v)
PY

# The summary table: a line per level.
monitor sub 3
run "$VIGIL" monitor run "$T/sub.json" --verbose
expect_out "    unit=C: withheld (cell-size policy)" "the table: a withheld level"
expect_out "    unit=E: n " "the table: a level"
expect_out "auroc undefined" "the table: an undefined AUROC"

# The record: vigil report --monitor's table per night, group and level, vigil monitor history
# (JSON and the table's line), and the exports -- every number the night's own.
run "$VIGIL" report --monitor sub --db "$T/rec.db" --out "$T/rep"
expect_rc 0 "report --monitor"
run "$VIGIL" monitor history sub --db "$T/rec.db" --format json
cp "$T/out" "$T/history.json"
run "$VIGIL" monitor export sub --format csv --db "$T/rec.db"
expect_rc 0 "csv export"
cp "$T/out" "$T/export.csv"
run "$VIGIL" monitor export sub --format openmetrics --db "$T/rec.db"
expect_rc 0 "openmetrics export"
cp "$T/out" "$T/export.om"
if command -v promtool >/dev/null 2>&1; then
    promtool check metrics < "$T/export.om" > "$T/promtool.out" 2>&1 || { echo "FAIL: promtool: $(cat "$T/promtool.out")"; fails=$((fails + 1)); }
else
    echo "note: promtool not installed; the OpenMetrics text is checked by the grammar below only"
fi
/usr/bin/python3 - "$T" <<'PY' || fails=$((fails + 1))
import csv, json, os, re, sys
T = sys.argv[1]
K = ("auroc", "oe_ratio", "calibration_slope", "citl", "sensitivity", "ppv")
nights = {n: json.load(open(os.path.join(T, "night%d.json" % n))) for n in (1, 2, 3)}
ev = json.load(open(os.path.join(T, "rep", "evidence.json")))["tables"]["performance_subgroups"]
rows = {(r[0], r[2], r[3]): r for r in ev["rows"]}
hist = {r["id"]: r["monitor"] for r in json.load(open(os.path.join(T, "history.json")))["runs"]}
out = list(csv.DictReader(open(os.path.join(T, "export.csv"))))
om = open(os.path.join(T, "export.om")).read()
n_rows = 0
for n, d in nights.items():
    h = hist[d["run_id"]]["performance"]
    assert h["auroc"] == d["performance"]["auroc"]["value"], (h["auroc"], d["performance"]["auroc"])
    for g, x in d["performance"]["subgroups"].items():
        for l, o in x["levels"].items():
            r = rows[(str(n), g, l)]
            assert r[4] == o["n"], (r, o["n"])
            assert r[5:11] == [o[k]["value"] for k in K], (n, g, l, r, o)
            e = h["levels"]["%s=%s" % (g, l)]
            assert e["auroc"] == o["auroc"]["value"] and e["oe_ratio"] == o["oe_ratio"]["value"], (e, o)
            assert ("level" in e["withheld"]) == ("withheld" in o), (e, o)
            c = [c for c in out if c["window_end"] == str(n) and c["group"] == g and c["level"] == l]
            assert len(c) == 1 and c[0]["feature"] == "" and c[0]["labelled_cases"] == ("" if o["n"] is None else str(o["n"])), c
            for k in K:
                for part, col in (("value", ""), ("ci_low", "_ci_low"), ("ci_high", "_ci_high")):
                    v = o[k][part]
                    assert (c[0]["realised_" + k + col] == "" if v is None else float(c[0]["realised_" + k + col]) == v), (n, g, l, k, part)
            n_rows += 1
    # the feature rows keep their place: first, with no group
    first = [c for c in out if c["window_end"] == str(n)][0]
    assert first["feature"] == "x" and first["group"] == "" and first["level"] == "", first
assert n_rows >= 60, n_rows
assert "suppressed (cell-size policy)" in open(os.path.join(T, "rep", "report.md")).read()
# small multiples: a plot per group, a line per level of the last night that has a value
plots = json.load(open(os.path.join(T, "rep", "evidence.json")))["plots"]
for k, g in enumerate(("unit", "sex", "unit+sex"), 1):
    assert "subgroup_auroc_%d" % k in plots, plots
    svg = open(os.path.join(T, "rep", "plot-subgroup_auroc_%d.svg" % k)).read()
    assert "Realised AUROC per level of %s per night" % g in svg, g
    keys = set(re.findall(r"<text>([^<]*)</text>", svg))
    for l, o in list(nights[3]["performance"]["subgroups"][g]["levels"].items())[:8]:
        drawn = any(nights[n]["performance"]["subgroups"][g]["levels"].get(l, {}).get("auroc", {}).get("value") is not None
                    for n in (1, 2, 3))
        if drawn: assert l in keys, (g, l, sorted(keys))
# OpenMetrics: the latest night's levels in their own families, labelled by group and level
d = nights[3]
got = {(m.group(1), m.group(2), m.group(3)): float(m.group(4)) for m in re.finditer(
    r'^vigil_monitor_performance_realised_subgroup\{monitor="sub",group="([^"]*)",level="([^"]*)",statistic="(\w+)"\} (\S+)$', om, re.M)}
want = {(g, l, k): o[k]["value"] for g, x in d["performance"]["subgroups"].items() for l, o in x["levels"].items()
        for k in K if o[k]["value"] is not None}
assert got == want, set(got) ^ set(want)
assert "# TYPE vigil_monitor_performance_realised_subgroup_ci_low gauge" in om and om.endswith("# EOF\n")
PY
run "$VIGIL" monitor history sub --db "$T/rec.db"
expect_out "       per subgroup level, realised AUROC / O/E: unit=B " "history: the levels' line"
expect_out "unit=C withheld" "history: a withheld level"

# Refused: groups without the realised performance (nothing would read them), a group column
# the night's file lacks (file, column and JSON path named).
monitor off 1 '"performance": false'
run "$VIGIL" monitor run "$T/off.json"
expect_rc 2 "groups without performance"
expect_err '$.data.columns.groups: only the realised performance and the join'"'"'s lead times are computed per level' "groups without performance: why"
sed 's/"unit+sex"/"ward"/' "$T/sub.json" > "$T/ward.json"
run "$VIGIL" monitor run "$T/ward.json"
expect_rc 2 "a group column the file lacks"
expect_err "feed.csv: no column 'ward' (named by \$.data.columns.groups[2] in $T/ward.json)" "the column named"

sed 's/"unit+sex"/"sex"/' "$T/sub.json" > "$T/twice.json"
run "$VIGIL" monitor run "$T/twice.json"
expect_rc 2 "a group listed twice"
expect_err "\$.data.columns.groups[2]: 'sex' listed twice" "a group listed twice: which"

# A reference file (reference_data) need not have the group columns: the levels are the
# current window's; the numbers are the same as with a reference window.
/usr/bin/python3 - "$T" <<'PY'
import csv, os, sys
T = sys.argv[1]
rows = [r for r in csv.DictReader(open(os.path.join(T, "feed.csv"))) if r["night"] == "0"]
with open(os.path.join(T, "ref.csv"), "w", newline="") as f:
    w = csv.writer(f); w.writerow(["night", "x", "score", "label"])
    for r in rows: w.writerow([r["night"], r["x"], r["score"], r["label"]])
PY
/usr/bin/python3 - "$T/sub.json" "$T/refd.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["name"] = "refd"
m["reference_data"] = {"path": "ref.csv"}
del m["windows"]["reference"]
json.dump(m, open(sys.argv[2], "w"))
PY
run "$VIGIL" monitor run "$T/refd.json" --format json
[ "$rc" -le 1 ] || { echo "FAIL: reference_data without the group columns exited $rc: $(head -c 300 "$T/err")"; fails=$((fails + 1)); }
expect_json "d['performance']['subgroups'] == json.load(open('$T/night3.json'))['performance']['subgroups']" "reference_data: the same levels and numbers"

finish
