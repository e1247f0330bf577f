#!/bin/sh
# vigil monitor run with a threshold, a score and a label (issue 17, "Before outcomes arrive"):
# NannyML's confidence-based estimate of AUROC, sensitivity and PPV per night from the scores
# alone, the reference window's calibration check, the stored numbers. Goldens: NannyML 0.13.1
# (tests/reference/monitor_cbpe_ref.py -> tests/reference/monitor_cbpe/goldens.json).
. "$(dirname "$0")/lib.sh"
CASES="$ROOT/tests/reference/monitor_cbpe/cases.csv"
GOLD="$ROOT/tests/reference/monitor_cbpe/goldens.json"

monitor() { # NAME SCORE CUR_NIGHT [EXTRA_JSON]
    cat > "$T/$1.json" <<EOF
{ "name": "$1",
  "data": { "path": "$CASES",
            "columns": { "time": "night", "score": "$2", "label": "label", "features": ["x"] } },
  "windows": { "reference": { "from": 0, "to": 0 }, "current": { "from": $3, "to": $3 } },
  "threshold": 0.3 ${4:+, $4} }
EOF
}

# Each current night's estimates, sampling errors and 95% intervals are NannyML's.
for night in 1 2 3; do
    monitor calibrated score $night
    run "$VIGIL" monitor run "$T/calibrated.json" --format json
    [ "$rc" -le 1 ] || { echo "FAIL: night $night exited $rc: $(head -c 300 "$T/err")"; fails=$((fails + 1)); }
    G="(g := json.load(open('$GOLD'))['score']['nights']['$night']) and (c := d['cbpe'])"
    expect_json "$G and c['valid'] and c['n_cur'] == g['n'] and c['calibration_check']['calibrated']" "night $night: estimated"
    expect_json "$G and all(abs(c[m][k] - g[m][k]) < (1e-6 if m == 'auroc' else 1e-10) for m in ('auroc', 'sensitivity', 'ppv') for k in ('estimate', 'sampling_error', 'ci_low', 'ci_high'))" "night $night: = NannyML CBPE"
    expect_json "'cbpe' not in d['alarms']" "night $night: an estimate raises no alarm"
done
run "$VIGIL" monitor run "$T/calibrated.json" --verbose
expect_out "estimated performance (CBPE, no labels; threshold 0.3): auroc 0.780 (0.748-0.811), sensitivity 0.840 (0.764-0.917), ppv 0.551 (0.474-0.628); the reference window calibrated (Spiegelhalter p 0.083 >= 0.05)" "the table line"

# Stored: scope cbpe, the estimate with its interval, the calibration p and the verdict.
/usr/bin/python3 - "$VIGIL_DB" "$GOLD" <<'EOF' || fails=$((fails + 1))
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
g = json.load(open(sys.argv[2]))["score"]["nights"]["3"]
run = db.execute("SELECT max(id) FROM runs").fetchone()[0]
got = {n: (v, lo, hi) for n, v, lo, hi in db.execute(
    "SELECT name, value, ci_low, ci_high FROM metrics WHERE run_id = ? AND scope = 'cbpe'", (run,))}
for m in ("auroc", "sensitivity", "ppv"):
    v, lo, hi = got[m + "_est"]
    assert abs(v - g[m]["estimate"]) < 1e-6 and abs(lo - g[m]["ci_low"]) < 1e-6 and abs(hi - g[m]["ci_high"]) < 1e-6, m
assert got["valid"][0] == 1 and 0.05 < got["calibration_p"][0] < 0.1, got
EOF

# Once labels mature, the realised numbers beside the estimate are R's (pROC DeLong, glm,
# Wilson; tests/reference/monitor_performance_ref.R): night 4 has 228 labels still to come,
# night 5 four positives, so its numbers are withheld under min_cell 11.
PG="$ROOT/tests/reference/monitor_cbpe/performance.json"
for night in 2 4 5; do
    monitor realised score $night
    run "$VIGIL" monitor run "$T/realised.json" --format json
    G="(g := json.load(open('$PG'))['nights']['$night']) and (o := d['performance'])"
    expect_json "$G and o['n_labelled'] == g['n_labelled'] and o['unlabelled'] == g['unlabelled']" "night $night: labelled cases counted"
    if [ $night = 5 ]; then
        expect_json "$G and 'withheld' in o and all(o[k][j] is None for k in ('auroc', 'oe_ratio', 'calibration_slope', 'citl', 'sensitivity', 'ppv') for j in ('value', 'ci_low', 'ci_high'))" "night 5: withheld"
    else
        expect_json "$G and all(abs(o[k][j] - g[k][j]) < (1e-7 if k in ('calibration_slope', 'citl') else 1e-9) for k in ('auroc', 'oe_ratio', 'calibration_slope', 'citl', 'sensitivity', 'ppv') for j in ('value', 'ci_low', 'ci_high'))" "night $night: = pROC, glm, Wilson"
    fi
