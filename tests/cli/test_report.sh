#!/bin/sh
# vigil report: end to end on real stored runs (a `vigil metrics` run, two monitor nights and
# two suite runs, one on a case file whose subgroup names try to run commands through gnuplot),
# the model card validated against the CHAI mc-schema v0.2 XSD with xmllint, and report.html
# rendered in headless Chromium (every plot must render with a nonzero size).
. "$(dirname "$0")/lib.sh"
V=${VIGIL:-$ROOT/build/vigil}
cd "$ROOT"

# Real runs in a fresh store.
run "$V" metrics --data datasets/flchain/test.csv --score score --label death_5y --group sex \
    --group age_band --threshold 0.2 --bootstrap 20 --seed 3 --allow-column age=public-research-cohort \
    --format json
expect_rc 0 "metrics run stored"
MID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$V" monitor run monitors/flchain-stable.json --format json
run "$V" monitor run monitors/flchain-temporal.json --format json
expect_rc 1 "temporal monitor alarms"

# The human in the loop (issue 21): a suite run with the clinicians' decisions shows the
# team's numbers, the override rates by site with their gap, as the engine stored them
# (statsmodels goldens of tests/reference/human/case_groups.json).
HG="$ROOT/tests/reference/human/case_groups"
cat > "$T/human.json" <<JSON
{ "name": "override audit", "data": { "path": "$HG.csv",
    "columns": { "label": "label", "score": "score", "decision": "decision", "groups": ["site"] } },
  "thresholds": [0.3], "bootstrap": 0, "criteria": [
    { "name": "override rate of flags", "metric": "override_of_flags", "rule": "at_most", "value": 0.4 } ] }
JSON
run "$V" suite run "$T/human.json" --format json
expect_rc 0 "human-in-the-loop suite stored"
HID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
mkdir -p "$T/keys"
run "$V" audit keygen --out "$T/keys/k.pem"
expect_rc 0 "keygen for the signature"
run "$V" audit sign --run "$HID" --meaning approved --key "$T/keys/k.pem" --signer "Dr. A. Reviewer"
expect_rc 0 "the run signed"
run "$V" report --run "$HID" --out "$T/rh" --no-plots
expect_rc 0 "report of the human-in-the-loop run"
# issue 19: who ran the run and who signed it, in the audit section and evidence.json
grep -q "^| Dr\\. A\\. Reviewer | approved | " "$T/rh/report.md" ||
    { echo "FAIL: the signature is not in the report: $(grep -n Reviewer "$T/rh/report.md")"; fails=$((fails + 1)); }
grep -q "was run by $(id -un) (uid $(id -u))" "$T/rh/report.md" || { echo "FAIL: the operator is not in the report"; fails=$((fails + 1)); }
/usr/bin/python3 -c "import json,sys; a=json.load(open('$T/rh/evidence.json'))['audit']; sys.exit(0 if a['signatures'][0]['signer'] == 'Dr. A. Reviewer' and a['run_by']['user'] else 1)" ||
    { echo "FAIL: evidence.json lacks the signature"; fails=$((fails + 1)); }
/usr/bin/python3 - "$T/rh/report.md" "$HG.json" <<'PY' || { echo "FAIL: the human-AI team section does not show the stored numbers"; fails=$((fails + 1)); }
import json, re, sys
md = open(sys.argv[1]).read()
g = json.load(open(sys.argv[2]))
sec = md[md.index("#### The human-AI team"):md.index("### 3.4")]
def cell(label):
    m = re.search(r"^\| %s \| ([^|]+) \| ([^|]+) \|" % re.escape(label), sec, re.M)
    return m.group(1).strip(), m.group(2).strip()
o = g["overall"]
assert cell("Override rate of flags")[0] == "%.3f" % o["override_of_flags"]["value"], cell("Override rate of flags")
assert cell("Team sensitivity")[0] == "%.3f" % o["team_sensitivity"]["value"], cell("Team sensitivity")
assert "Acceptance and override by site" in sec and "| east |" in sec
gap = g["groups"]["site"]["override_of_flags_gap"]["value"]
assert ("by %.3f" % gap) in sec, gap
assert "McNemar" in sec
# issue 18: each interval with its method (statsmodels' Wilson and Newcombe are the peers of
# tests/reference/human): a mark in the cell, the legend under the table, evidence.json per cell
ev = json.load(open(sys.argv[1].replace("report.md", "evidence.json")))
t = ev["tables"]["human-team"]
m = {r[0]: mr[2] for r, mr in zip(t["rows"], t["cell_methods"])}
assert m["Override rate of flags"] == "Wilson score" and m["Team sensitivity"] == "Wilson score", m
assert m["Number needed to evaluate"] == "the reciprocal of the PPV's Wilson score bounds", m
assert cell("Override rate of flags")[1].endswith("<sup>a</sup>"), cell("Override rate of flags")
assert "Interval methods (the mark beside each interval): a: Wilson score; b: the reciprocal" in sec, sec[:3000]
lv = ev["tables"]["human-site"]
shown = [mr[4] for r, mr in zip(lv["rows"], lv["cell_methods"]) if isinstance(r[4], list) and r[4][0] is not None]
assert shown and all(x == "Wilson score" for x in shown), lv
PY
run "$V" report --run "$MID" --out "$T/rm" --no-plots
expect_rc 1 "report of a run without decisions (a metrics run: not implementable)"
if grep -q "human-AI team" "$T/rm/report.md"; then echo "FAIL: a human-AI team section without decisions"; fails=$((fails + 1)); fi

