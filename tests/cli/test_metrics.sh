#!/bin/sh
# vigil metrics: the JSON contract (design.md), subgroups and suppression, the store, bad input.
. "$(dirname "$0")/lib.sh"
CASE="$ROOT/tests/reference/metrics/case_a.csv"

run "$VIGIL" metrics --data "$CASE" --score score --label label --group sex --group race \
    --group sex+race --threshold 0.5 --threshold 0.2 --bootstrap 50 --seed 7 --format json
expect_rc 0 "metrics json"
expect_json "d['n'] == 600 and abs(d['prevalence'] - 214/600) < 1e-12" "n and prevalence"
expect_json "all(k in d['discrimination']['auroc'] for k in ('value','ci_low','ci_high'))" "auroc keys"
expect_json "abs(d['discrimination']['auroc']['value'] - 0.73201055638952106) < 1e-9" "auroc = pROC"
expect_json "abs(d['discrimination']['auroc']['ci_low'] - 0.69123289426436119) < 1e-6" "DeLong CI = pROC"
expect_json "isinstance(d['discrimination']['auprc']['value'], float)" "auprc value"
expect_json "all(isinstance(d['calibration'][k], float) for k in ('brier','ece','ece_equal_mass','mce','slope','intercept','citl','eavg','e50','e90','emax','spiegelhalter_z','spiegelhalter_p'))" "calibration keys are numbers"
expect_json "abs(d['calibration']['slope'] - 0.79671185532157174) < 1e-4" "slope = val.prob"
expect_json "set(d['calibration']['hosmer_lemeshow']) >= {'stat','df','p'} and d['calibration']['hosmer_lemeshow']['df'] == 8" "hosmer-lemeshow"
expect_json "d['threshold']['value'] == 0.5 and all(k in d['threshold'] for k in ('tpr','fpr','ppv','npv','selection_rate'))" "threshold keys"
expect_json "[t['value'] for t in d['thresholds']] == [0.5, 0.2]" "repeated thresholds"
expect_json "all(set(l) >= {'n','prevalence','auroc','tpr','fpr','ppv','selection_rate','suppressed'} for c in d['subgroups'].values() for l in c['levels'].values())" "level keys"
expect_json "all(set(l) >= {'e50','thresholds','calibration'} and len(l['thresholds']) == 2 and 'specificity_ci' in l['thresholds'][1] and set(l['calibration']) >= {'hosmer_lemeshow','spiegelhalter_p','reliability','brier_reliability'} for l in d['subgroups']['sex']['levels'].values())" "every metric per level"
expect_json "abs(d['subgroups']['sex']['levels']['F']['thresholds'][0]['tpr'] - d['subgroups']['sex']['levels']['F']['tpr']) < 1e-15" "first threshold = the flat keys"
expect_json "all(set(c['disparities']) >= {'demographic_parity_difference','demographic_parity_ratio','equalized_odds_difference','equal_opportunity_difference','auroc_gap'} for c in d['subgroups'].values())" "disparity keys"
expect_json "set(d['subgroups']) == {'sex','race','sex+race'} and 'F+A' in d['subgroups']['sex+race']['levels']" "intersection levels"
expect_json "d['bootstrap']['replicates'] == 50 and d['bootstrap']['seed'] == 7" "bootstrap recorded"
expect_json "set(d['seconds']) == {'load','compute','write'}" "seconds"
expect_json "not any(isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= 10 and k == 'n' for k, v in (lambda f: f(f, d))(lambda f, o: [kv for k2, v2 in (o.items() if isinstance(o, dict) else enumerate(o) if isinstance(o, list) else []) for kv in ([(k2, v2)] + f(f, v2))]))" "no count 1..10 printed"
cp "$T/out" "$T/first.json"

# Paired DeLong test against a second score (pROC roc.test).
run "$VIGIL" metrics --data "$CASE" --score score --label label --compare score2 --bootstrap 0 --no-store --format json
expect_rc 0 "compare"
expect_json "abs(d['discrimination']['delong_test']['z'] - 3.6274748376561767) < 1e-6 and abs(d['discrimination']['delong_test']['p'] - 0.00028620665706880313) < 1e-6" "paired DeLong = pROC roc.test"

# Same seed, other thread count: same numbers.
run "$VIGIL" metrics --data "$CASE" --score score --label label --group sex --group race \
    --group sex+race --threshold 0.5 --threshold 0.2 --bootstrap 50 --seed 7 --threads 1 --format json