done
run "$VIGIL" monitor run "$T/realised.json" --verbose
expect_out "realised performance (120 labelled, 0 not yet): withheld (cell-size policy)" "the table says withheld"
/usr/bin/python3 - "$VIGIL_DB" <<'EOF' || fails=$((fails + 1))
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
run = db.execute("SELECT max(id) FROM runs").fetchone()[0]
got = dict(db.execute("SELECT name, value FROM metrics WHERE run_id = ? AND scope = 'performance'", (run,)))
assert set(got) == {"auroc", "oe_ratio", "calibration_slope", "citl", "sensitivity", "ppv"}, got
assert all(v is None for v in got.values()), got  # withheld: stored as missing
EOF

# The over-predicting score fails the reference window's calibration check: no estimate, the
# reason and the test in the document and the table; the run is not refused.
monitor over score_over 2
run "$VIGIL" monitor run "$T/over.json" --format json
[ "$rc" -le 1 ] || { echo "FAIL: a refused estimate stopped the run ($rc)"; fails=$((fails + 1)); }
expect_json "not d['cbpe']['valid'] and d['cbpe']['auroc']['estimate'] is None and 'not calibrated on the reference window (Spiegelhalter z -10.23' in d['cbpe']['not_estimated']" "refused, with the reason"
run "$VIGIL" monitor run "$T/over.json" --verbose
expect_out "estimated performance (CBPE): not estimated: the model is not calibrated on the reference window" "the table says why"

# The monitor's record (vigil report --monitor) and its exports carry the new numbers: five
# nights in their own store, the table cells and export values the nights' own results.
for night in 1 2 3 4 5; do
    monitor record score $night
    run "$VIGIL" monitor run "$T/record.json" --db "$T/rec.db" --format json
    cp "$T/out" "$T/night$night.json"
done
run "$VIGIL" report --monitor record --db "$T/rec.db" --out "$T/rep"
[ "$rc" -le 1 ] || { echo "FAIL: report --monitor exited $rc: $(head -c 300 "$T/err")"; fails=$((fails + 1)); }
/usr/bin/python3 - "$T" <<'EOF' || fails=$((fails + 1))
import json, os, sys
T = sys.argv[1]
ev = json.load(open(os.path.join(T, "rep", "evidence.json")))
for p in ("performance_auroc", "performance_threshold"):
    assert p in ev["plots"], (p, ev["plots"])
    svg = open(os.path.join(T, "rep", "plot-%s.svg" % p)).read()
    assert "<svg" in svg and "estimated (CBPE, no labels)" in svg and "realised (labelled cases)" in svg, p
md = open(os.path.join(T, "rep", "report.md")).read()
rows = [l.split(" | ") for l in md.splitlines() if l.startswith("| ") and " | AUROC | " in l or " | PPV | " in l]
for n in range(1, 6):
    d = json.load(open(os.path.join(T, "night%d.json" % n)))
    auroc = [r for r in rows if r[0] == "| %d" % n and r[2] == "AUROC"][0]
    assert auroc[3] == "%.3f" % d["cbpe"]["auroc"]["estimate"], (auroc, d["cbpe"]["auroc"])
    real = d["performance"]["auroc"]["value"]
    assert auroc[5] == ("suppressed (cell-size policy)" if real is None else "%.3f" % real), auroc
    if real is not None:
        lo, hi = d["cbpe"]["auroc"]["ci_low"], d["cbpe"]["auroc"]["ci_high"]
        assert auroc[8].rstrip(" |") == ("yes" if lo <= real <= hi else "NO"), auroc
    ppv = [r for r in rows if r[0] == "| %d" % n and r[2] == "PPV"][0]
    assert ppv[3] == ("undefined (none on these cases)" if d["cbpe"]["ppv"]["estimate"] is None else "%.3f" % d["cbpe"]["ppv"]["estimate"]), ppv