# Time to event (issue 16): a label-free survival run's report shows the survival block as
# stored (riskRegression goldens behind it: tests/test_survival.c) and no binary tables.
run "$V" metrics --data tests/reference/survival/moderate.csv --score risk --time time --event event --horizon 5 \
    --group group --format json
expect_rc 0 "survival metrics run stored"
cp "$T/out" "$T/surv.json"
SID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$V" report --run "$SID" --out "$T/rs" --no-plots
expect_rc 1 "report of a survival metrics run (not implementable: no suite)"
/usr/bin/python3 - "$T/rs/report.md" "$T/surv.json" <<'PY' || { echo "FAIL: the time-to-event section does not show the stored numbers"; fails=$((fails + 1)); }
import json, re, sys
md = open(sys.argv[1]).read()
s = json.load(open(sys.argv[2]))["survival"]
sec = md[md.index("#### Time to event at the horizon"):md.index("### 3.4")]
row = re.search(r"^\| time-dependent AUROC \(cumulative/dynamic, IPCW\) \| ([^|]+) \| ([^|]+) \|", sec, re.M)
assert row.group(1).strip() == "%.3f" % s["auc"]["value"], row.group(1)
# the interval, and its method's mark (issue 18: the legend names Score's influence function)
assert row.group(2).strip() == "%.3f to %.3f <sup>a</sup>" % (s["auc"]["ci_low"], s["auc"]["ci_high"]), row.group(2)
assert s["auc"]["ci_method"] == "Wald, se from the influence function (riskRegression::Score)", s["auc"]
assert "a: Wald, se from the influence function (riskRegression::Score)" in sec
assert ("| 5 | %d | %d |" % (s["calibration"]["groups"][4]["n"], s["calibration"]["groups"][4]["events_by_horizon"])) in sec
assert "Time to event by group" in sec and "| b |" in sec
assert "Performance of the candidate" not in md  # no binary table without a label
g = s["calibration"]["groups"]
assert all(len(x["km_curve"]) == 10 and abs(x["km_curve"][-1]["risk"] - x["observed"]) < 1e-12 for x in g)
PY
if command -v gnuplot >/dev/null; then
    run "$V" report --run "$SID" --out "$T/rs2"
    [ -s "$T/rs2/plot-survival-km.svg" ] || { echo "FAIL: no Kaplan-Meier plot in the survival report"; fails=$((fails + 1)); }
fi

# issue 18: the PHI allowance the metrics run was given is shown with its justification
run "$V" report --run "$MID" --out "$T/rphi" --no-plots
grep -q '^| age | none found (the allowance let nothing through) | public-research-cohort |$' "$T/rphi/report.md" ||
    { echo "FAIL: the PHI allowance is not in the report"; fails=$((fails + 1)); }
grep -q "No column was let through the PHI guard" "$T/rs/report.md" ||
    { echo "FAIL: a run without allowances does not say so"; fails=$((fails + 1)); }

# Errors: exit 2 with a clear message, nothing written.
run "$V" report --run 999 --out "$T/r"
expect_rc 2 "missing run"
expect_err "no run 999" "missing run named"
run "$V" report --run 2 --out "$T/r"
expect_rc 0 "a monitor run's report: its night of the record (the stable monitor: quiet)"
grep -q "flchain" "$T/r/report.md" || { echo "FAIL: the monitor night's record names no monitor"; fails=$((fails + 1)); }
/usr/bin/python3 -c "import json,sys; e=json.load(open('$T/r/evidence.json')); sys.exit(0 if 'flchain' in json.dumps(e) else 1)" ||
    { echo "FAIL: the monitor night's evidence.json"; fails=$((fails + 1)); }
rm -rf "$T/r"
run "$V" report --out "$T/r"
expect_rc 2 "--run required"
run "$V" report --run "$MID" --out "$T/r" --db "$T/nope.db"
expect_rc 2 "missing store"
[ ! -e "$T/r" ] || { echo "FAIL: a refused report left $T/r"; fails=$((fails + 1)); }

# A metrics run: written, but NOT IMPLEMENTABLE (no criteria): exit 1.
run "$V" report --run "$MID" --out "$T/r" --format json
expect_rc 1 "metrics report: not implementable"
expect_json "d['run_id'] == $MID and d['kind'] == 'metrics' and d['implementable'] is False and d['audit_ok'] is True" "summary JSON"
for f in report.html report.md evidence.json model-card.xml; do
    [ -s "$T/r/$f" ] || { echo "FAIL: $f not written"; fails=$((fails + 1)); }
done
[ ! -e "$T/r.tmp" ] || { echo "FAIL: $T/r.tmp left behind"; fails=$((fails + 1)); }
grep -q "NOT IMPLEMENTABLE" "$T/r/report.html" || { echo "FAIL: verdict missing"; fails=$((fails + 1)); }
/usr/bin/python3 - "$T/r/evidence.json" "$T/out" <<'PY' || fails=$((fails + 1))
import json, sys
ev = json.load(open(sys.argv[1]))
mon = ev["tables"]["monitoring"]["rows"]
assert len(mon) == 2 and mon[1][8] == "ALARM" and mon[0][8] == "no", mon
assert ev["audit"]["ok"] is True
PY

