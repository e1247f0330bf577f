#!/bin/sh
# vigil site export / vigil pool (issue 22): five synthetic sites (tests/reference/pool/,
# made by tests/reference/pool_ref.R with R pROC 1.18.0, metafor 3.8.1 and glm): each site's
# bundle carries pROC's DeLong AUROC variance on the logit scale, glm's slope and CITL
# variances and O/E's; the pool equals metafor::rma(method = "DL") + predict(); no case id or
# value leaves a site; and the bundles that must not be pooled are refused.
. "$(dirname "$0")/lib.sh"
V=${VIGIL:-$ROOT/build/vigil}
P="$ROOT/tests/reference/pool"
cd "$T"

for s in north south east west central; do
    # one site's file carries case ids that must not leave it
    /usr/bin/python3 - "$P/site_$s.csv" "$T/$s.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["case_id", "score", "label"])
    for i, r in enumerate(rows):
        w.writerow(["SECRET-%05d" % i, r["score"], r["label"]])
PY
    run "$V" metrics --data "$T/$s.csv" --score score --label label --format json
    expect_rc 0 "metrics at site $s"
    id=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
    run "$V" site export --run "$id" --site "$s" --out "$T/$s.json"
    expect_rc 0 "site export at $s"
done
/usr/bin/python3 - "$T" "$P/pooled.json" <<'PY' || { echo "FAIL: site bundles against pROC / glm"; fails=$((fails + 1)); }
import csv, json, sys
T, ref = sys.argv[1], json.load(open(sys.argv[2]))
for s, want in ref["sites"].items():
    text = open(f"{T}/{s}.json").read()
    b = json.loads(text)
    assert "SECRET" not in text, "a case id left the site"
    values = {float(r["score"]) for r in csv.DictReader(open(f"{T}/{s}.csv"))}
    nums = []
    def walk(x):
        if isinstance(x, dict): [walk(v) for v in x.values()]
        elif isinstance(x, list): [walk(v) for v in x]
        elif isinstance(x, (int, float)) and not isinstance(x, bool): nums.append(float(x))
    walk(b)
    # the counts, the run id and the thresholds (parameters of the run, not a case's value)
    params = {b["n"], b["events"], b["run_id"], 1.0, 0.0} | {t["threshold"] for t in b["summaries"]["thresholds"]}
    assert not (set(nums) - params) & values, "a case's score is in the bundle"
    for m, w in want.items():
        got = b["measures"][m]
        for k in ("value", "yi", "vi"):
            assert abs(got[k] - w[k]) <= 1e-7 * abs(w[k]) + 1e-12, (s, m, k, got[k], w[k])
PY
run "$V" pool north.json south.json east.json west.json central.json --format json
expect_rc 0 "pool five sites"
expect_json "(lambda r: all(abs(d['pooled'][m][k] - r['pooled'][m][k]) <= 1e-7 * abs(r['pooled'][m][k]) + 1e-12 for m in r['pooled'] for k in ('value', 'ci_low', 'ci_high', 'pi_low', 'pi_high', 'tau2', 'i2', 'q', 'estimate', 'se')))(json.load(open('$P/pooled.json')))" "pooled = metafor::rma(method = 'DL') + predict()"
expect_json "all(len(d['pooled'][m]['sites']) == 5 and all(isinstance(s['inside_prediction_interval'], bool) for s in d['pooled'][m]['sites'].values()) for m in d['pooled'])" "each site checked against the prediction interval"
expect_json "(lambda r: all(abs(d['pooled'][m]['sites'][s][k] - w[k]) <= 1e-7 * abs(w[k]) + 1e-12 for m in r['pooled'] for s, w in r['pooled'][m]['sites'].items() for k in ('value', 'ci_low', 'ci_high', 'weight')))(json.load(open('$P/pooled.json')))" "each site's CI and weight = metafor's escalc/summary and weights()"

