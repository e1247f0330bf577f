#!/bin/sh
# vigil monitor run: exit codes (alarm 1, quiet 0, bad file 2), the cron lock, alerts, the
# stored runs and the reference-statistics cache. Uses the bundled flchain cohort.
. "$(dirname "$0")/lib.sh"
CASES="$ROOT/datasets/flchain/cases.csv"

# A temporary monitor file $T/NAME.json: name NAME, windows and extra keys as given.
monitor() { # NAME REF_FROM REF_TO CUR_FROM CUR_TO [EXTRA_JSON] [FEATURES]
    feats=${7:-'"age", "kappa", "lambda", "flc_grp"'}
    cat > "$T/$1.json" <<EOF
{ "name": "$1",
  "data": { "path": "$CASES",
            "columns": { "time": "sample_yr", "label": "death_5y", "score": "score",
                         "features": [$feats] },
            "types": { "flc_grp": "categorical" },
            "phi_allow": { "age": "public research cohort (R survival package)" } },
  "windows": { "reference": { "from": $2, "to": $3 }, "current": { "from": $4, "to": $5 } },
  "prediction_drift": true, "label_drift": true ${6:+, $6} }
EOF
}

# The shipped examples: a real temporal shift alarms, adjacent years stay quiet.
run "$VIGIL" monitor run "$ROOT/monitors/flchain-temporal.json"
expect_rc 1 "temporal shift alarms"
expect_out "monitor flchain-temporal: ALARM" "an alarm prints its summary (cron mails it)"
expect_out "age              numeric" "summary lists the features"
run "$VIGIL" monitor run "$ROOT/monitors/flchain-stable.json"
expect_rc 0 "adjacent years stay quiet"
[ -s "$T/out" ] && { echo "FAIL: a quiet run printed: $(head -c 300 "$T/out")"; fails=$((fails + 1)); }
[ -s "$T/err" ] && { echo "FAIL: a quiet run logged: $(head -c 300 "$T/err")"; fails=$((fails + 1)); }
run "$VIGIL" monitor run "$ROOT/monitors/flchain-stable.json" --format json
expect_rc 0 "stable json"
expect_json "d['alarm'] is False and d['alarms'] == [] and d['monitor'] == 'flchain-stable'" "stable: no alarm"
expect_json "d['cache']['hit'] is True" "second run of a monitor reuses the cached reference statistics"
expect_json "d['windows']['reference']['label'] == '1995..1995' and d['windows']['reference']['n'] > 1000" "windows by sample_yr"
# no cusum key: the limit is chosen for this window by simulation (1% in-control false-signal
# probability per run), seeded, so the same night gives the same limit
expect_json "d['cusum']['limit_choice'] == {'method': 'simulated', 'false_signal_probability': 0.01, 'replicates': 999, 'seed': 1}" "simulated CUSUM limit by default"
expect_json "d['cusum']['limit'] > 0 and d['cusum']['signal'] == (d['cusum']['max'] >= d['cusum']['limit'])" "the signal is the max against that limit"
cp "$T/out" "$T/stable1.json"
run "$VIGIL" monitor run "$ROOT/monitors/flchain-stable.json" --format json --db "$T/stable2.db" --threads 1
/usr/bin/python3 -c "import json,sys; a, b = (json.load(open(p))['cusum']['limit'] for p in sys.argv[1:]); assert a == b, (a, b)" "$T/stable1.json" "$T/out" \
    || { echo "FAIL: the simulated CUSUM limit is not reproducible"; fails=$((fails + 1)); }
run "$VIGIL" monitor run "$ROOT/monitors/flchain-temporal.json" --format json
expect_rc 1 "temporal json"
expect_json "d['alarm'] is True and 'age' in d['alarms'] and d['features']['age']['drift'] is True" "age drifted"
expect_json "all(set(f) >= {'type','n_ref','n_cur','missing_ref','missing_cur','drift','p_adjusted','effect','effect_name','tests','missing_rate'} for f in d['features'].values())" "feature keys (monitors/README.md)"
expect_json "d['features']['age']['p_adjusted'] < 0.01 and d['features']['age']['effect'] >= 0.1" "alarm rule: p and effect"
expect_json "d['features']['lambda']['drift'] is False" "lambda did not drift"
expect_json "d['features']['flc_grp']['type'] == 'categorical' and 'chi2' in d['features']['flc_grp']['tests']" "categorical feature"
expect_json "d['prediction']['drift'] is True and abs(d['label']['prevalence_ref'] - 588/4690) < 1e-12" "prediction and label drift"
expect_json "abs(d['label']['p'] - 0.0686792759392077) < 1e-9" "label p = statsmodels proportions_ztest"
expect_json "d['cusum']['n'] == 412 and d['cusum']['limit'] == 4.5 and isinstance(d['cusum']['signal'], bool)" "cusum"
expect_json "d['cusum']['limit_choice'] == {'method': 'fixed'}" "a limit in the file is kept, said fixed"
expect_json "isinstance(d['run_id'], int) and set(d['seconds']) == {'load','compute','write'}" "run_id and seconds"
expect_json "d['cache']['hit'] is True and d['cache']['key'].startswith('monitor-ref:')" "cache hit on the second temporal run"