# Without gnuplot on PATH: still written, a note per plot.
mkdir -p "$T/bin"
run env PATH="$T/bin" "$V" report --run "$MID" --out "$T/nog"
expect_rc 1 "report without gnuplot"
expect_err "plots not drawn" "missing plots said on stderr"
# (a metrics run stores no SHAP importance: that plot's note says so instead)
n=$(grep -o "gnuplot was not found on PATH" "$T/nog/report.html" | wc -l)
[ "$n" -eq 7 ] || { echo "FAIL: $n notes for missing gnuplot, expected 7"; fails=$((fails + 1)); }
grep -q "holds no SHAP importance" "$T/nog/report.html" || { echo "FAIL: no SHAP note"; fails=$((fails + 1)); }
[ "$(grep -c '<svg' "$T/nog/report.html")" -eq 0 ] || { echo "FAIL: SVG without gnuplot"; fails=$((fails + 1)); }
have_gnuplot=0
command -v gnuplot >/dev/null 2>&1 && have_gnuplot=1

# A suite run on the bundled data: the criteria table, the sequestration the run stored (never
# "nan"), each modification's id once in the traceability table, every plot drawn.
run "$V" suite run suites/flchain-v2-vs-v1.json --format json
expect_rc 0 "suite run passes"
SID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$V" report --run "$SID" --out "$T/s" --format json
expect_rc 0 "suite report: implementable"
/usr/bin/python3 -c "import sqlite3,sys; open(sys.argv[3], 'w').write(sqlite3.connect(sys.argv[1]).execute(\"select body from documents where run_id=? and name='result'\", (int(sys.argv[2]),)).fetchone()[0])" \
    "$VIGIL_DB" "$SID" "$T/s.res.json"
expect_json "d['kind'] == 'suite' and d['implementable'] is True and d['criteria'] == 14 and d['criteria_failed'] == 0" \
    "suite summary JSON"
[ "$have_gnuplot" = 0 ] || expect_json "d['plots'] == 8 and d['plots_drawn'] == 8" "every suite plot drawn"
# issue 18: a difference of two p-values is not shown as if it measured something
grep -q '^| Spiegelhalter z-test p | [0-9.]* | [0-9.]* | not a quantity (p-values) |  |$' "$T/s/report.md" ||
    { echo "FAIL: the impact table subtracts p-values: $(grep 'Spiegelhalter' "$T/s/report.md" | head -3)"; fails=$((fails + 1)); }
/usr/bin/python3 - "$T/s" <<'PY' || fails=$((fails + 1))
import json, re, sys
d = sys.argv[1]
ev = json.load(open(d + "/evidence.json"))
crit = ev["tables"]["criteria"]["rows"]
assert len(crit) == 14 and all(r[7] == "PASS" for r in crit), crit
html, md = open(d + "/report.html").read(), open(d + "/report.md").read()
assert "Acceptance criteria (pre-registered in the suite) and results" in html
for t in (html, md):
    m = re.search(r"\bnan\b", t, re.I)
    assert not m, "'nan' in the report: " + t[max(0, m.start() - 80):m.end() + 80]
    assert "M1: M1" not in t, "modification id printed twice"
    assert "differs from the training data" in t and "overlap between the two files is not stored" in t
assert ev["tables"]["traceability"]["rows"][0][0].startswith("M1: the 5-year mortality model")
# issue 18: which method each interval used, stored beside it and shown in the tables: a
# mark in every interval cell, the legend under the table, the method per cell in
# evidence.json; this run's predecessor ECE is a percentile interval (BCa undefined: its
# estimate 0.0045 lies below every replicate), the rest of the bootstrap BCa
res = json.load(open(d + ".res.json"))
pm = res["metrics"]["predecessor"]["calibration"]
assert set(pm["ci_method"]) == {k for k, v in pm["ci"].items() if v[0] is not None}, (pm["ci_method"], pm["ci"])
assert pm["ci_method"]["ece"] == "percentile (BCa undefined: the estimate lies outside every replicate)", pm["ci_method"]
assert pm["ece"] < pm["ci"]["ece"][0], (pm["ece"], pm["ci"]["ece"])
assert res["metrics"]["candidate"]["calibration"]["ci_method"]["ece"] == "BCa"
assert res["metrics"]["candidate"]["threshold"]["ci_method"] == "Wilson score"
perf = ev["tables"]["performance"]
cm = perf["cell_methods"]
for r, mr in zip(perf["rows"], cm):
    for k in (2, 4):  # candidate and predecessor 95% CI
        assert (isinstance(r[k], list) and r[k][0] is not None) == (mr[k] is not None), (r, mr)