expect_rc 0 "metrics one thread"
expect_json "(lambda a: (a.pop('seconds'), d.pop('seconds'), a.pop('run_id'), d.pop('run_id'), a == d)[4])(json.load(open('$T/first.json')))" "thread count does not change results"

# Stored run: kind metrics, visible in history, result document kept.
run "$VIGIL" history --format json
expect_rc 0 "history"
expect_json "len(d['runs']) == 2 and all(r['kind'] == 'metrics' and r['status'] == 'completed' for r in d['runs'])" "runs stored"
run "$VIGIL" metrics --data "$CASE" --score score --label label --bootstrap 0 --no-store
expect_rc 0 "table output"
expect_out "AUROC (DeLong)" "table has AUROC"
expect_out "calibration-in-the-large" "table has CITL"
run "$VIGIL" history --format json
expect_json "len(d['runs']) == 2" "--no-store stores nothing"

# Small cells: a level under --min-cell is suppressed, its n is null.
printf 'score,label,site\n' > "$T/small.csv"
i=0
while [ $i -lt 60 ]; do
    s=$(( (i * 37) % 100 )); l=$(( (i * 7) % 3 == 0 ? 1 : 0 )); site=$([ $i -lt 5 ] && echo tiny || echo big)
    printf '0.%02d,%d,%s\n' "$s" "$l" "$site" >> "$T/small.csv"; i=$((i + 1))
done
run "$VIGIL" metrics --data "$T/small.csv" --score score --label label --group site --bootstrap 0 --no-store --format json
expect_rc 0 "small cells"
expect_json "d['subgroups']['site']['levels']['tiny']['suppressed'] is True and d['subgroups']['site']['levels']['tiny']['n'] is None" "tiny level suppressed"

# Bad input: file:line:column and exit 2.
printf 'score,label\n0.2,0\n1.3,1\n0.4,1\n' > "$T/bad.csv"
run "$VIGIL" metrics --data "$T/bad.csv" --score score --label label --no-store
expect_rc 2 "score out of range"
expect_err "bad.csv:3:1: 1.3" "names file:line:column of the bad score"
printf 'score,label\n0.2,0\nNA,1\n0.4,1\n' > "$T/nan.csv"
run "$VIGIL" metrics --data "$T/nan.csv" --score score --label label --no-store
expect_rc 2 "missing score"
expect_err "nan.csv:3:1: missing" "names the missing score"
printf 'label,score\n0,0.2\n2,0.3\n1,0.4\n' > "$T/lab.csv"
run "$VIGIL" metrics --data "$T/lab.csv" --score score --label label --no-store
expect_rc 2 "label not 0/1"
expect_err "lab.csv:3:1: 2" "names the bad label"
printf 'score,label\n' > "$T/empty.csv"
run "$VIGIL" metrics --data "$T/empty.csv" --score score --label label --no-store
expect_rc 2 "no data rows"
expect_err "no cases" "empty file"
: > "$T/zero.csv"
run "$VIGIL" metrics --data "$T/zero.csv" --score score --label label --no-store
expect_rc 2 "empty file"
expect_err "empty file" "zero-byte file"
printf 'score,label\n0.2,1\n0.3,1\n' > "$T/one.csv"
run "$VIGIL" metrics --data "$T/one.csv" --score score --label label --no-store
expect_rc 2 "single class"
expect_err "every label is 1" "single class message"
run "$VIGIL" metrics --data "$CASE" --score nope --label label --no-store
expect_rc 2 "unknown column"
expect_err "--score column 'nope'" "names the missing column and setting"
run "$VIGIL" metrics --data "$CASE" --score score
expect_rc 2 "usage"
expect_err "--label is required" "missing --label"
run "$VIGIL" metrics --data "$CASE" --score score --label label --threshold 2
expect_rc 2 "threshold range"
run "$VIGIL" metrics --data "$CASE" --score score --label label --group sex --group sex
expect_rc 2 "repeated group"
expect_err "--group 'sex' given twice" "repeated group message"
run "$VIGIL" metrics --data "$CASE" --score score --label label --group nope --no-store
expect_rc 2 "unknown group column"
expect_err "--group column 'nope'" "names the setting"
run "$VIGIL" metrics --help
expect_rc 0 "help"
expect_out "usage: vigil metrics" "help text"
# --backend picks the bootstrap's backend (the one rule of the seam); the numbers are the CPU's
run "$VIGIL" metrics --data "$CASE" --score score --label label --bootstrap 20 --backend cpu --no-store --format json
expect_rc 0 "metrics --backend cpu"
expect_json "d['bootstrap']['backend'] == 'cpu'" "bootstrap.backend names the CPU"
run "$VIGIL" metrics --data "$CASE" --score score --label label --backend gpu --no-store
expect_rc 2 "unknown backend"
expect_err "--backend: expected auto, cpu or cuda, not 'gpu'" "unknown backend message"
if "$VIGIL" --version | grep -q 'CUDA not compiled in'; then
    run "$VIGIL" metrics --data "$CASE" --score score --label label --backend cuda --no-store
    expect_rc 2 "--backend cuda without CUDA"
    expect_err "--backend cuda: this build has no CUDA backend (it was built with CUDA=0)" "names the build switch"
