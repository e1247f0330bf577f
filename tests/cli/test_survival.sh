#!/bin/sh
# vigil metrics --time/--event/--horizon: the survival block against riskRegression::Score and
# survival (tests/reference/survival_ref.R -> reference/survival/goldens.json), with and without
# --label, per subgroup level, the cell-size policy, the store, usage and bad input.
. "$(dirname "$0")/lib.sh"
REF="$ROOT/tests/reference/survival"
G="__import__('json').load(open('$REF/goldens.json'))['cases']"
close="lambda a, b: (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)"
same="lambda s, r: all(($close)(x, y) for x, y in [(s['auc']['value'], r['auc']['value']), (s['auc']['ci_low'], r['auc']['ci_low']), (s['auc']['ci_high'], r['auc']['ci_high']), (s['auc']['se'], r['auc']['se']), (s['brier']['value'], r['brier']['value']), (s['brier']['se'], r['brier']['se']), (s['c_harrell'], r['c_harrell']), (s['km_risk'], r['km_risk']), (s['km_risk_ci']['ci_low'], r['km_ci_low']), (s['km_risk_ci']['ci_high'], r['km_ci_high']), (s['oe_ratio'], r['oe_ratio'])]) and s['events_by_horizon'] == r['events_by_horizon'] and s['censored_before_horizon'] == r['censored_before_horizon'] and s['n'] == r['n']"

# Without --label: the survival block alone, stored.
run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk --time time --event event --horizon 5 \
    --group group --format json
expect_rc 0 "survival only"
expect_json "d['run_id'] is not None and d['n'] == 400 and d['label'] is None and 'discrimination' not in d" "no 0/1 blocks without --label"
expect_json "($same)(d['survival'], $G['moderate'])" "overall block = riskRegression::Score / survival"
expect_json "all(($same)(d['subgroups']['group']['levels'][l]['survival'], $G['moderate']['levels'][l]) for l in 'ab')" "per level = the peers on the level"
expect_json "d['survival']['horizon'] == 5 and d['survival']['event_free_past_horizon'] == 168" "horizon and controls"
expect_json "d['survival']['calibration']['n_groups'] == 5 and all(($close)(a['observed'], b['observed']) and ($close)(a['ci_low'], b['ci_low']) and ($close)(a['ci_high'], b['ci_high']) and ($close)(a['mean_risk'], b['mean_risk']) and a['n'] == b['n'] for a, b in zip(d['survival']['calibration']['groups'], $G['moderate']['calibration5']))" "calibration at H: five groups (a tenth holds under 11 events) = survfit"
expect_json "set(d['seconds']) == {'load','compute','write'}" "seconds"
ID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$VIGIL" history --format json
expect_json "any(r['id'] == $ID and r['kind'] == 'metrics' and r['status'] == 'completed' for r in d['runs'])" "the run is stored"
run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk --label event --time time --event event --horizon 5 --format json
expect_json "d['bootstrap']['replicates'] == 200" "with --label the bootstrap default stays 200"

run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk --time time --event event --horizon 5 --group group --no-store
expect_rc 0 "survival only, text"
expect_out "time to event at horizon 5" "text header"
expect_out "0.7370" "text AUROC(t)"

# With --label: every 0/1 metric as before, the survival block beside it.
run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk --label event --time time --event event --horizon 5 \
    --group group --bootstrap 0 --no-store --format json
expect_rc 0 "label and survival"
expect_json "'discrimination' in d and 'calibration' in d and ($same)(d['survival'], $G['moderate'])" "both blocks"
expect_json "all('auroc' in l and ($same)(l['survival'], $G['moderate']['levels'][k]) for k, l in d['subgroups']['group']['levels'].items())" "both per level"

# A level without events by H: AUROC null with the reason, the rest given; exit 0.
run "$VIGIL" metrics --data "$REF/noevents.csv" --score risk --time time --event event --horizon 5 --group group --format json
expect_rc 0 "level without events"
expect_json "d['subgroups']['group']['levels']['c']['survival']['auc']['value'] is None and 'no event' in d['subgroups']['group']['levels']['c']['survival']['auc']['reason']" "AUROC null with a reason"
expect_json "($same)(d['subgroups']['group']['levels']['c']['survival'], $G['noevents']['levels']['c'])" "the level's other numbers = the peers"