ece = [mr for r, mr in zip(perf["rows"], cm) if r[0].startswith("ECE (10 equal-width")][0]
assert ece[2] == "BCa" and ece[4].startswith("percentile (BCa undefined"), ece
ptab = html[html.index('id="t-performance"'):]
ptab, after = ptab[:ptab.index("</table>")], ptab[ptab.index("</table>"):][:1500]
assert ptab.count('<sup class="m">') == sum(m is not None for mr in cm for m in mr), ptab[:500]
assert "percentile bootstrap (BCa undefined: the estimate lies outside every replicate)" in after, after
assert "BCa bootstrap (bias-corrected and accelerated)" in after and "Wilson score" in after and "DeLong" in after, after
crit = {r[0]: r[6] for r in ev["tables"]["criteria"]["rows"]}
assert crit["Calibration slope"] == "bootstrap: BCa" and crit["AUROC gap by sex"] == "largest gap; bootstrap CI: BCa", crit
dis = ev["tables"]["disparities-sex"]
assert all(m is not None for r, mr in zip(dis["rows"], dis["cell_methods"]) for k, m in enumerate(mr) if k in (2, 4, 6) and isinstance(r[k], list) and r[k][0] is not None)
# issue 18: the PHI allowance with the kind of identifier the guard found (ages over 89, in the
# test and the training file) and the reason
pa = ev["phi_allowances"]
assert [(a["column"], a["kind"]) for a in pa] == [("age", "an age over 89 (by its values, in the test data and the training data)")], pa
assert pa[0]["justification"].startswith("flchain/nafld1 are public research cohorts"), pa
# issue 18: a disparity the engine does not give says why (a withheld level), under a readable
# name, never a bare "undefined"
dis = ev["tables"]["disparities-age_band"]["rows"]
assert any(r[0] == "Demographic parity difference" for r in dis), [r[0] for r in dis]
sec = html[html.index('id="t-disparities-age_band"'):]
sec = sec[:sec.index("</table>")]
assert "undefined (note 1)" in sec and "<td>undefined</td>" not in sec, sec[:2000]
# the reason is stated once under the table, not in every cell (it made the table wider than
# the printed page, clipping the predecessor's columns)
after = html[html.index('id="t-disparities-age_band"'):]
after = after[after.index("</table>"):][:3000]  # after the legend of its intervals and the dagger note
assert "Note 1: level &#39;80+&#39; is withheld (cell-size policy)" in after, after
assert all(len(c) < 40 for r in dis for c in r if isinstance(c, str)), dis
# calibration_gap is the CITL gap: one row, not the same number twice
assert sum(r[0].startswith("CITL gap") or r[0].startswith("Calibration gap") for r in dis) == 1, [r[0] for r in dis]
# a level's paired difference that the cell-size policy withholds says so (not "withheld or undefined")
lvl = ev["tables"]["impact-levels-age_band"]["rows"]
assert all("withheld or undefined" not in c for r in lvl for c in r), lvl
assert any(c == "suppressed (cell-size policy)" for r in lvl for c in r), lvl
sg = html[html.index('id="t-subgroup-age_band"'):]
sg = sg[:sg.index("</table>")]
row80 = sg[sg.index("<td>80+</td>"):]
row80 = row80[:row80.index("</tr>")]
assert '<td class="sup" colspan="2">suppressed (cell-size policy)</td>' in row80 and "undefined" not in row80, row80
# an interval that does not contain its estimate is marked and explained under its table
# (demographic parity difference 0.0003 with BCa interval 0.0000 to 0.0001 on this run)
sx = html[html.index('id="t-disparities-sex"'):]
sx_tab, sx_after = sx[:sx.index("</table>")], sx[sx.index("</table>"):][:1500]
dpd = [r for r in ev["tables"]["disparities-sex"]["rows"] if r[0] == "Demographic parity difference"][0]
assert not (dpd[2][0] <= dpd[1] <= dpd[2][1]) and "0.0000 to 0.0001 \u2020" in sx_tab, (dpd, sx_tab[:1500])
assert "\u2020 This interval does not contain its estimate" in sx_after, sx_after
# the suite's report has the missing-value table too (the models' features), the counts as
# pandas 1.5.3 counts them (creatinine: 554 of 3,072 missing in test.csv)
miss = {r[0]: r[1] for r in ev["tables"]["missingness"]["rows"]}
assert miss["creatinine"] == 554 and miss["age"] == 0 and set(miss) == {"age", "male", "kappa", "lambda", "creatinine", "mgus"}, miss
# one number of digits per metric (the catalogue's): a level's AUROC difference has the AUROC's
# three decimals here as in the performance table, the Brier's four; never "-0.000"
lvs = ev["tables"]["impact-levels-sex"]["rows"]
assert all(re.fullmatch(r"-?\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\]", r[1]) and re.fullmatch(r"-?\d\.\d{4} \[.*\]", r[2]) for r in lvs), lvs
assert not any(c.startswith("-0.000 ") or "[-0.000," in c for r in lvs for c in r), lvs
cmp_rows = ev["tables"]["comparison"]["rows"]
assert [r[0] for r in cmp_rows] == ["AUROC (DeLong CI)", "Brier score"], cmp_rows
# the impact assessment: every metric with a paired interval (not just the criteria's), and
# candidate minus predecessor within each subgroup level
imp = ev["tables"]["impact-metrics"]["rows"]
brier = [r for r in imp if r[0] == "Brier score"][0]
assert isinstance(brier[4], list) and brier[4][0] < brier[3] < brier[4][1], brier
ece = [r for r in imp if r[0].startswith("ECE (10 equal-width")][0]
assert isinstance(ece[4], list) and len(ece[4]) == 2, ece
assert ev["test_set"]["n"] == 3072 and 0 < ev["test_set"]["prevalence"] < 1 and ev["test_set"]["threshold"] == 0.2, ev["test_set"]
lv = ev["tables"]["impact-levels-sex"]["rows"]
assert [r[0] for r in lv] == ["F", "M"] and all("[" in c for r in lv for c in r[1:]), lv
PY