# The mergeable summaries: two sites cut from one file pool to exactly what one run over the
# whole file gives (reliability bins: cases, events, mean predicted risk; the confusion counts
# at each threshold), wherever neither site withheld the cell; a cell withheld at a site is
# withheld in the pool, naming the site.
/usr/bin/python3 - "$ROOT/datasets/flchain/cases.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for name, part in (("whole", rows), ("first", rows[: len(rows) // 3]), ("rest", rows[len(rows) // 3 :])):
    with open(name + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["score", "death_5y"])
        for r in part: w.writerow([r["score"], r["death_5y"]])
PY
for s in whole first rest; do
    run "$V" metrics --data "$T/$s.csv" --score score --label death_5y --threshold 0.1 --threshold 0.3 --format json
    expect_rc 0 "metrics of $s"
    cp "$T/out" "$T/$s.metrics.json"
    id=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
    run "$V" site export --run "$id" --site "$s" --out "$T/$s.bundle.json"
    expect_rc 0 "site export of $s"
done
run "$V" pool first.bundle.json rest.bundle.json --format json
expect_rc 0 "pool two parts of one file"
cp "$T/out" "$T/parts.json"
/usr/bin/python3 - "$T" <<'PY' || { echo "FAIL: pooled summaries against one run over the whole file"; fails=$((fails + 1)); }
import json, sys
T = sys.argv[1]
whole = json.load(open(f"{T}/whole.metrics.json"))
pool = json.load(open(f"{T}/parts.json"))["summaries"]
parts = [json.load(open(f"{T}/{s}.bundle.json"))["summaries"] for s in ("first", "rest")]
shown = withheld = 0
for k, (pb, wb) in enumerate(zip(pool["calibration_bins"], whole["calibration"]["reliability"])):
    if pb.get("withheld_at"):
        withheld += 1
        assert pb["n"] is None and set(pb["withheld_at"]) == {s for s, p in zip(("first", "rest"), parts) if p["calibration_bins"]["n"][k] is None}, pb
        continue
    shown += 1
    assert pb["n"] == wb["n"], (k, pb, wb)
    if wb["n"]:
        assert pb["events"] == round(wb["observed"] * wb["n"]), (k, pb, wb)
        assert abs(pb["mean_score"] - wb["mean_score"]) <= 1e-12, (k, pb, wb)
        assert abs(pb["observed"] - wb["observed"]) <= 1e-15, (k, pb, wb)
assert shown >= 4 and withheld >= 1, (shown, withheld)
P = round(whole["prevalence"] * whole["n"]); N = whole["n"] - P
assert [t["threshold"] for t in pool["thresholds"]] == [0.1, 0.3], pool["thresholds"]
for pt, wt in zip(pool["thresholds"], whole["thresholds"]):
    assert pt["tp"] + pt["fn"] == P and pt["fp"] + pt["tn"] == N, pt
    assert abs(pt["sensitivity"]["value"] - wt["tpr"]) <= 1e-15 and abs(pt["specificity"]["value"] - wt["specificity"]) <= 1e-15, (pt, wt)
    assert abs(pt["ppv"]["value"] - wt["ppv"]) <= 1e-15 and abs(pt["npv"]["value"] - wt["npv"]) <= 1e-15, (pt, wt)
    assert abs(pt["sensitivity"]["ci_low"] - wt["tpr_ci"][0]) <= 1e-12 and abs(pt["ppv"]["ci_high"] - wt["ppv_ci"][1]) <= 1e-12, (pt, wt)
PY
# an edited bundle whose summaries cannot be counts is refused, naming the file and what is wrong
/usr/bin/python3 -c "
import json; b = json.load(open('first.bundle.json'))
b['summaries']['calibration_bins']['events'][1] = b['summaries']['calibration_bins']['n'][1] + 1
json.dump(b, open('bad_events.json', 'w'))
b = json.load(open('first.bundle.json')); b['summaries']['thresholds'][0]['tp'] = -3
json.dump(b, open('bad_tp.json', 'w'))"
run "$V" pool bad_events.json rest.bundle.json
expect_rc 2 "a bin with more events than cases"
expect_err "bad_events.json: summaries.calibration_bins: a bin's events or summed risk exceed its cases" "names the file and the fault"
run "$V" pool rest.bundle.json bad_tp.json
expect_rc 2 "a negative confusion count"
expect_err "bad_tp.json: summaries.thresholds: a confusion count that is not a whole number >= 0" "names the file and the fault"