# No event by H overall: the AUROC is null with its reason, a warning says so, the run is stored.
run "$VIGIL" metrics --data "$ROOT/tests/bad_inputs/files/surv_good.csv" --score score --time t --event e --horizon 1 --format json
expect_rc 0 "no event by H"
expect_err "AUROC at horizon 1 is not defined" "no event by H: warning"
expect_json "d['survival']['auc']['value'] is None and d['survival']['auc']['reason'].startswith('no event by the horizon') and d['survival']['events_by_horizon'] == 0 and d['survival']['km_risk'] == 0 and isinstance(d['survival']['brier']['value'], float)" "no event by H: AUROC null with the reason, the rest given"
ID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$VIGIL" history --format json
expect_json "any(r['id'] == $ID and r['status'] == 'completed' for r in d['runs'])" "no event by H: the run is stored"

# Heavy censoring.
run "$VIGIL" metrics --data "$REF/heavy.csv" --score risk --time time --event event --horizon 5 --no-store --format json
expect_rc 0 "heavy censoring"
expect_json "($same)(d['survival'], $G['heavy'])" "heavy censoring = the peers"

# Cell-size policy: a level's count under the floor withholds every level's block of the group.
run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk --time time --event event --horizon 5 --group group \
    --min-cell 40 --no-store --format json
expect_rc 0 "min-cell 40"
expect_json "isinstance(d['survival']['auc']['value'], float)" "overall shown (every count >= 40)"
expect_json "all(l['survival'].get('withheld') and 'auc' not in l['survival'] and l['n'] is None for l in d['subgroups']['group']['levels'].values())" "all levels withheld (one has 35 censored)"
# A level of 5 subjects (and its intersection): its group's blocks are withheld, the other
# group's are shown, and no count from 1 to 10 appears anywhere in a survival block.
/usr/bin/python3 -c "
import csv, sys
r = list(csv.reader(open('$REF/moderate.csv')))
w = csv.writer(open('$T/small.csv', 'w', newline=''))
w.writerow(r[0] + ['site'])
for i, row in enumerate(r[1:]): w.writerow(row + ['x' if i < 5 else 'y'])
"
for fmt in json table; do
    run "$VIGIL" metrics --data "$T/small.csv" --score risk --time time --event event --horizon 5 --group site \
        --group group --group group+site --no-store --format $fmt
    expect_rc 0 "a level of 5 ($fmt)"
done
run "$VIGIL" metrics --data "$T/small.csv" --score risk --time time --event event --horizon 5 --group site \
    --group group --group group+site --no-store --format json
expect_json "all(l['survival'].get('withheld') for g in ('site', 'group+site') for l in d['subgroups'][g]['levels'].values())" "the small level's groups withheld"
expect_json "all('auc' in l['survival'] for l in d['subgroups']['group']['levels'].values())" "the other group shown"
run "$VIGIL" metrics --data "$T/small.csv" --score risk --label event --time time --event event --horizon 5 \
    --group site --bootstrap 0 --no-store --format json
expect_json "d['subgroups']['site']['levels']['x']['suppressed'] and all(l['survival'].get('withheld') for l in d['subgroups']['site']['levels'].values())" "with --label: the report's withheld level withholds the group's survival blocks"
expect_json "not any(isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= 10 and k in ('n', 'events_by_horizon', 'censored_before_horizon', 'event_free_past_horizon') for k, v in (lambda f: f(f, d))(lambda f, o: [kv for k2, v2 in (o.items() if isinstance(o, dict) else enumerate(o) if isinstance(o, list) else []) for kv in ([(k2, v2)] + f(f, v2))]))" "no count 1..10 printed"
run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk --time time --event event --horizon 5 --min-cell 200 --no-store --format json
expect_json "d['survival'].get('withheld') and 'km_risk' not in d['survival']" "overall withheld under the floor"

# A risk group whose subjects nearly all have an event by H: its n and its events are each 0
# or >= 11, but n - events (the subjects without one) is 5. The curve takes fewer groups
# until each group's rest is safe too (the attacker recovers 5 from the old rule's output).
/usr/bin/python3 -c "
import random
random.seed(3)
w = open('$T/top.csv', 'w')
w.write('risk,time,event\n')
for i in range(300):
    r = (i + 0.5) / 300
    # tenths of 30: the lower five without an event by H, the next four 15 events each, the
    # top 25 (5 event-free to t = 9)
    e = i >= 150 and (i % 30 < 15 or (i >= 270 and i < 295))
    t = round(random.uniform(0.5, 4.5), 3) if e else round(random.uniform(5.5, 9.5), 3)
    w.write('%.5f,%s,%d\n' % (0.02 + 0.9 * r, t, int(e)))