# Strings from the case file never run as gnuplot commands. A copy of the test set whose sex
# level F and group column age_band try to end gnuplot's quotes, use backquotes, a macro, new
# lines and a datablock end; the suite and its report run, nothing is executed, and the report
# is written with every plot, the names shown as text (cut to 40 bytes in the plots).
/usr/bin/python3 - "$ROOT" "$T" <<'PY'
import csv, json, sys
root, t = sys.argv[1:]
level = "F' . system('touch %s/pwned1') . '`touch %s/pwned2`\n@m\r\nEOD\n!touch %s/pwned3\n" % (t, t, t)
group = "age_band\" . system(\"touch %s/pwned4\") . \"'`touch %s/pwned5`" % (t, t)
rows = list(csv.reader(open(root + "/datasets/flchain/test.csv", newline="")))
sex, band = rows[0].index("sex"), rows[0].index("age_band")
rows[0][band] = group
for r in rows[1:]:
    if r[sex] == "F":
        r[sex] = level
csv.writer(open(t + "/evil.csv", "w", newline="")).writerows(rows)
s = json.load(open(root + "/suites/flchain-v2-vs-v1.json"))
s["model"] = {k: root + "/datasets/models/" + v.split("/")[-1] for k, v in s["model"].items()}
s["data"]["path"] = t + "/evil.csv"
s["data"]["columns"]["groups"] = ["sex", group]
s["training_data"]["path"] = root + "/datasets/flchain/train.csv"
for c in s["criteria"]:
    if c.get("scope", {}).get("group") == "age_band":
        c["scope"]["group"] = group
json.dump(s, open(t + "/evil.json", "w"), indent=1)
PY
run "$V" suite run "$T/evil.json" --format json
expect_rc 0 "suite run on hostile subgroup names"
EID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$V" report --run "$EID" --out "$T/e" --format json
expect_rc 0 "report on hostile subgroup names"
[ "$have_gnuplot" = 0 ] || expect_json "d['plots'] == 8 and d['plots_drawn'] == 8" "every plot drawn despite hostile names"
for i in 1 2 3 4 5; do
    [ ! -e "$T/pwned$i" ] || { echo "FAIL: a subgroup name ran a command through gnuplot (pwned$i)"; fails=$((fails + 1)); }
done
if [ "$have_gnuplot" = 1 ]; then
    for f in forest shap; do
        grep -qF "sex=F' . system('touch " "$T/e/plot-$f.svg" ||
            { echo "FAIL: plot-$f.svg does not show the hostile level as text"; fails=$((fails + 1)); }
    done
fi

# Model card against the committed XSD. The schema imports xmldsig from the network for its
# optional ds:Signature element; we never sign, so the local copy drops that import and element.
if ! command -v xmllint >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y libxml2-utils >/dev/null 2>&1
fi
if command -v xmllint >/dev/null 2>&1; then
    sed -e '/xmldsig-core-schema.xsd/d' -e '/ref="ds:Signature"/d' tests/report/chai-mc-v0.2.xsd > "$T/mc.xsd"
    if ! xmllint --nonet --noout --schema "$T/mc.xsd" "$T/r/model-card.xml" 2>"$T/xerr"; then
        echo "FAIL: model-card.xml does not validate: $(head -c 800 "$T/xerr")"
        fails=$((fails + 1))
    fi
else
    echo "SKIP: xmllint missing and not root: model card not validated"
fi

# Headless Chromium: the page renders, its text is there, every plot has a nonzero size.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y chromium >/dev/null 2>&1
fi
# render DIR N [PLOT]: DIR/report.html renders with its text, N figures have an SVG of nonzero
# size, and figure PLOT (when given) has none.
render() {
    cat > "$T/probe.html" <<HTML
<!DOCTYPE html><html><body><pre id="o"></pre><iframe id="f" src="file://$1/report.html" style="width:1100px;height:900px"></iframe>
<script>
document.getElementById('f').onload = function () {
  var d = this.contentDocument, out = [];
  d.querySelectorAll('figure.plot').forEach(function (f) {
    var s = f.querySelector('svg'), r = s ? s.getBoundingClientRect() : null;
    out.push('PLOT ' + f.id + ' ' + (r ? Math.round(r.width) + 'x' + Math.round(r.height) : 'none'));
  });
  out.push('TEXT ' + (d.body.innerText.indexOf('Modification Protocol') >= 0 ? 'ok' : 'missing'));
  document.getElementById('o').textContent = out.join('\n');
};
</script></body></html>
HTML
    timeout 60 chromium --headless --no-sandbox --disable-gpu --allow-file-access-from-files \
        --virtual-time-budget=5000 --dump-dom "file://$T/probe.html" >"$T/dom" 2>/dev/null
    np=$(grep -oE 'PLOT plot-[a-z0-9-]+ [1-9][0-9]*x[1-9][0-9]*' "$T/dom" | wc -l)
    if [ "$np" -ne "$2" ] || { [ -n "$3" ] && ! grep -q "PLOT plot-$3 none" "$T/dom"; } || ! grep -q 'TEXT ok' "$T/dom"; then
        echo "FAIL: chromium rendered $np of $2 plots of $1/report.html with a nonzero size"
        grep -E '^(PLOT|TEXT)' "$T/dom" | head
        fails=$((fails + 1))
    fi
}
if command -v chromium >/dev/null 2>&1 && command -v gnuplot >/dev/null 2>&1; then
    render "$T/r" 7 shap # a metrics run stores no SHAP importance
    render "$T/s" 8
    render "$T/e" 8
    timeout 60 chromium --headless --no-sandbox --disable-gpu --screenshot="$T/shot.png" \
        --window-size=1100,1400 "file://$T/r/report.html" >/dev/null 2>&1
    [ -s "$T/shot.png" ] || { echo "FAIL: no screenshot"; fails=$((fails + 1)); }
    # Printed as a reviewer would: report.pdf through headless Chromium, small (solid fills),
    # and in its text (pdftotext -layout) no criterion's observed value, CI or verdict is split
    # across lines, and no 'nan'.
    run "$V" report --run "$SID" --out "$T/p" --pdf --format json
    expect_rc 0 "report --pdf"
    expect_json "'report.pdf' in d['files']" "report.pdf listed"
    sz=$(stat -c %s "$T/p/report.pdf" 2>/dev/null || echo 0)
    [ "$sz" -gt 10000 ] && [ "$sz" -lt 3000000 ] || { echo "FAIL: report.pdf is $sz bytes"; fails=$((fails + 1)); }
    if command -v pdftotext >/dev/null 2>&1; then
        pdftotext -layout "$T/p/report.pdf" "$T/p.txt"
        /usr/bin/python3 - "$T/p" "$T/p.txt" <<'PY' || fails=$((fails + 1))