fi

# The human in the loop (issue 21) against statsmodels 0.13.5 (tests/reference/human_ref.py):
# overall, per level with the cell-size policy, the gap in override rates (Newcombe), overrides
# by reason; and the single-arm case 'a' (exposure, decision time, the two arms).
HG="$ROOT/tests/reference/human/case_groups"
run "$VIGIL" metrics --data "$HG.csv" --score score --label label --threshold 0.3 --decision decision \
    --group site --group unit --override-reason reason --bootstrap 0 --no-store --format json
expect_rc 0 "human block"
cat >"$T/human_check.py" <<PY
import json, math, sys
d = json.load(open("$T/out"))["human"]
ref = json.load(open("$HG.json"))
def close(a, b, tol=1e-9):
    return a is not None and b is not None and abs(a - b) <= tol * max(1.0, abs(b))
def same(mine, want):
    if want is None:
        return mine["value"] is None
    return all(close(mine[k], want[k]) for k in ("value", "ci_low", "ci_high"))
bad = []
o = ref["overall"]
if d["n"] != ref["n"] or d["threshold"] != ref["threshold"]: bad.append("n/threshold")
for k, mine in (("agreement", d["agreement"]), ("override_of_flags", d["override_of_flags"]),
                ("override_of_nonflags", d["override_of_nonflags"]), ("team_sensitivity", d["team"]["sensitivity"]),
                ("team_ppv", d["team"]["ppv"]), ("model_ppv", d["model"]["ppv"]), ("flag_rate", d["flag_rate"])):
    if not same(mine, o[k]): bad.append("overall " + k)
for col, g in ref["groups"].items():
    mg = d["subgroups"][col]
    for lv, want in g["levels"].items():
        m = mg["levels"][lv]
        if m["withheld"] != want["withheld"]: bad.append(f"{col}={lv} withheld")
        for k in ("agreement", "override_of_flags", "override_of_nonflags", "team_sensitivity", "team_ppv", "model_ppv", "flag_rate"):
            if not same(m[k], None if want["withheld"] else want[k]): bad.append(f"{col}={lv} {k}")
        if want["withheld"] and m["agreement"].get("reason") != "withheld (cell-size policy)": bad.append(f"{col}={lv} reason")
    for k in ("override_of_flags_gap", "override_of_nonflags_gap"):
        want, mine = g[k], mg[k]
        if want is None:
            if mine["value"] is not None or "withheld" not in mine.get("reason", ""): bad.append(f"{col} {k} not given")
        elif not same(mine, want) or mine["highest"] != want["highest"] or mine["lowest"] != want["lowest"]:
            bad.append(f"{col} {k}")
rb = d["overrides_by_reason"]
if rb["overrides"] != ref["overrides_by_reason"]["overrides"]: bad.append("overrides")
for k, want in ref["overrides_by_reason"]["reasons"].items():
    m = rb["reasons"][k]
    if m["n"] != want["n"] or not same(m["share"], want["share"]): bad.append("reason " + k)
print(bad)
sys.exit(1 if bad else 0)
PY
/usr/bin/python3 "$T/human_check.py" >"$T/human.txt" ||
    { echo "FAIL: human block differs from tests/reference/human/case_groups.json: $(cat "$T/human.txt")"; fails=$((fails + 1)); }

HA="$ROOT/tests/reference/human/case_a"
run "$VIGIL" metrics --data "$HA.csv" --score score --label label --threshold 0.3 --decision decision \
    --arm arm --exposure exposure --decision-time decision_time --bootstrap 0 --no-store --format json