# The shipped temporal monitor names a group (data.columns.groups: sex): the realised performance
# per level of the current window (2001-2003), each level's AUROC recomputed here as the
# Mann-Whitney proportion of concordant pairs (Python 3 stdlib), its n the level's cases.
cp "$T/out" "$T/temporal.json"
/usr/bin/python3 - "$T/temporal.json" "$CASES" <<'PY' || { echo "FAIL: the shipped monitor's per-sex performance"; fails=$((fails + 1)); }
import csv, json, sys
d = json.load(open(sys.argv[1]))
lv = d["performance"]["subgroups"]["sex"]["levels"]
rows = [r for r in csv.DictReader(open(sys.argv[2])) if 2001 <= int(r["sample_yr"]) <= 2003]
assert set(lv) == {r["sex"] for r in rows} == {"F", "M"}, lv.keys()
for s, l in lv.items():
    pos = [float(r["score"]) for r in rows if r["sex"] == s and r["death_5y"] == "1"]
    neg = [float(r["score"]) for r in rows if r["sex"] == s and r["death_5y"] == "0"]
    auc = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / (len(pos) * len(neg))
    assert l["n"] == len(pos) + len(neg) and abs(l["auroc"]["value"] - auc) < 1e-12, (s, l["n"], l["auroc"], auc)
    assert l["auroc"]["ci_low"] < auc < l["auroc"]["ci_high"] and l["auroc"]["ci"] == "DeLong", l["auroc"]
PY
run "$VIGIL" monitor run "$ROOT/monitors/flchain-temporal.json" --verbose
expect_out "    sex=F: n 200, auroc " "the summary shows the per-sex performance"

# Every run is stored; history shows the trend.
run "$VIGIL" history --kind monitor --format json
expect_rc 0 "history"
expect_json "[(r['name'], r['passed']) for r in d['runs']] == [('flchain-temporal', False), ('flchain-stable', True), ('flchain-stable', True), ('flchain-temporal', False), ('flchain-temporal', False)]" "runs stored, passed = not alarm"
expect_json "all(r['kind'] == 'monitor' and r['status'] == 'completed' for r in d['runs'])" "kind monitor, completed"
run "$VIGIL" history --kind monitor
expect_out "ALARM" "history table shows alarms"
expect_out "quiet" "history table shows quiet runs"
run "$VIGIL" monitor history flchain-stable --format json
expect_json "len(d['runs']) == 2" "monitor history NAME"

# The first run of a new reference computes, the next one hits the cache.
monitor fresh 1995 1995 1997 1997
run "$VIGIL" monitor run "$T/fresh.json" --format json
expect_json "d['cache']['hit'] is False" "first run computes the reference statistics"
run "$VIGIL" monitor run "$T/fresh.json" --format json
expect_json "d['cache']['hit'] is True" "second run hits the cache"

# Alerts: the alert file is written, the command gets the alert JSON on stdin; a failing
# command is reported but the exit status stays 1.
monitor alerting 1995 1996 2001 2003 "\"on_alarm\": { \"alert_file\": \"alerts/a.json\", \"command\": \"cat > $T/cmd-in.json; exit 3\" }"
mkdir -p "$T/alerts"
run "$VIGIL" monitor run "$T/alerting.json"
expect_rc 1 "alarm exit 1 even when the alert command fails"
expect_err "alert command" "failing command is reported"
expect_err "exited with status 3" "its status is named"
/usr/bin/python3 -c "import json; d=json.load(open('$T/alerts/a.json')); assert d['alarm'] is True and d['monitor'] == 'alerting' and 'age' in d['alarms']" \
    || { echo "FAIL: alert file not written or wrong"; fails=$((fails + 1)); }
