#!/bin/sh
# $.cusum.across_nights (issue 17): the risk-adjusted CUSUM carried from the last completed
# night of the same monitor, read from the store by the data window. A failed night (the feed
# stalled on 2026-02-12) is skipped, a re-run of a night carries from the same night before,
# a changed monitor file starts again (and says so), overlapping windows count no case twice.
. "$(dirname "$0")/lib.sh"
V=${VIGIL:-$ROOT/build/vigil}
cd "$T"
/usr/bin/python3 "$ROOT/tests/cli/monitor_feed.py"
sed 's/"label_drift": true/"label_drift": true, "cusum": {"across_nights": true, "direction": "both", "false_signal_probability": 0.05}/' night.json > chain.json
sed -i 's/"name": "night"/"name": "chain"/' chain.json
for d in 10 11 12 13; do
    run "$V" monitor run chain.json --now 2026-02-$d --format json
    cp out "c$d.json"
done
expect_rc 0 "night 13 ran"
run "$V" monitor run chain.json --now 2026-02-12
expect_rc 2 "the stalled night still exits 2 (and is stored failed)"
/usr/bin/python3 - <<'PY' || { echo "FAIL: the state is not carried night to night"; fails=$((fails + 1)); }
import json
n = {d: json.load(open("c%d.json" % d)) for d in (10, 11, 13)}
a10, a11, a13 = (n[d]["cusum"]["across_nights"] for d in (10, 11, 13))
assert a10["carried"] is False and "no earlier completed night" in a10["reset"], a10
assert n[10]["cusum"]["direction"] == "both" and n[10]["cusum"]["lower"]["odds_ratio"] == 0.5, n[10]["cusum"]
assert a10["state"]["through"] == "2026-02-10", a10
# night 11 starts where night 10 ended, on both sides
assert a11["carried"] is True and a11["previous_run"] == n[10]["run_id"] and a11["previous_through"] == "2026-02-10", a11
assert a11["start"] == {"upper": a10["state"]["upper"], "lower": a10["state"]["lower"]}, (a11, a10)
# the failed night (12) is passed over: 13 carries from 11
assert a13["carried"] is True and a13["previous_run"] == n[11]["run_id"], a13
assert a13["start"]["upper"] == a11["state"]["upper"], (a13, a11)
# the carried recursion, recomputed independently (numpy 1.24) from the feed's day-11 cases
import csv, numpy as np
rows = [r for r in csv.DictReader(open("feed.csv")) if r["day"] == "2026-02-11"]
y = np.array([float(r["label"]) for r in rows]); p = np.array([float(r["score"]) for r in rows])
for side, R in (("upper", 2.0), ("lower", 0.5)):
    S, hi, lim = a11["start"][side], a11["start"][side], (n[11]["cusum"] if side == "upper" else n[11]["cusum"]["lower"])["limit"]
    for yi, pi in zip(y, p):
        S = max(0.0, S + yi * np.log(R) - np.log(1 - pi + R * pi)); hi = max(hi, S)
        if S >= lim: S = 0.0
    assert abs(S - a11["state"][side]) < 1e-9, (side, S, a11["state"][side])
    assert abs(hi - (n[11]["cusum"] if side == "upper" else n[11]["cusum"]["lower"])["max"]) < 1e-9, side