expect_rc 0 "human block with arms"
expect_json "(lambda h, r: abs(h['mcnemar']['p'] - r['mcnemar']['p']) < 1e-12 and h['mcnemar']['b'] == r['mcnemar']['b'] and abs(h['alerts_per_100']['ci_high'] - r['alerts_per_100']['ci_high']) < 1e-9 and abs(h['decision_time']['median'] - r['decision_time']['median']) < 1e-12 and abs(h['arms']['sensitivity_difference']['ci_low'] - r['arms']['sensitivity_difference']['ci_low']) < 1e-9 and h['arms']['nnt']['value'] is None and 'interval includes 0' in h['arms']['nnt_reason'])(d['human'], json.load(open('$HA.json')))" "McNemar, alerts, decision time, arms = statsmodels/scipy"
run "$VIGIL" metrics --data "$HA.csv" --score score --label label --threshold 0.3 --decision decision \
    --arm arm --bootstrap 0 --no-store
expect_rc 0 "human table"
expect_out "override of flags" "table shows the human block"

# Bad input: the message names file:line:column and the option.
printf 'score,label,decision\n0.2,0,1\n0.7,1,2\n' >"$T/hbad.csv"
for i in $(seq 1 20); do printf '0.%d,%d,%d\n' "$i" $((i % 2)) $((i % 2)) >>"$T/hbad.csv"; done
run "$VIGIL" metrics --data "$T/hbad.csv" --score score --label label --decision decision --no-store
expect_rc 2 "decision not 0/1"
expect_err "hbad.csv:3:3: --decision column 'decision' has 2; it must be 0 or 1" "names line, column, option"
run "$VIGIL" metrics --data "$T/hbad.csv" --score score --label label --decision nope --no-store
expect_rc 2 "unknown decision column"
expect_err "--decision column 'nope'" "names the option"
run "$VIGIL" metrics --data "$T/hbad.csv" --score score --label label --exposure decision --no-store
expect_rc 2 "exposure without decision"
expect_err "--exposure needs --decision" "says what is missing"
# The cell-size policy against an attacker (tests/cli/small_cells.py): random case files with
# small sites and sex x band cells, two thresholds (seeds 116 and 189: a level whose prevalence
# is withheld but whose threshold rows gave its events back); no count of 1..10 may be shown or derived
# as a total minus the shown parts, within a group or within a nested partition.
leaks=0
for seed in 1 2 3 4 5 6 7 8 9 10 11 12 116 189; do
    /usr/bin/python3 - "$seed" "$T/cells.csv" <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]))
sites = [("A", r.randint(60, 200)), ("B", r.randint(11, 40)), ("C", r.randint(3, 25)), ("D", r.randint(1, 14))]
with open(sys.argv[2], "w") as f:
    f.write("score,label,site,sex,band\n")
    for s, k in sites:
        for _ in range(k):
            p = r.random()
            f.write(f"{p:.4f},{int(r.random() < p)},{s},{r.choice('FM')},{r.choice('abc') if r.random() < 0.9 else 'd'}\n")
PY
    "$VIGIL" metrics --data "$T/cells.csv" --score score --label label --group site --group sex --group band \
        --group sex+band --threshold 0.5 --threshold 0.3 --bootstrap 0 --no-store --format json >"$T/cells.json" 2>"$T/err" ||
        { echo "FAIL: metrics on cells seed $seed: $(cat "$T/err")"; fails=$((fails + 1)); }
    /usr/bin/python3 "$ROOT/tests/cli/small_cells.py" "$T/cells.json" >"$T/leak.txt" ||
        { echo "FAIL: seed $seed: $(cat "$T/leak.txt")"; leaks=$((leaks + 1)); }
done
[ "$leaks" = 0 ] || fails=$((fails + 1))
# A level whose cases all have one score: its average precision is its prevalence, so where the
# prevalence is withheld (3 events in 20 cases) the AUPRC is withheld too.
/usr/bin/python3 - "$T/flat.csv" <<'PY'
import random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    f.write("score,label,site\n")
    for i in range(300):
        p = r.random(); f.write(f"{p:.4f},{int(r.random() < p)},A\n")
    for i in range(20):
        f.write(f"0.3000,{int(i < 3)},B\n")