# The pooled report: a forest plot per measure, the sites' tables in evidence.json; a site's
# name is shown as written (escaped in HTML, '%' kept in the plot's axis), and a site outside
# the prediction interval is named in a warning. The west bundle's AUROC is moved far off here.
/usr/bin/python3 - <<'PY'
import json
b = json.load(open("west.json"))
b["site"] = "west <img src=x onerror=alert(1)> 100%"
b["measures"]["auroc"]["yi"] = 3.5
b["data_sha256"] = "0" * 64
json.dump(b, open("west_far.json", "w"))
PY
run "$V" pool north.json south.json east.json west_far.json central.json --report R
expect_rc 0 "pool --report"
expect_err "wrote the pooled report of 5 sites" "says where"
/usr/bin/python3 - "$T/R" <<'PY' || { echo "FAIL: the pooled report"; fails=$((fails + 1)); }
import json, os, sys
R = sys.argv[1]
ev = json.load(open(f"{R}/evidence.json"))
assert ev["kind"] == "pooled_sites", ev["kind"]
for m in ("auroc", "calibration_slope", "citl", "oe_ratio"):
    t = ev["tables"][f"sites-{m}"]
    assert len(t["rows"]) == 5, (m, len(t["rows"]))
    if os.path.exists("/usr/bin/gnuplot"):
        svg = open(f"{R}/plot-{m}.svg").read()
        assert "<svg" in svg and "100%" in svg, m
html = open(f"{R}/report.html").read()
assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; 100%" in html
out = [s for s, v in ev["pooled"]["pooled"]["auroc"]["sites"].items() if not v["inside_prediction_interval"]]
assert out == ["west <img src=x onerror=alert(1)> 100%"], out
assert "lies outside the 95% prediction interval of the AUROC" in html
assert "Forest plot: AUROC" in html
assert "Reliability bins summed over the sites" in html and "Confusion counts and rates at each threshold" in html
PY
run "$V" pool north.json south.json --no-plots
expect_rc 2 "--no-plots without --report"
expect_err "go with --report DIR" "says what it goes with"
run "$V" pool north.json south.json east.json west.json central.json
expect_rc 0 "pool, table"
expect_out "DerSimonian-Laird" "the table names the method"
expect_out "summed over the sites (no allowance for between-site differences)" "the table has the summed summaries"

# Refused: one bundle, a file that is not a bundle, another version, other definitions, the
# same site's data twice.
run "$V" pool north.json
expect_rc 2 "one bundle"
expect_err "two or more site bundles" "says how many"
echo '{"x": 1}' >notabundle.json
run "$V" pool north.json notabundle.json
expect_rc 2 "not a bundle"
expect_err "notabundle.json: not a vigil site bundle" "names the file"
sed 's/"vigil_version":[[:space:]]*"[^"]*"/"vigil_version": "0.0.9"/' south.json >old.json
run "$V" pool north.json old.json
expect_rc 2 "another vigil version"
expect_err "old.json: written by vigil 0.0.9" "names the version"
sed 's/"definitions_sha256":[[:space:]]*"[0-9a-f]\{8\}/"definitions_sha256": "00000000/' south.json >otherdefs.json
run "$V" pool north.json otherdefs.json
expect_rc 2 "other metric definitions"
expect_err "otherdefs.json: its metric definitions" "says why"
cp north.json north_again.json
run "$V" pool north.json south.json north_again.json
expect_rc 2 "the same site's data twice"
expect_err "the same site ('north') and the same data" "names the site"
run "$V" site export --run 999 --site x --out x.json
expect_rc 2 "export of a missing run"
expect_err "no run 999" "names the run"
finish
