#!/bin/sh
# vigil monitor export NAME --format openmetrics|csv (issue 17): the record for dashboards.
# The OpenMetrics text is checked by two peers: Debian's promtool (prometheus 2.42, `check
# metrics`; skipped when not installed: apt-get install prometheus) and the strict OpenMetrics
# parser of prometheus_client (Debian python3-prometheus-client 0.16; skipped when absent), and
# always by the grammar check below. Every value must be the stored night's own.
. "$(dirname "$0")/lib.sh"
V=${VIGIL:-$ROOT/build/vigil}
cd "$T"
/usr/bin/python3 "$ROOT/tests/cli/monitor_feed.py"
for d in 17 16 10 11 12 13 15; do
    run "$V" monitor run night.json --now 2026-02-$d --format json
    cp out "n$d.json"
done
# a hostile feature name (quote, backslash) and a tiny window (5 cases: a small cell)
/usr/bin/python3 - <<'PY'
rows = open("feed.csv").read().splitlines()
with open("hostile.csv", "w") as f:
    f.write(rows[0].replace(",lab,", ',"la""b\\\\c",') + "\n")
    day10 = [r for r in rows[1:] if r.startswith("2026-02-10")][:5]
    f.write("\n".join([r for r in rows[1:] if r < "2026-02"] + day10) + "\n")
PY
sed 's/"name": "night"/"name": "hostile"/; s/"feed.csv"/"hostile.csv"/; s/"lab"/"la\\"b\\\\\\\\c"/; s/"min_samples": 20/"min_samples": 2/' night.json > hostile.json
run "$V" monitor run hostile.json --now 2026-02-10 --format json
cp out hostile_night.json
expect_json "d['windows']['current']['n'] == 5 and 'la\"b\\\\\\\\c' in d['features']" "the hostile night ran"

# OpenMetrics: the grammar, the peers, the values
check_om() { # FILE: the OpenMetrics grammar (the subset vigil writes), strictly
    /usr/bin/python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
assert text.endswith("# EOF\n") and text.count("# EOF") == 1, "must end with one '# EOF'"
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
lv = r'"(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r"^(%s)\{(%s=%s(?:,%s=%s)*)\} (\S+)$" % (name, name, lv, name, lv))
fams, cur, seen = {}, None, set()
for line in text.splitlines()[:-1]:
    m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % name, line)
    if m:
        kind, fam, rest = m.groups()
        if fam != cur:
            assert fam not in fams, "family %s not contiguous" % fam
            fams[fam] = set(); cur = fam
        assert kind not in fams[fam], "two %s lines for %s" % (kind, fam)
        fams[fam].add(kind)
        if kind == "TYPE": assert rest == "gauge", line
        continue
    assert not line.startswith("#"), "a comment OpenMetrics does not allow: " + line
    m = sample.match(line)
    assert m, "not a sample: " + line
    assert m.group(1) == cur, "sample outside its family: " + line
    assert m.group(1) + "{" + m.group(2) + "}" not in seen, "duplicate sample " + line
    seen.add(m.group(1) + "{" + m.group(2) + "}")
    v = m.group(3)
    assert v in ("NaN", "+Inf", "-Inf") or float(v) == float(v), line
assert all(k == {"HELP", "TYPE"} for k in fams.values()), fams
PY
}
peers_om() { # FILE: promtool and prometheus_client, where installed
    if command -v promtool >/dev/null 2>&1; then
        promtool check metrics < "$1" > "$T/promtool.out" 2>&1 \
            || { echo "FAIL: promtool check metrics: $(cat "$T/promtool.out")"; fails=$((fails + 1)); }
    else
        echo "note: promtool not installed (apt-get install prometheus); the grammar check stands in"
    fi
    if /usr/bin/python3 -c "import prometheus_client.openmetrics.parser" 2>/dev/null; then
        /usr/bin/python3 -c "
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as p
fams = list(p(open(sys.argv[1]).read()))
assert fams and all(f.type == 'gauge' for f in fams), [f.type for f in fams]" "$1" \
            || { echo "FAIL: prometheus_client's OpenMetrics parser refused $1"; fails=$((fails + 1)); }
    fi
}