PY
run "$VIGIL" metrics --data "$T/flat.csv" --score score --label label --group site --bootstrap 0 --no-store --format json
expect_rc 0 "metrics with a flat level"
expect_json "d['subgroups']['site']['levels']['B']['prevalence'] is None and d['subgroups']['site']['levels']['B']['auprc'] is None" "a flat level's AUPRC (= its prevalence) withheld with it"
expect_json "d['subgroups']['site']['levels']['A']['auprc'] is not None" "another level's AUPRC shown"
# calibration_gap is the CITL gap on the log-odds scale (issue 18; it had been the larger of
# the ECE gap, a probability, and the CITL gap). Level A's scores are overconfident (0.1 or 0.9
# for a 50% risk: ECE about 0.4, CITL about 0), level B's calibrated: the ECE gap is large, the
# CITL gap small, and calibration_gap is the CITL gap, max - min of the levels' CITL.
/usr/bin/python3 - "$T/gap.csv" <<'PY'
import random, sys
r = random.Random(18)
with open(sys.argv[1], "w") as f:
    f.write("score,label,site\n")
    for i in range(2000):
        f.write(f"{r.choice((0.1, 0.9))},{int(r.random() < 0.5)},A\n")
    for i in range(2000):
        p = 0.05 + 0.9 * r.random(); f.write(f"{p:.4f},{int(r.random() < p)},B\n")
PY
run "$VIGIL" metrics --data "$T/gap.csv" --score score --label label --group site --bootstrap 0 --no-store --format json
expect_rc 0 "metrics by site"
expect_json "(lambda g: g['disparities']['calibration_gap_ece'] > 0.3 and abs(g['disparities']['calibration_gap'] - g['disparities']['calibration_gap_citl']) < 1e-15 and abs(g['disparities']['calibration_gap_citl'] - (max(l['citl'] for l in g['levels'].values()) - min(l['citl'] for l in g['levels'].values()))) < 1e-12)(d['subgroups']['site'])" "calibration_gap = the CITL gap, not the larger ECE gap"
# The same attacker for the human-in-the-loop block (small_cells_human.py), nested groups included.
leaks=0
for seed in 1 2 3 4 5 6 7 8; do
    /usr/bin/python3 - "$seed" "$T/hcells.csv" <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]))
sites = [("A", r.randint(300, 700)), ("B", r.randint(80, 300)), ("C", r.randint(20, 90)), ("D", r.randint(1, 30))]
with open(sys.argv[2], "w") as f:
    f.write("score,label,decision,site,sex\n")
    for s, k in sites:
        for _ in range(k):
            p = r.random()
            fl = p >= 0.4
            d = int(r.random() < (0.8 if fl else 0.1))
            f.write(f"{p:.4f},{int(r.random() < p)},{d},{s},{r.choice('FM')}\n")
PY
    "$VIGIL" metrics --data "$T/hcells.csv" --score score --label label --decision decision --threshold 0.4 \
        --group site --group sex --group site+sex --bootstrap 0 --no-store --format json >"$T/hcells.json" 2>"$T/err" ||
        { echo "FAIL: metrics --decision on cells seed $seed: $(cat "$T/err")"; fails=$((fails + 1)); }
    /usr/bin/python3 "$ROOT/tests/cli/small_cells_human.py" "$T/hcells.json" >"$T/leak.txt" ||
        { echo "FAIL: human seed $seed: $(cat "$T/leak.txt")"; leaks=$((leaks + 1)); }
done
[ "$leaks" = 0 ] || fails=$((fails + 1))
# Other field separators (issue 19): case_a re-saved with ';', '|' and tabs gives, with
# --delimiter, the comma file's document number for number (the pROC AUROC above included);
# the stored configuration records the separator; the same file read at commas is refused,
# naming metrics among the commands with --delimiter. The --train-ids file is read at it too:
# 30 shared ids in a ';' training file are counted as in the comma one.
/usr/bin/python3 - "$CASE" "$T" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
for name, dl in (("semi", ";"), ("pipe", "|"), ("tab", "\t")):
    with open("%s/case_%s.csv" % (sys.argv[2], name), "w", newline="") as f:
        csv.writer(f, delimiter=dl, lineterminator="\n").writerows(rows)
PY
same_doc() { # A.json B.json: equal but for what differs by run (its id, timings)
    /usr/bin/python3 -c "
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b):
    for k in ('run_id', 'seconds'): d.pop(k, None)