import json, re, sys
text = open(sys.argv[2], encoding="utf-8").read()
lines = text.split("\n")
m = re.search(r"\bnan\b", text, re.I)
assert not m, "'nan' in the PDF: " + text[max(0, m.start() - 80):m.end() + 80]
html = open(sys.argv[1] + "/report.html", encoding="utf-8").read()
cells = re.findall(r'<table id="t-criteria">.*?</table>', html, re.S)[0]
rows = [r for r in re.findall(r"<tr>(.*?)</tr>", cells, re.S) if "<td" in r]
assert len(rows) == 14, len(rows)
for r in rows:
    tds = re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
    for cell in (tds[4], tds[5], tds[7]):  # observed, 95% CI, verdict
        assert any(cell in ln for ln in lines), "split across lines in the PDF: %r" % cell
PY
        # issue 18, as a reviewer reads the paper: no page ends with a heading, a table caption
        # or a header row (their table on the next page), page 1 is more than the contents, and
        # no bare "undefined" or dash in a cell; the bundled suites and the metrics run
        /usr/bin/python3 tests/cli/report_pages.py "$T/p" "$T/p.txt" || fails=$((fails + 1))
        for s in nafld1-v2-vs-v1 sepsis-logs flchain-5y-survival; do
            run "$V" suite run "suites/$s.json" --format json
            pid=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
            run "$V" report --run "$pid" --out "$T/p-$s" --pdf
            pdftotext -layout "$T/p-$s/report.pdf" "$T/p-$s.txt"
            /usr/bin/python3 tests/cli/report_pages.py "$T/p-$s" "$T/p-$s.txt" || { echo "  ($s)"; fails=$((fails + 1)); }
        done
        run "$V" report --run "$MID" --out "$T/p-m" --pdf
        pdftotext -layout "$T/p-m/report.pdf" "$T/p-m.txt"
        /usr/bin/python3 tests/cli/report_pages.py "$T/p-m" "$T/p-m.txt" || { echo "  (metrics run)"; fails=$((fails + 1)); }
    else
        echo "SKIP: pdftotext missing: PDF text not checked"
    fi
else
    echo "SKIP: chromium or gnuplot missing and not installable: report.html not rendered"
fi
# issue 18, plots from the stored run: the calibration figure (the stored lowess calibration
# curve over the reliability bins, above a histogram of predicted risk, overall and one figure
# per group column), drawn only from what the store holds: every level with a bin the
# cell-size policy lets through is a series, a level with none is not; a level's curve is
# drawn exactly when the run stored one (none where its prevalence is withheld); the note
# says what the curve is.
stored() { # stored RUN_ID OUT: the run's stored result document
    /usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select body from documents where run_id=? and name='result'\", (int(sys.argv[2]),)).fetchone()[0])" \
        "$VIGIL_DB" "$1" >"$2"
}
stored "$SID" "$T/sres.json"
grep -q "the smooth calibration curve of each model (lowess(p, y, iter = 0) as rms val.prob draws it" "$T/s/report.html" ||
    { echo "FAIL: the calibration note does not say what the lowess curve is"; fails=$((fails + 1)); }
grep -q "in ten equal-count bins (each about a tenth of the cases" "$T/s/report.html" ||
    { echo "FAIL: the calibration note does not say that the bins are equal-count"; fails=$((fails + 1)); }
if [ "$have_gnuplot" = 1 ]; then
    /usr/bin/python3 - "$T/s" "$T/sres.json" <<'PY' || { echo "FAIL: the calibration figures do not show the stored bins and curves"; fails=$((fails + 1)); }