run "$V" monitor export night --format openmetrics
expect_rc 0 "openmetrics export"
cp out night.om
check_om night.om || { echo "FAIL: the OpenMetrics grammar"; fails=$((fails + 1)); }
peers_om night.om
/usr/bin/python3 - "$T" <<'PY' || { echo "FAIL: the exported values are not the stored night's"; fails=$((fails + 1)); }
import json, os, re, sys, datetime
T = sys.argv[1]
text = open(os.path.join(T, "night.om")).read()
def samples(name):
    out = {}
    for m in re.finditer(r"^%s\{([^}]*)\} (\S+)$" % name, text, re.M):
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1)))
        out[tuple(sorted(labels.items()))] = float(m.group(2))
    return out
def one(name):
    s = samples(name)
    assert len(s) == 1, (name, s)
    (labels, v), = s.items()
    assert dict(labels)["monitor"] == "night", labels
    return v
s = json.load(open(os.path.join(T, "n17.json")))  # the latest night by window (stored first)
runs = [json.load(open(os.path.join(T, "n%d.json" % d))) for d in (17, 16, 10, 11, 13, 15)]
assert one("vigil_monitor_night_run_id") == s["run_id"]
(lab, _), = samples("vigil_monitor_night_run_id").items()
assert dict(lab)["window"] == "2026-02-17..2026-02-17", lab
assert one("vigil_monitor_night_window_end_timestamp_seconds") == datetime.datetime(2026, 2, 17, tzinfo=datetime.timezone.utc).timestamp()
assert one("vigil_monitor_alarm") == (1 if s["alarm"] else 0) and one("vigil_monitor_alarms") == len(s["alarms"])
assert one("vigil_monitor_cases") == s["windows"]["current"]["n"]
assert one("vigil_monitor_cusum_statistic") == s["cusum"]["max"] and one("vigil_monitor_cusum_limit") == s["cusum"]["limit"]
assert one("vigil_monitor_prediction_effect") == s["prediction"]["effect"]
# label drift under the cell-size rule: a withheld night has the family and no sample
if "withheld" in s["label"]:
    assert samples("vigil_monitor_label_drift_p") == {} and s["label"]["p"] is None, s["label"]
else:
    assert one("vigil_monitor_label_drift_p") == s["label"]["p"]
assert one("vigil_monitor_nights_failed") == 1 and one("vigil_monitor_nights_missing") == 1
assert one("vigil_monitor_audit_ok") == 1
# the latest run stored is the 15th (quiet, completed): not failed
assert one("vigil_monitor_last_run_failed") == 0
eff, pa, dr = samples("vigil_monitor_feature_effect"), samples("vigil_monitor_feature_p_adjusted"), samples("vigil_monitor_feature_drift")
assert len(eff) == len(pa) == len(dr) == len(s["features"]) == 4
for name, f in s["features"].items():
    assert eff[(("feature", name), ("measure", f["effect_name"]), ("monitor", "night"))] == f["effect"], name
    assert pa[(("feature", name), ("monitor", "night"))] == f["p_adjusted"], name
    assert dr[(("feature", name), ("monitor", "night"))] == (1 if f["drift"] else 0), name
PY

# a stalled last run: last_run_failed 1; the gauges still show the latest completed night
run "$V" monitor run night.json --now 2026-02-12
expect_rc 2 "a second stalled night"
run "$V" monitor export night --format openmetrics
expect_out 'vigil_monitor_last_run_failed{monitor="night"} 1' "the latest run failed"
expect_out 'vigil_monitor_nights_failed{monitor="night"} 2' "two failed nights"
expect_out 'vigil_monitor_night_run_id{monitor="night",window="2026-02-17..2026-02-17"} ' "still the 17th's results"

# hostile names escaped; a small cell withheld (no cases sample at all)
run "$V" monitor export hostile --format openmetrics --out hostile.om
expect_rc 0 "--out"
[ -s hostile.om ] && [ ! -s out ] || { echo "FAIL: --out did not write the file alone"; fails=$((fails + 1)); }
check_om hostile.om || { echo "FAIL: the OpenMetrics grammar with a hostile name"; fails=$((fails + 1)); }
peers_om hostile.om
grep -qF 'feature="la\"b\\\\c"' hostile.om || { echo "FAIL: the feature name's escapes: $(grep la hostile.om)"; fails=$((fails + 1)); }
grep -q '^vigil_monitor_cases{' hostile.om && { echo "FAIL: 5 cases exported"; fails=$((fails + 1)); }
grep -q '^# HELP vigil_monitor_cases ' hostile.om || { echo "FAIL: the withheld family is not declared"; fails=$((fails + 1)); }
if /usr/bin/python3 -c "import prometheus_client.openmetrics.parser" 2>/dev/null; then
    /usr/bin/python3 - <<'PY' || { echo "FAIL: the parsed hostile name"; fails=$((fails + 1)); }