/usr/bin/python3 -c "import json; d=json.load(open('$T/cmd-in.json')); assert d['alarm'] is True and d['run_id'] > 0" \
    || { echo "FAIL: alert command did not receive the alert JSON"; fails=$((fails + 1)); }
run "$VIGIL" history --kind monitor --name alerting --format json
expect_json "d['runs'][-1]['passed'] is False" "alarm stored"

# An alert command that hangs must not hold the cron lock forever: after on_alarm.timeout_s its
# process group (the shell and the background sleep it started) is killed, the fact printed and
# stored, and the alarm still exits 1.
monitor hanging 1995 1996 2001 2003 "\"on_alarm\": { \"command\": \"sleep 100 & echo \$! > $T/hang.pid; wait\", \"timeout_s\": 1 }"
t0=$(date +%s)
run "$VIGIL" monitor run "$T/hanging.json" --format json
t1=$(date +%s)
expect_rc 1 "alarm exit 1 when the alert command times out"
[ $((t1 - t0)) -lt 30 ] || { echo "FAIL: a hanging alert command held the run $((t1 - t0)) s"; fails=$((fails + 1)); }
expect_err "did not finish within 1 s (on_alarm.timeout_s): its process group was killed (SIGTERM)" "timeout printed"
expect_json "d['alert']['command_ran'] is True and d['alert']['command_status'] == 143 and 'did not finish within 1 s' in d['alert']['error']" "timeout in the result"
i=0; while kill -0 "$(cat "$T/hang.pid")" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$(cat "$T/hang.pid")" 2>/dev/null && { echo "FAIL: the command's background sleep survived"; kill "$(cat "$T/hang.pid")"; fails=$((fails + 1)); }
run "$VIGIL" history --kind monitor --name hanging --format json
expect_json "len(d['runs']) == 1 and d['runs'][0]['status'] == 'completed'" "the timed-out run is stored"
/usr/bin/python3 -c "import sqlite3,sys; b=[r[0] for r in sqlite3.connect('$T/vigil.db').execute(\"select body from documents d join runs r on r.id = d.run_id where r.name = 'hanging'\")]; sys.exit(0 if len(b) == 1 and 'did not finish within 1 s' in b[0] else 1)" \
    || { echo "FAIL: the timeout is not in the stored result"; fails=$((fails + 1)); }
# a command that ignores SIGTERM gets SIGKILL 5 s later
monitor deaf 1995 1996 2001 2003 "\"on_alarm\": { \"command\": \"trap '' TERM; sleep 100\", \"timeout_s\": 1 }"
run "$VIGIL" monitor run "$T/deaf.json"
expect_rc 1 "alarm exit 1 when the alert command ignores SIGTERM"
expect_err "its process group was killed (SIGTERM, then SIGKILL), status 137" "SIGKILL after the grace"
monitor badtimeout 1995 1996 2001 2003 '"on_alarm": { "command": "true", "timeout_s": 0 }'
run "$VIGIL" monitor run "$T/badtimeout.json"
expect_rc 2 "timeout_s 0"
expect_err "badtimeout.json: \$.on_alarm.timeout_s: expected seconds in (0, 86400]" "timeout_s range"