import json, sys
d, res = sys.argv[1], json.load(open(sys.argv[2]))
# the drift timeline: one line per monitor (the two monitors of this store), never one line
# joining their runs
dr = open(d + "/plot-drift.svg").read()
assert ">flchain-stable<" in dr and ">flchain-temporal<" in dr and "one line per monitor" in dr, dr[:400]
rel = open(d + "/plot-reliability.svg").read()
assert "Cases in bin" in rel and "Observed event rate" in rel, "no histogram panel under the reliability bins"
assert ">candidate: lowess<" in rel and ">predecessor: lowess<" in rel, "no lowess curve in the calibration figure"
assert "10 equal-count, Wilson 95% CI" in rel, "the calibration figure does not draw the equal-count bins"
groups = res["metrics"]["candidate"]["subgroups"]
curves = 0
for i, (g, gv) in enumerate(groups.items(), 1):
    svg = open("%s/plot-calibration-group-%d.svg" % (d, i)).read()
    assert ("Calibration by " + g) in svg and "Share of the level" in svg and "over equal-count bins" in svg, g
    for lv, x in gv["levels"].items():
        cal = x.get("calibration") or {}
        shown = not x["suppressed"] and (any(b["observed"] is not None for b in cal["reliability_quantile"]) or
                                         any(b["n"] for b in cal["reliability"]) or bool(cal["lowess_curve"]))
        assert (">%s<" % lv in svg) == shown, (g, lv, shown)
        curve = shown and bool(x["calibration"]["lowess_curve"])
        assert (">%s: lowess<" % lv in svg) == curve, (g, lv, curve)
        curves += curve
assert curves >= 2, curves
PY
    grep -qF "F' . system('touch " "$T/e/plot-calibration-group-1.svg" ||
        { echo "FAIL: the per-level calibration figure does not show the hostile level as text"; fails=$((fails + 1)); }
fi
# issue 18: the ROC plot's key gives each model's stored AUROC and DeLong CI (the catalogue's 3
# digits); the stored pointwise band (discrimination.roc_band) is drawn, and the note says what it is.
grep -q "pointwise 95% interval of the sensitivity at specificities 0, 0.1" "$T/s/report.html" ||
    { echo "FAIL: the ROC note does not say what the band is"; fails=$((fails + 1)); }
if [ "$have_gnuplot" = 1 ]; then
    /usr/bin/python3 - "$T/s/plot-roc.svg" "$T/sres.json" <<'PY' || { echo "FAIL: the ROC key lacks the stored AUROC and CI"; fails=$((fails + 1)); }
import json, sys
svg, res = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
for m in ("candidate", "predecessor"):
    a = res["metrics"][m]["discrimination"]["auroc"]
    key = "%s: %.3f (%.3f to %.3f)" % (m, a["value"], a["ci_low"], a["ci_high"])
    assert key in svg, key
assert "AUROC (DeLong 95% CI)" in svg
band = [b for b in res["metrics"]["candidate"]["discrimination"]["roc_band"] if b["ci_low"] is not None]
assert len(band) >= 5 and ">pointwise 95% band<" in svg, len(band)
PY
fi
# issue 18: the decision curve's threshold range. By default from 0 to twice the last stored
# threshold where treating everyone pays (past the operating threshold 0.2), stated in the note;
# --dca-range draws the range asked for; a range the stored grid does not cover falls back to
# the stored range, and the note says so.
/usr/bin/python3 - "$T/s/evidence.json" "$T/sres.json" "$T/s/report.html" <<'PY' || { echo "FAIL: the default decision-curve range"; fails=$((fails + 1)); }
import json, sys
ev, res, html = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), open(sys.argv[3]).read()
nb = res["metrics"]["candidate"]["net_benefit"]
pays = max(t for t, a in zip(nb["thresholds"], nb["treat_all"]) if a is not None and a > 0)
high = min(max(2 * pays, 1.25 * 0.2), max(nb["thresholds"]))
dc = ev["decision_curve"]
assert dc["low"] == 0 and abs(dc["high"] - high) < 1e-12 and dc["asked"] is False, (dc, high)
assert ("treating everyone has a positive net benefit up to %g" % pays) in html
PY
run "$V" report --run "$SID" --out "$T/dca" --dca-range 0.05:0.5 --format json
expect_rc 0 "report with --dca-range"
expect_json "True" "report with --dca-range prints JSON"
/usr/bin/python3 -c "
import json, sys
ev = json.load(open('$T/dca/evidence.json'))['decision_curve']
sys.exit(0 if ev == {'low': 0.05, 'high': 0.5, 'asked': True} else 1)" || { echo "FAIL: --dca-range 0.05:0.5 not drawn"; fails=$((fails + 1)); }
grep -q "thresholds 0.05 to 0.5, as asked for" "$T/dca/report.html" || { echo "FAIL: the asked range is not stated"; fails=$((fails + 1)); }
if [ "$have_gnuplot" = 1 ]; then
    grep -q "<text> 0.5</text>" "$T/dca/plot-decision.svg" && ! grep -qE "<text> 0.(55|6)</text>" "$T/dca/plot-decision.svg" ||
        { echo "FAIL: the decision curve is not drawn to 0.5"; fails=$((fails + 1)); }
fi
run "$V" report --run "$SID" --out "$T/dca2" --dca-range 0.995:1
expect_rc 0 "report with a range outside the stored thresholds"
grep -q "holds fewer than two of the stored thresholds (0.01 to 0.99), so the stored range is drawn" "$T/dca2/report.html" ||
    { echo "FAIL: the fallback to the stored range is not stated"; fails=$((fails + 1)); }
# issue 18: confusion counts at each stored operating threshold, from the stored rates only,
# against scikit-learn's confusion_matrix (tests/reference/confusion_ref.py); at 0.9 a cell
# holds fewer than 11 cases, so the whole row is withheld and none of its counts is printed.
run "$V" metrics --data datasets/flchain/test.csv --score score --label death_5y --threshold 0.2 --threshold 0.9 \
    --bootstrap 0 --allow-column age=public-research-cohort --format json
