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
expect_out "estimated performance (CBPE, no labels; threshold 0.3): auroc 0.780 (0.748-0.811), sensitivity 0.840 (0.764-0.917), ppv 0.551 (0.474-0.628)" "the table line"

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