from prometheus_client.openmetrics.parser import text_string_to_metric_families as p
names = {s.labels.get('feature') for f in p(open('hostile.om').read()) for s in f.samples}
assert 'la"b\\\\c' in names, names
PY
fi

# the record report of the same monitor: the name escaped by the report's one escaper
run "$V" report --monitor hostile --out hrep
/usr/bin/python3 - <<'PY' || { echo "FAIL: the hostile name in the monitor report"; fails=$((fails + 1)); }
import json, re
html = open("hrep/report.html").read()
text = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)  # gnuplot's SVG text nodes may hold a bare quote
assert 'la&quot;b\\\\c' in text and 'la"b' not in text, "the name is not escaped in report.html"
assert "<title>vigil drift monitor record: hostile</title>" in html, "the page's title"
ev = json.load(open("hrep/evidence.json"))
names = {r[2] for r in ev["tables"]["features"]["rows"]}
assert 'la"b\\\\c' in names, names
PY

# CSV: every night in window order, a row per feature, the failed and missing nights
run "$V" monitor export night --format csv --out night.csv
expect_rc 0 "csv export"
/usr/bin/python3 - "$T" <<'PY' || { echo "FAIL: the CSV export"; fails=$((fails + 1)); }
import csv, json, os, sys
T = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(T, "night.csv"))))
ends = []
for r in rows:
    if not ends or ends[-1] != (r["window_end"], r["run_id"]): ends.append((r["window_end"], r["run_id"]))
assert [e for e, _ in ends] == ["2026-02-10", "2026-02-11", "2026-02-12", "2026-02-12", "2026-02-13", "2026-02-14",
                                "2026-02-15", "2026-02-16", "2026-02-17"], ends
missing = [r for r in rows if r["status"] == "missing"]
assert len(missing) == 1 and missing[0]["window_end"] == "2026-02-14" and missing[0]["run_id"] == "", missing
failed = [r for r in rows if r["status"] == "failed"]
assert len(failed) == 2 and all(r["reason"].startswith("insufficient_data: ") and r["feature"] == "" for r in failed), failed
for d in (10, 11, 13, 15, 16, 17):
    s = json.load(open(os.path.join(T, "n%d.json" % d)))
    mine = [r for r in rows if r["run_id"] == str(s["run_id"])]
    assert [r["feature"] for r in mine] == list(s["features"]), (d, mine)
    for r in mine:
        f = s["features"][r["feature"]]
        assert float(r["effect"]) == f["effect"] and float(r["p_adjusted"]) == f["p_adjusted"], r
        assert r["drift"] == ("1" if f["drift"] else "0") and r["effect_name"] == f["effect_name"], r
        assert r["alarm"] == ("1" if s["alarm"] else "0") and r["alarms"] == ";".join(s["alarms"]), r
        assert int(r["cases"]) == s["windows"]["current"]["n"] and float(r["cusum"]) == s["cusum"]["max"], r
        assert float(r["cusum_limit"]) == s["cusum"]["limit"] and (r["label_p"] == "" if s["label"]["p"] is None else float(r["label_p"]) == s["label"]["p"]), r
        assert r["window"] == s["windows"]["current"]["label"] and r["status"] == "completed", r
PY
run "$V" monitor export hostile --format csv
/usr/bin/python3 - <<'PY' || { echo "FAIL: the hostile CSV (small cell withheld, name read back)"; fails=$((fails + 1)); }
import csv
rows = list(csv.DictReader(open("out")))
assert rows and all(r["cases"] == "" for r in rows), rows
assert 'la"b\\\\c' in [r["feature"] for r in rows], [r["feature"] for r in rows]
PY

# errors
run "$V" monitor export nope --format csv
expect_rc 2 "unknown monitor"
expect_err "no monitor runs named 'nope' in the store" "unknown monitor named"
run "$V" monitor export night --format json
expect_rc 2 "unknown format"
run "$V" monitor export night
expect_rc 2 "no format"
expect_err "monitor export needs --format openmetrics or --format csv" "format required"
run "$V" monitor export --format csv
expect_rc 2 "no name"
run "$V" monitor export night --format csv --out "$T/nodir/x.csv"
expect_rc 2 "unwritable --out"
run "$V" monitor export --help
expect_rc 0 "export --help"
expect_out "vigil monitor export NAME --format openmetrics|csv" "monitor help names export"
expect_out "    --format openmetrics  the OpenMetrics text exposition" "and explains its options"
finish