expect_rc 0 "metrics run at two thresholds"
CID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$V" report --run "$CID" --out "$T/rc" --no-plots
expect_rc 1 "report of the two-threshold metrics run"
/usr/bin/python3 - "$T/rc" tests/reference/confusion/flchain_test.json <<'PY' || { echo "FAIL: the confusion table does not match scikit-learn"; fails=$((fails + 1)); }
import json, re, sys
d, ref = sys.argv[1], json.load(open(sys.argv[2]))["thresholds"]
rows = json.load(open(d + "/evidence.json"))["tables"]["confusion"]["rows"]
assert len(rows) == 2, rows
g = ref["0.2"]
assert rows[0] == ["candidate", "0.2", g["tp"], g["fp"], g["fn"], g["tn"], g["n"]], rows[0]
assert min(ref["0.9"][k] for k in ("tp", "fp", "fn", "tn")) < 11
assert rows[1][:2] == ["candidate", "0.9"] and rows[1][2:6] == [None] * 4, rows[1]
md = open(d + "/report.md").read()
row = re.search(r"^\| candidate \| 0\.9 \|.*$", md, re.M).group(0)
assert row.count("suppressed (cell-size policy)") == 4, row
for k in ("tp", "fp", "fn", "tn"):
    v = ref["0.9"][k]
    if 1 <= v <= 10:
        assert not re.search(r"\| %d \|" % v, row), row
PY
# issue 18: the model card's developer, contact, intended use, out-of-scope use and warnings
# come from the suite's $.pccp keys (XML-escaped, the card still valid against the XSD); a suite
# without them says they are not recorded.
/usr/bin/python3 - "$T/human.json" "$T/card.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["pccp"] = {"developer": "Mayo & Partners <AI Lab>", "contact": "ai-safety@example.org",
             "intended_use": "Flags adults at high 5-year risk for review by a clinician.",
             "out_of_scope": "Children; patients on dialysis.", "warnings": "Not validated outside Olmsted County."}
json.dump(s, open(sys.argv[2], "w"))
PY
run "$V" suite run "$T/card.json" --format json
expect_rc 0 "suite with model-card keys"
KID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$V" report --run "$KID" --out "$T/rk" --no-plots
expect_rc 0 "report of the suite with model-card keys"
/usr/bin/python3 - "$T/rk/model-card.xml" "$T/rh/model-card.xml" <<'PY' || { echo "FAIL: the model card does not carry the suite's keys"; fails=$((fails + 1)); }
import sys, xml.etree.ElementTree as ET
ns = {"m": "https://mc.chai.org/v0.2/schema.xsd"}
card, plain = ET.parse(sys.argv[1]).getroot(), ET.parse(sys.argv[2]).getroot()
def el(r, tag): return r.find(".//m:" + tag, ns).text
assert el(card, "ModelDeveloper") == "Mayo & Partners <AI Lab>"
assert el(card, "DeveloperContact") == "ai-safety@example.org"
assert el(card, "IntendedUseAndWorkflow") == "Flags adults at high 5-year risk for review by a clinician."
assert el(card, "CautionedOutOfScopeSettings") == "Children; patients on dialysis."
assert el(card, "KnownRisksAndLimitations").startswith("Not validated outside Olmsted County. 0 of 1 acceptance")
assert el(plain, "ModelDeveloper") == "Not recorded in the stored run"
assert el(plain, "DeveloperContact") == "Not recorded in the stored run"
PY
if command -v xmllint >/dev/null 2>&1; then
    xmllint --nonet --noout --schema "$T/mc.xsd" "$T/rk/model-card.xml" 2>"$T/xerr" ||
        { echo "FAIL: the model card with suite keys does not validate: $(head -c 400 "$T/xerr")"; fails=$((fails + 1)); }
fi
# issue 18: no table cell of any report above reads a bare "undefined" or dash: each says why
# (withheld cells "suppressed (cell-size policy)", a JSON input's rows "not applicable (a JSON
# document)", a p-value's interval "not applicable (a test p-value)")
/usr/bin/python3 - "$T" <<'PY' || fails=$((fails + 1))
import glob, re, sys
n = 0
for f in sorted(glob.glob(sys.argv[1] + "/*/report.html")):
    n += 1
    for m in re.finditer(r"<td[^>]*>\s*(undefined|\u2014|-)\s*</td>", open(f, encoding="utf-8").read()):
        print("FAIL: a bare %r cell in %s" % (m.group(1), f))
        sys.exit(1)
assert n >= 8, n
PY
# issue 18: a key below the plot no longer overlaps the axis label (gnuplot's own bottom margin
# put the key's first line 14 px under the label's baseline, on top of it; two 13-px lines apart
# at least now).
if [ "$have_gnuplot" = 1 ]; then
    /usr/bin/python3 - "$T/s/plot-decision.svg" <<'PY' || { echo "FAIL: the decision curve's key overlaps its axis label"; fails=$((fails + 1)); }
import re, sys
svg = open(sys.argv[1]).read()
def y(text):
    return float(re.search(r'translate\([\d.]+,([\d.]+)\)[^>]*>\s*<text>%s</text>' % re.escape(text), svg).group(1))
assert y("treat none") - y("Threshold probability") >= 26, (y("treat none"), y("Threshold probability"))
PY
fi
finish