# Bad monitor files: exit 2, naming the file and the JSON path, before computing.
monitor typo 1995 1996 2001 2003 '"alpah": 0.01'
run "$VIGIL" monitor run "$T/typo.json"
expect_rc 2 "unknown key"
expect_err "typo.json: \$: unknown key 'alpah'" "unknown key: file and JSON path"
monitor badtest 1995 1996 2001 2003 '"tests": ["ks", "kolmogorov"]'
run "$VIGIL" monitor run "$T/badtest.json"
expect_rc 2 "unknown test"
expect_err "badtest.json: \$.tests[1]: unknown test 'kolmogorov'" "unknown test named"
# the tests listed decide: without ks, Cramer-von Mises's p is the one corrected and compared
monitor cvmonly 1995 1996 2001 2003 '"tests": ["cvm", "chi2", "psi"]'
run "$VIGIL" monitor run "$T/cvmonly.json" --format json
expect_rc 1 "a CvM-decided monitor alarms on the temporal shift"
expect_json "'ks' not in d['features']['age']['tests'] and d['features']['age']['p'] == d['features']['age']['tests']['cvm']['p']" "CvM's p decides"
monitor adonly 1995 1996 2001 2003 '"tests": ["anderson_darling", "chi2"]'
run "$VIGIL" monitor run "$T/adonly.json"
expect_rc 2 "no test that can decide numeric drift"
expect_err "adonly.json: \$.tests: numeric feature 'age' needs 'ks' or 'cvm' to decide its drift" "names the feature and the fix"
monitor badcol 1995 1996 2001 2003 "" '"age", "kapa"'
run "$VIGIL" monitor run "$T/badcol.json"
expect_rc 2 "unknown column"
expect_err "no column 'kapa' (named by \$.data.columns.features[1] in $T/badcol.json)" "unknown column: JSON path and file"
monitor empty 1995 1996 2010 2012
run "$VIGIL" monitor run "$T/empty.json"
expect_rc 2 "empty window"
expect_err "empty.json: \$.windows.current: 0 cases in 2010..2012" "empty window named"
monitor small 1995 1996 2002 2002 '"min_samples": 100'
run "$VIGIL" monitor run "$T/small.json"
expect_rc 2 "window under min_samples"
expect_err "45 cases in 2002..2002" "small window: its size"
expect_err "fewer than min_samples = 100" "small window: the minimum"
# ... and the night is part of the record: a failed run with the reason and the files it read
expect_err "(stored as run " "the stalled night is stored"
expect_err "status failed: insufficient_data)" "as failed, insufficient data"
run "$VIGIL" history --kind monitor --name small --format json
expect_json "len(d['runs']) == 1 and d['runs'][0]['status'] == 'failed' and d['runs'][0]['passed'] is None" "history shows the stalled night"
/usr/bin/python3 - "$VIGIL_DB" <<'PY' || { echo "FAIL: the stalled night's reason or files not stored"; fails=$((fails + 1)); }
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rid, err = db.execute("SELECT id, error FROM runs WHERE name = 'small'").fetchone()
assert err.startswith("insufficient_data: ") and "45 cases in 2002..2002" in err, err
roles = [r for (r,) in db.execute("SELECT role FROM run_files WHERE run_id = ?", (rid,))]
assert "data" in roles and "config" in roles, roles
PY
run "$VIGIL" monitor run "$T/empty.json"
expect_rc 2 "an empty window is stored too, still exit 2"
run "$VIGIL" history --kind monitor --name empty --format json
expect_json "[r['status'] for r in d['runs']] == ['failed', 'failed']" "every stalled night stored"
run "$VIGIL" monitor run "$T/nope.json"
expect_rc 2 "missing monitor file"
run "$VIGIL" monitor run "$ROOT/monitors/flchain-stable.json" --now 2026-13-01
expect_rc 2 "bad --now"
run "$VIGIL" monitor
expect_rc 2 "no subcommand"

# last_days windows on a date column, anchored by --now.
printf 'day,x\n' > "$T/days.csv"
i=0
while [ $i -lt 60 ]; do
    printf '2026-01-%02d,%d\n2026-02-%02d,%d\n' $((i % 28 + 1)) $((i % 7)) $((i % 28 + 1)) $((i % 7 + 5)) >> "$T/days.csv"
    i=$((i + 1))
done
cat > "$T/days.json" <<EOF
{ "name": "days", "data": { "path": "days.csv", "columns": { "time": "day", "features": ["x"] } },
  "windows": { "reference": { "from": "2026-01-01", "to": "2026-01-31" }, "current": { "last_days": 28 } },
  "min_samples": 20 }