"
run "$VIGIL" metrics --data "$T/top.csv" --score risk --time time --event event --horizon 5 --no-store --format json
expect_rc 0 "a risk group of 30 with 25 events"
cp "$T/out" "$T/top.json"
/usr/bin/python3 "$ROOT/tests/cli/small_cells_survival.py" "$T/top.json" \
    || { echo "FAIL: a survival risk group's non-events give a small count away"; fails=$((fails + 1)); }
expect_json "d['survival']['calibration'].get('withheld') or d['survival']['calibration']['n_groups'] < 10" "fewer risk groups"

# Usage.
run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk --time time --horizon 5
expect_rc 2 "--time without --event"
expect_err "go together" "--time without --event: message"
run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk
expect_rc 2 "no label, no time"
expect_err "--label is required" "no label: message"
run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk --time time --event event --horizon 5 --threshold 0.3
expect_rc 2 "--threshold needs --label"
expect_err "needs --label" "--threshold without --label: message"
run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk --time time --event event --horizon 5 --bootstrap 100
expect_rc 2 "--bootstrap without --label"
expect_err "influence function, not a bootstrap" "--bootstrap without --label: message"
run "$VIGIL" metrics --data "$REF/moderate.csv" --score risk --time time --event event --horizon 0
expect_rc 2 "--horizon 0"
expect_err "positive" "--horizon 0: message"
# Suites (issue 16): follow-up columns and a horizon in the data section make the survival
# metrics criteria, with the same numbers as vigil metrics; the 0/1 label at the horizon stays
# beside them (the suite's binary view, a sensitivity analysis here).
/usr/bin/python3 - "$REF/moderate.csv" "$T/surv.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["time", "event", "risk", "group", "label"])
    for r in rows:
        w.writerow([r["time"], r["event"], r["risk"], r["group"], int(r["event"] == "1" and float(r["time"]) <= 5)])
PY
cat >"$T/surv_suite.json" <<'JSON'
{ "name": "5-year risk", "data": { "path": "surv.csv", "horizon": 5,
    "columns": { "label": "label", "score": "risk", "followup_time": "time", "event": "event", "groups": ["group"] } },
  "bootstrap": 0, "criteria": [
    { "name": "time-dependent AUROC lower bound", "metric": "survival_auroc", "rule": "ci_low_at_least", "value": 0.6 },
    { "name": "calibration in the large at H", "metric": "oe_ratio", "rule": "between", "low": 0.8, "high": 1.2 },
    { "name": "every group's AUROC(t)", "metric": "survival_auroc", "scope": { "group": "group", "every_level": true },
      "rule": "at_least", "value": 0.75 } ] }
JSON
run "$VIGIL" metrics --data "$T/surv.csv" --score risk --time time --event event --horizon 5 --group group --no-store --format json
cp "$T/out" "$T/surv_metrics.json"
run "$VIGIL" suite run "$T/surv_suite.json" --format json
expect_rc 1 "a survival criterion fails (one group's AUROC(t) under 0.75)"
expect_json "(lambda m: [c['pass'] for c in d['criteria']] == [True, True, False] and abs(d['criteria'][0]['ci_low'] - m['survival']['auc']['ci_low']) < 1e-4 and abs(d['criteria'][1]['observed'] - m['survival']['oe_ratio']) < 1e-4 and 'survival' in d['metrics']['candidate'])(json.load(open('$T/surv_metrics.json')))" "criteria = vigil metrics' survival block"
sed 's/"horizon": 5,//' "$T/surv_suite.json" >"$T/surv_nohorizon.json"
run "$VIGIL" suite run "$T/surv_nohorizon.json"
expect_rc 2 "follow-up columns without a horizon"
expect_err "needs all three of columns.followup_time, columns.event and horizon" "says what is missing"
sed 's/"followup_time": "time", "event": "event", //; s/"horizon": 5,//' "$T/surv_suite.json" >"$T/surv_nocols.json"
run "$VIGIL" suite run "$T/surv_nocols.json"
expect_rc 2 "a survival metric without follow-up columns"
expect_err "is a time-to-event metric: give \$.data.columns.followup_time" "names the keys"
finish