EOF
run "$VIGIL" monitor export record --format csv --db "$T/rec.db"
expect_rc 0 "csv export"
/usr/bin/python3 - "$T" <<'EOF' || fails=$((fails + 1))
import csv, json, os, sys
T = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(T, "out"))))
for n in range(1, 6):
    d = json.load(open(os.path.join(T, "night%d.json" % n)))
    r = [r for r in rows if r["window_end"] == str(n)][0]
    for col, block, key, part in [("cbpe_auroc", "cbpe", "auroc", "estimate"), ("cbpe_ppv_ci_high", "cbpe", "ppv", "ci_high"),
                                  ("realised_auroc", "performance", "auroc", "value"),
                                  ("realised_citl_ci_low", "performance", "citl", "ci_low"),
                                  ("realised_sensitivity", "performance", "sensitivity", "value")]:
        v = d[block][key][part]
        assert (r[col] == "" if v is None else float(r[col]) == v), (n, col, r[col], v)
    assert r["cbpe_valid"] == "1" and r["labelled_cases"] == str(d["performance"]["n_labelled"]), r
EOF
run "$VIGIL" monitor export record --format openmetrics --db "$T/rec.db"
expect_rc 0 "openmetrics export"
if command -v promtool >/dev/null 2>&1; then
    promtool check metrics < "$T/out" > "$T/promtool.out" 2>&1 || { echo "FAIL: promtool: $(cat "$T/promtool.out")"; fails=$((fails + 1)); }
fi
/usr/bin/python3 - "$T" <<'EOF' || fails=$((fails + 1))
import json, os, re, sys
T = sys.argv[1]
text = open(os.path.join(T, "out")).read()
d = json.load(open(os.path.join(T, "night5.json")))  # the latest window
got = {m.group(1): float(m.group(2)) for m in re.finditer(
    r'^vigil_monitor_performance_estimate\{monitor="record",statistic="(\w+)"\} (\S+)$', text, re.M)}
assert got == {k: d["cbpe"][k]["estimate"] for k in ("auroc", "sensitivity") if d["cbpe"][k]["estimate"] is not None}, got
assert "vigil_monitor_performance_estimate_valid{monitor=\"record\"} 1" in text
assert not re.search(r'^vigil_monitor_performance_realised\{', text, re.M)  # night 5: withheld, no sample
EOF

# A refused estimate: the record says why, the export has no estimate sample and says invalid.
monitor overrec score_over 2
run "$VIGIL" monitor run "$T/overrec.json" --db "$T/over.db"
run "$VIGIL" report --monitor overrec --db "$T/over.db" --out "$T/overrep"
grep -qF "not estimated: the model is not calibrated on the reference window (Spiegelhalter z -10.23" "$T/overrep/report.md" ||
    { echo "FAIL: the record does not say why the estimate was refused"; fails=$((fails + 1)); }
run "$VIGIL" monitor export overrec --format openmetrics --db "$T/over.db"
expect_out 'vigil_monitor_performance_estimate_valid{monitor="overrec"} 0' "export: invalid"
grep -q '^vigil_monitor_performance_estimate{' "$T/out" && { echo "FAIL: a refused estimate exported"; fails=$((fails + 1)); }
grep -q '^vigil_monitor_performance_realised{monitor="overrec",statistic="auroc"}' "$T/out" ||
    { echo "FAIL: the realised AUROC is not exported"; fails=$((fails + 1)); }

# Default off without a threshold; a threshold nothing reads is refused.
monitor nothr score 1 '"cbpe": false'
sed -i 's/"threshold": 0.3 ,/"prediction_drift": true,/' "$T/nothr.json"
run "$VIGIL" monitor run "$T/nothr.json" --format json
expect_json "'cbpe' not in d" "\$.cbpe false: no block"
monitor unused score 1 '"cbpe": false, "performance": false'
run "$VIGIL" monitor run "$T/unused.json"
expect_rc 2 "a threshold nothing uses"
expect_err "$T/unused.json: \$.threshold: only the clinicians' decisions use it" "names the key"
finish