EOF
run "$VIGIL" monitor run "$T/days.json" --now 2026-02-28 --format json
expect_rc 1 "last 28 days before --now alarms on the shifted x"
expect_json "d['windows']['current']['label'] == '2026-02-01..2026-02-28' and d['windows']['current']['n'] == 60" "last_days window"
expect_json "d['windows']['current']['empty_days'] == 0 and d['windows']['current']['empty_day_list'] == []" "no empty day"
[ -s "$T/err" ] && { echo "FAIL: a window without empty days warned: $(head -c 300 "$T/err")"; fails=$((fails + 1)); }
run "$VIGIL" monitor run "$T/days.json" --now 2026-03-30
expect_rc 2 "nothing in the last 28 days before 2026-03-30"
expect_err "the current window 2026-03-03..2026-03-30 has 28 days without a case (2026-03-03, 2026-03-04, 2026-03-05, 2026-03-06, 2026-03-07, ...): has the feed stalled?" "empty days warned"
# a feed that stopped after 2026-02-25: three empty days at the end of the window, warned, listed
grep -v -e '^2026-02-26' -e '^2026-02-27' -e '^2026-02-28' "$T/days.csv" > "$T/days_gap.csv"
sed 's/"days.csv"/"days_gap.csv"/; s/"name": "days"/"name": "days-gap"/' "$T/days.json" > "$T/days_gap.json"
run "$VIGIL" monitor run "$T/days_gap.json" --now 2026-02-28 --format json
expect_rc 1 "the window still holds enough cases"
expect_err "has 3 days without a case (2026-02-26, 2026-02-27, 2026-02-28): has the feed stalled?" "the empty days are named"
expect_json "d['windows']['current']['empty_days'] == 3 and d['windows']['current']['empty_day_list'] == ['2026-02-26', '2026-02-27', '2026-02-28']" "and listed in the result"

# The lock: a run of the same monitor that cannot get it within --lock-timeout exits 2 and
# names the holder. flock(1) holds it here, writing its pid as vigil does.
run "$VIGIL" monitor run "$T/fresh.json" --verbose
LOCK=$(sed -n 's/^vigil monitor: lock //p' "$T/err")
case "$LOCK" in "$T/vigil.db.monitor-"*.lock) ;; *) echo "FAIL: lock path '$LOCK' not beside the db"; fails=$((fails + 1)) ;; esac
if command -v flock >/dev/null 2>&1; then
    # The shell takes the lock on fd 9 and becomes `sleep` with the same pid, so killing
    # $holder releases it.
    sh -c 'exec 9>>"$1"; flock 9; echo "pid $$, started by the test" > "$1"; exec sleep 30' sh "$LOCK" &
    holder=$!
    # Wait for the holder's own line (the file already says "pid" from the run above), up to 20 s.
    i=0; while ! grep -q "started by the test" "$LOCK" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
    run "$VIGIL" monitor run "$T/fresh.json" --lock-timeout 1
    expect_rc 2 "lock held past --lock-timeout"
    expect_err "another run of monitor 'fresh'" "names the monitor"
    expect_err "pid $holder" "names the pid holding the lock"
    kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
    run "$VIGIL" monitor run "$T/fresh.json" --lock-timeout 1
    expect_rc 1 "lock free again once the holder is gone"
else
    echo "note: flock(1) missing; the lock is covered by tests/test_monitor.c"