sys.exit(0 if a == b else 1)" "$1" "$2"
}
MOPT="--score score --label label --group sex --group race --group sex+race --threshold 0.5 --threshold 0.2 --bootstrap 50 --seed 7 --format json"
run "$VIGIL" metrics --data "$CASE" $MOPT --no-store; cp "$T/out" "$T/comma.json"
for sep in semi pipe tab; do
    case $sep in semi) dl=';' ;; pipe) dl='|' ;; tab) dl=tab ;; esac
    run "$VIGIL" metrics --data "$T/case_$sep.csv" --delimiter "$dl" $MOPT --db "$T/dl.db"
    expect_rc 0 "metrics --delimiter $dl"
    expect_json "abs(d['discrimination']['auroc']['value'] - 0.73201055638952106) < 1e-9" "--delimiter $dl: auroc = pROC"
    same_doc "$T/comma.json" "$T/out" || { echo "FAIL: metrics --delimiter $dl: not the comma file's numbers"; fails=$((fails + 1)); }
done
/usr/bin/python3 -c "
import sqlite3, json, sys
c = [json.loads(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT config_json FROM runs ORDER BY id')]
assert [x.get('delimiter') for x in c] == [';', '|', '\t'], c" "$T/dl.db" || { echo "FAIL: the stored configurations do not record the separators"; fails=$((fails + 1)); }
run "$VIGIL" metrics --data "$T/case_semi.csv" --score score --label label --no-store
expect_rc 2 "a ';' file read at commas"
expect_err "--delimiter ';' for drift, cases join, predict, replay, explain and metrics)" "the way out names metrics"
run "$VIGIL" metrics --data "$T/case_semi.csv" --delimiter , --score score --label label --no-store
expect_rc 2 "--delimiter , is the default: still refused"
run "$VIGIL" metrics --data "$CASE" --delimiter : --score score --label label --no-store
expect_rc 2 "an unknown separator"
expect_err "--delimiter: expected ',', ';', '|' or tab, not ':'" "names it"
TEST="$ROOT/datasets/flchain/test.csv" TRAIN="$ROOT/datasets/flchain/train.csv"
/usr/bin/python3 - "$TEST" "$TRAIN" "$T" <<'PY'
import csv, sys
test = list(csv.reader(open(sys.argv[1], newline="")))
train = [r["case_id"] for r in csv.DictReader(open(sys.argv[2]))]
ids = [r[test[0].index("case_id")] for r in test[1:]]
for name, dl in (("semi", ";"),):
    with open("%s/test_%s.csv" % (sys.argv[3], name), "w", newline="") as f:
        csv.writer(f, delimiter=dl, lineterminator="\n").writerows(test)
    with open("%s/train_%s.csv" % (sys.argv[3], name), "w", newline="") as f:
        f.write("pid%sx\n" % dl)
        for i in train[:200] + ids[100:130]:
            f.write("%s%s1\n" % (i, dl))
PY
run "$VIGIL" metrics --data "$T/test_semi.csv" --delimiter ';' --score score --label death_5y --id case_id \
    --train-ids "$T/train_semi.csv:pid" --bootstrap 0 --no-store --format json
expect_rc 0 "metrics --delimiter ';' --train-ids"
expect_json "d['sequestration']['overlap'] == 30 and d['training_data']['rows'] == 230" "the ';' training file's 30 shared ids"
# multi-class (--class-scores reads the header for its class columns): the same document
MC="$ROOT/tests/reference/multiclass/main.csv"
/usr/bin/python3 -c "
import csv, sys
csv.writer(open(sys.argv[2], 'w', newline=''), delimiter='|', lineterminator='\n').writerows(csv.reader(open(sys.argv[1], newline='')))" "$MC" "$T/mc_pipe.csv"
run "$VIGIL" metrics --data "$MC" --label dx --class-scores p_ --group site --bootstrap 20 --no-store --format json
cp "$T/out" "$T/mc_comma.json"
run "$VIGIL" metrics --data "$T/mc_pipe.csv" --delimiter '|' --label dx --class-scores p_ --group site --bootstrap 20 --no-store --format json
expect_rc 0 "multi-class metrics --delimiter '|'"
same_doc "$T/mc_comma.json" "$T/out" || { echo "FAIL: multi-class --delimiter '|': not the comma file's numbers"; fails=$((fails + 1)); }
finish