lc = n[13]["cusum"]["limit_choice"]
assert lc["per_side"] == 0.025 and "twice" in lc["path"], lc
PY
# a re-run of night 13 carries from night 11 again: the same numbers
run "$V" monitor run chain.json --now 2026-02-13 --format json
expect_json "d['cusum']['across_nights']['previous_run'] == json.load(open('$T/c13.json'))['cusum']['across_nights']['previous_run'] and d['cusum']['max'] == json.load(open('$T/c13.json'))['cusum']['max']" "a re-run is reproducible"
# the monitor file changed: the statistic starts again at 0, and the record says why
sed -i 's/"false_signal_probability": 0.05/"false_signal_probability": 0.02/' chain.json
run "$V" monitor run chain.json --now 2026-02-14 --format json
expect_json "d['cusum']['across_nights']['carried'] is False and 'the monitor file changed since run' in d['cusum']['across_nights']['reset']" "a changed file resets"
run "$V" monitor run chain.json --now 2026-02-15 --verbose
expect_out "carried across nights from run" "the text says it carried"
# overlapping windows (the last 3 days each night): a case the night before counted is not counted again
sed 's/"last_days": 1/"last_days": 3/; s/"name": "chain"/"name": "chain3"/' chain.json > chain3.json
run "$V" monitor run chain3.json --now 2026-02-10 --format json
run "$V" monitor run chain3.json --now 2026-02-11 --format json
expect_json "d['cusum']['across_nights']['carried'] and d['cusum']['across_nights']['counted_before'] == 80 and d['cusum']['n'] == 40" "only the new day's 40 cases are counted"
# bad keys
sed 's/"direction": "both"/"direction": "up"/' chain.json > bad1.json
run "$V" monitor run bad1.json --now 2026-02-15
expect_rc 2 "an unknown direction"
expect_err "bad1.json: \$.cusum.direction: expected \"worse\", \"better\" or \"both\", got \"up\"" "names the key"
sed 's/"direction": "both"/"direction": "worse", "odds_ratio": 0.5/' chain.json > bad2.json
run "$V" monitor run bad2.json --now 2026-02-15
expect_rc 2 "an odds ratio against the direction"
expect_err "bad2.json: \$.cusum.odds_ratio: 0.5 detects better outcomes, but \$.cusum.direction is \"worse\"" "names both keys"
# A night whose data lacks a column the monitor names (issue 17, "the record has holes") exits 2
# naming the column and the file, and is stored as a failed night with that reason, placed by
# its window; the next good night carries the CUSUM from the last completed one, past it.
sed 's/"path": "feed.csv"/"path": "tonight.csv"/; s/"name": "chain"/"name": "holes"/' chain.json > holes.json
cp feed.csv tonight.csv
run "$V" monitor run holes.json --now 2026-02-10 --format json
expect_rc 0 "holes: night 10 ran"
cp out h10.json
cut -d, -f1,3- feed.csv > tonight.csv # no feature x
run "$V" monitor run holes.json --now 2026-02-11
expect_rc 2 "a night without a feature column exits 2"
expect_err "tonight.csv: no column 'x' (named by \$.data.columns.features[0] in holes.json)" "names the column and the file"
expect_err "(stored as run " "says the night is stored"
cut -d, -f1-6 feed.csv > tonight.csv # no label
run "$V" monitor run holes.json --now 2026-02-13
expect_rc 2 "a night without the label column exits 2"
expect_err "tonight.csv: no column 'label' (named by \$.data.columns.label in holes.json)" "names the label column and the file"
cp feed.csv tonight.csv
run "$V" monitor run holes.json --now 2026-02-14 --format json
expect_rc 0 "the next good night runs"
cp out h14.json
run "$V" monitor history holes
expect_out "failed       2026-" "history lists the failed nights"
expect_out "reason: tonight.csv: no column 'x' (named by \$.data.columns.features[0] in holes.json)" "with the feature's reason"
expect_out "reason: tonight.csv: no column 'label' (named by \$.data.columns.label in holes.json)" "with the label's reason"
run "$V" history --kind monitor --name holes --format json
/usr/bin/python3 - "$T/out" <<'PY' || { echo "FAIL: the failed nights are not in the record as they should be"; fails=$((fails + 1)); }
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert [r["status"] for r in runs] == ["completed", "failed", "failed", "completed"], runs
f11, f13 = runs[1], runs[2]
assert "no column 'x'" in f11["error"] and f11["monitor"]["window"] == "2026-02-11..2026-02-11", f11
assert "no column 'label'" in f13["error"] and f13["monitor"]["window"] == "2026-02-13..2026-02-13", f13
PY
run "$V" monitor export holes --format csv
/usr/bin/python3 - "$T/out" <<'PY' || { echo "FAIL: the export lacks the failed nights"; fails=$((fails + 1)); }
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["status"] == "failed"]
assert [r["window_end"] for r in rows] == ["2026-02-11", "2026-02-13"], rows
assert "no column 'x'" in rows[0]["reason"] and "no column 'label'" in rows[1]["reason"], rows
PY
/usr/bin/python3 - <<'PY' || { echo "FAIL: the night after the failed ones does not carry from night 10"; fails=$((fails + 1)); }
import csv, json
import numpy as np
h10, h14 = json.load(open("h10.json")), json.load(open("h14.json"))
a10, a14 = h10["cusum"]["across_nights"], h14["cusum"]["across_nights"]
assert a14["carried"] is True and a14["previous_run"] == h10["run_id"] and a14["previous_through"] == "2026-02-10", a14
assert a14["start"] == {"upper": a10["state"]["upper"], "lower": a10["state"]["lower"]}, (a14, a10)
# the recursion over day 14's cases from night 10's state, recomputed (numpy)
rows = [r for r in csv.DictReader(open("feed.csv")) if r["day"] == "2026-02-14"]
y = np.array([float(r["label"]) for r in rows]); p = np.array([float(r["score"]) for r in rows])
assert h14["cusum"]["n"] == len(rows) == 40, h14["cusum"]["n"]
for side, R, c in (("upper", 2.0, h14["cusum"]), ("lower", 0.5, h14["cusum"]["lower"])):
    S = a14["start"][side]
    for yi, pi in zip(y, p):
        S = max(0.0, S + yi * np.log(R) - np.log(1 - pi + R * pi))
        if S >= c["limit"]: S = 0.0
    assert abs(S - a14["state"][side]) < 1e-9, (side, S, a14["state"][side])
PY
# a feed that delivered its header alone: no case in either window (insufficient_data), placed by its window
head -1 feed.csv > tonight.csv
run "$V" monitor run holes.json --now 2026-02-15
expect_rc 2 "a header-only file exits 2"
expect_err "holes.json: \$.windows.reference: 0 cases in 2026-01-01..2026-01-31 of tonight.csv" "as too few cases, not a time column of the wrong kind"
run "$V" history --kind monitor --name holes --format json
expect_json "d['runs'][-1]['status'] == 'failed' and d['runs'][-1]['error'].startswith('insufficient_data: ') and d['runs'][-1]['monitor']['window'] == '2026-02-15..2026-02-15'" "stored insufficient_data, placed by its window"
# a score column of text: the message names the first such value's line (not the value), and the night is stored
awk -F, 'BEGIN { OFS = "," } NR == 2 || NR == 3 { $6 = "n/a" } { print }' feed.csv > tonight.csv
run "$V" monitor run holes.json --now 2026-02-16
expect_rc 2 "a text score exits 2"
expect_err "tonight.csv:2: score column 'score' holds a text value of 3 bytes (not shown, as the reader shows none), not a number (stored as run " "names the line, not the value"
finish