fi
# A monitor without a score column scores both windows with its model (prediction drift).
/usr/bin/python3 - "$ROOT" "$T/model_mon.json" <<'PY'
import json, sys
root, out = sys.argv[1], sys.argv[2]
m = json.load(open(f"{root}/monitors/flchain-temporal.json"))
m["data"]["columns"].pop("score", None)
m["data"]["path"] = f"{root}/datasets/flchain/cases.csv"
m["model"] = f"{root}/datasets/models/flchain_v2.json"
json.dump(m, open(out, "w"))
PY
run "$VIGIL" monitor run "$T/model_mon.json" --db "$T/model.db" --format json
expect_rc 1 "monitor scoring with its model alarms on the temporal windows"
expect_json "d['prediction']['source'].endswith('flchain_v2.json') and d['prediction']['effect'] > 0.1" "prediction drift from the model's scores"
# Labels arrive later than cases: a current window with no label yet is not an error (feature
# and prediction drift still run) and not label drift; the JSON and the summary say it was skipped.
awk -F, 'BEGIN { OFS = "," } NR > 1 && $2 >= 2001 { $12 = "" } { print }' "$ROOT/datasets/flchain/cases.csv" >"$T/nolabels.csv"
/usr/bin/python3 - "$ROOT" "$T" <<'PY'
import json, sys
root, t = sys.argv[1], sys.argv[2]
m = json.load(open(f"{root}/monitors/flchain-temporal.json"))
m["data"]["path"] = f"{t}/nolabels.csv"
m.pop("cusum", None)
json.dump(m, open(f"{t}/nolabels.json", "w"))
PY
run "$VIGIL" monitor run "$T/nolabels.json" --db "$T/nolabels.db" --format json
expect_rc 1 "no labels yet: the feature drift still alarms"
expect_json "d['label']['skipped'].startswith('no labelled case') and d['label']['drift'] is False and d['label']['n_cur'] == 0" "label drift skipped, said"
expect_json "'label' not in d['alarms'] and 'age' in d['alarms']" "features still tested"
run "$VIGIL" monitor run "$T/nolabels.json" --db "$T/nolabels.db"
expect_out "label drift: not tested (no labelled case in the current window yet)" "the summary says so"
# A lab feed that stopped: kappa missing in every current case. The monitor runs (no exit 2),
# alarms on kappa's missing rate, marks its distribution tests not computable and tests the
# other features as usual; the run is stored and the summary says it.
awk -F, 'BEGIN { OFS = "," } NR > 1 && $2 >= 2001 { $7 = "" } { print }' "$ROOT/datasets/flchain/cases.csv" >"$T/nokappa.csv"
/usr/bin/python3 - "$ROOT" "$T" <<'PY'
import json, sys
root, t = sys.argv[1], sys.argv[2]
m = json.load(open(f"{root}/monitors/flchain-temporal.json"))
m["data"]["path"] = f"{t}/nokappa.csv"
m["name"] = "nokappa"
json.dump(m, open(f"{t}/nokappa.json", "w"))
PY
run "$VIGIL" monitor run "$T/nokappa.json" --db "$T/nokappa.db" --format json
expect_rc 1 "a feature missing in every current case alarms, not refused"
expect_json "'kappa' in d['alarms'] and d['features']['kappa']['drift'] is True and d['features']['kappa']['decided_by'] == 'missing_rate'" "kappa alarms on its missing rate"
expect_json "d['features']['kappa']['computable'] is False and d['features']['kappa']['tests']['ks']['p'] is None and d['features']['kappa']['effect_name'] == 'missing_rate_diff'" "its distribution tests are null"
expect_json "'0 non-missing value(s) in the current window' in d['features']['kappa']['not_computable'] and d['features']['kappa']['missing_rate']['rate_cur'] == 1" "the reason"
expect_json "d['features']['lambda']['computable'] is True and d['features']['lambda']['tests']['ks']['p'] is not None and d['features']['age']['drift'] is True" "the other features are tested"
run "$VIGIL" monitor run "$T/nokappa.json" --db "$T/nokappa.db"
expect_rc 1 "the table too"
expect_out "kappa: distribution tests not computable (0 non-missing value(s) in the current window" "the summary says why"
run "$VIGIL" history --kind monitor --name nokappa --db "$T/nokappa.db" --format json
expect_json "len(d['runs']) == 2 and all(r['status'] == 'completed' and r['passed'] is False for r in d['runs'])" "both runs stored"
# Label drift alone (no features, no prediction drift) is a monitor of its own: it used to stop
# with exit 2 ("no feature common to ...") because the drift engine was given nothing to test.
cat > "$T/labonly.json" <<EOF
{ "name": "labonly", "data": { "path": "$CASES", "columns": { "time": "sample_yr", "label": "death_5y" } },
  "windows": { "reference": { "from": 1995, "to": 1996 }, "current": { "from": 2001, "to": 2003 } },
  "label_drift": true }
EOF
run "$VIGIL" monitor run "$T/labonly.json" --db "$T/labonly.db" --format json
expect_rc 0 "label drift alone runs (p 0.069: quiet)"
expect_json "d['features'] == {} and abs(d['label']['p'] - 0.0686792759392077) < 1e-9 and 'cache' not in d" "no feature tests, the label's statsmodels p"
# Prediction and label drift are on by default where their columns exist (issue 17), and off
# when the file says so.
for extra in "" ', "prediction_drift": false, "label_drift": false'; do
    cat > "$T/defaults.json" <<JSON
{ "name": "defaults",
  "data": { "path": "$CASES",
            "columns": { "time": "sample_yr", "label": "death_5y", "score": "score", "features": ["kappa"] } },
  "windows": { "reference": { "from": 1995, "to": 1996 }, "current": { "from": 1997, "to": 1998 } },
  "cusum": false $extra }
JSON
    run "$VIGIL" monitor run "$T/defaults.json" --format json
    [ "$rc" -le 1 ] || { echo "FAIL: the defaults monitor exited $rc: $(head -c 300 "$T/err")"; fails=$((fails + 1)); }
    if [ -z "$extra" ]; then
        expect_json "'prediction' in d and 'label' in d" "prediction and label drift on by default"
    else
        expect_json "'prediction' not in d and 'label' not in d" "and off when set false"
    fi
done

finish
