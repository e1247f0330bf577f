#!/bin/sh
# vigil metrics --class-scores (issue 20): the multiclass block against scikit-learn
# (tests/reference/multiclass_ref.py), subgroups and the cell-size policy, the store, bad input.
. "$(dirname "$0")/lib.sh"
REF="$ROOT/tests/reference/multiclass"
G="(g := json.load(open('$REF/main.json'))) is not None"

run "$VIGIL" metrics --data "$REF/main.csv" --label dx --class-scores p_ --group site --group sex \
    --bootstrap 40 --seed 3 --format json
expect_rc 0 "multiclass json"
expect_json "d['n'] == 2000 and d['multiclass']['n_classes'] == 5 and d['multiclass']['top_k'] == 3" "n, classes, K"
expect_json "d['multiclass']['class_order'] == ['flu', 'covid', 'rsv', 'strep', 'other']" "classes in column order"
for k in accuracy top_k_accuracy log_loss brier auroc_ovr_macro auroc_ovr_weighted mrr ece_classwise ece_top_label; do
    expect_json "$G and abs(d['multiclass']['$k']['value'] - g['overall']['$k']) < 1e-12" "$k = scikit-learn"
    expect_json "d['multiclass']['$k']['ci_low'] < d['multiclass']['$k']['ci_high']" "$k interval"
done
expect_json "$G and all(abs(d['multiclass']['classes'][c]['auroc']['value'] - g['overall']['classes'][str(i)]['auroc']) < 1e-12 for i, c in enumerate(g['classes']))" "per-class AUROC = roc_auc_score"
expect_json "$G and all(abs(d['multiclass']['classes'][c]['sensitivity']['value'] - g['overall']['classes'][str(i)]['sensitivity']) < 1e-12 and abs(d['multiclass']['classes'][c]['ppv']['value'] - g['overall']['classes'][str(i)]['ppv']) < 1e-12 for i, c in enumerate(g['classes']))" "sensitivity, PPV = recall_score, precision_score"
expect_json "$G and all(v is None or v == w for r1, r2 in zip(d['multiclass']['confusion_matrix']['counts'], g['overall']['confusion_matrix']) for v, w in zip(r1, r2))" "confusion matrix = confusion_matrix"
expect_json "len(d['multiclass']['calibration_top_label']) == 10 and all(set(b) >= {'bin_low','bin_high','n','confidence','accuracy','ci_low','ci_high'} for b in d['multiclass']['calibration_top_label'])" "top-label curve"
expect_json "d['multiclass']['subgroups']['site']['levels']['island']['suppressed'] is True and d['multiclass']['subgroups']['site']['levels']['island']['n'] is None" "small level suppressed"
expect_json "$G and abs(d['multiclass']['subgroups']['sex']['levels']['F']['mrr']['value'] - g['subgroups']['sex']['levels']['F']['mrr']) < 1e-12" "a level's MRR"
expect_json "$G and abs(d['multiclass']['subgroups']['sex']['disparities']['auroc_ovr_macro_gap']['value'] - g['subgroups']['sex']['disparities']['auroc_ovr_macro_gap']) < 1e-12" "macro AUROC gap"
expect_json "d['multiclass']['subgroups']['site']['disparities']['top_k_accuracy_gap']['value'] is None and 'reason' in d['multiclass']['subgroups']['site']['disparities']['top_k_accuracy_gap']" "a gap over a withheld level is not given"
expect_json "d['bootstrap']['replicates'] == 40 and d['bootstrap']['seed'] == 3 and set(d['seconds']) == {'load','compute','write'}" "bootstrap, seconds"
expect_json "not any(isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= 10 and k == 'n' for k, v in (lambda f: f(f, d))(lambda f, o: [kv for k2, v2 in (o.items() if isinstance(o, dict) else enumerate(o) if isinstance(o, list) else []) for kv in ([(k2, v2)] + f(f, v2))]))" "no count 1..10 printed"
expect_json "all(v is None or v == 0 or v >= 11 for row in d['multiclass']['confusion_matrix']['counts'] for v in row)" "no confusion cell 1..10"
expect_json "'binary' not in d and 'discrimination' not in d" "no binary blocks"
attack() {
    /usr/bin/python3 "$ROOT/tests/cli/small_cells_multiclass.py" "$T/out" >"$T/attack" 2>&1 || {
        echo "FAIL: $1: the attacker derives a small count: $(head -c 600 "$T/attack")"
        fails=$((fails + 1))
    }
}
attack "main"
RUN_ID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")

# The stored run: history lists it; the result document is the one printed.
run "$VIGIL" history --format json
expect_json "any(r['id'] == $RUN_ID and r['kind'] == 'metrics' and r['status'] == 'completed' for r in d['runs'])" "stored run"

# The attacker on a file made for it: a rare class, small sites and wards, their intersection
# nested in each; no count it can derive from the document is 1 to min-cell - 1.
/usr/bin/python3 - "$T/adv.csv" <<'EOF'
import sys
import numpy as np
rng = np.random.default_rng(7)
n, k = 400, 4
y = rng.choice(k, size=n, p=[0.5, 0.3, 0.15, 0.05])
L = rng.normal(size=(n, k))
L[np.arange(n), y] += 1.0
P = np.exp(L)
P /= P.sum(1, keepdims=True)
P = np.round(P, 3)
P[:, -1] = np.round(1 - P[:, :-1].sum(1), 3)
P[P[:, -1] < 0] = [0.25, 0.25, 0.25, 0.25]
site = rng.choice(["a", "b", "c", "d", "e"], size=n, p=[0.4, 0.3, 0.2, 0.07, 0.03])
ward = rng.choice(["w1", "w2", "w3"], size=n, p=[0.6, 0.35, 0.05])
with open(sys.argv[1], "w") as f:
    f.write("dx,p_A,p_B,p_C,p_D,site,ward\n")
    for i in range(n):
        f.write("ABCD"[y[i]] + "," + ",".join(f"{v:.3f}" for v in P[i]) + f",{site[i]},{ward[i]}\n")
EOF
for min_cell in 11 5 20; do
    run "$VIGIL" metrics --data "$T/adv.csv" --label dx --class-scores p_ --group site --group ward \
        --group site+ward --min-cell $min_cell --bootstrap 0 --no-store --format json
    expect_rc 0 "adversarial file, min-cell $min_cell"
    attack "adversarial file, min-cell $min_cell"
done

# A class absent from the labels: null AUROC with the reason; the means over the others.
run "$VIGIL" metrics --data "$REF/absent.csv" --label dx --class-scores p_ --no-store --bootstrap 0 --format json
expect_rc 0 "absent class"
expect_json "d['multiclass']['classes']['d']['auroc']['value'] is None and 'absent' in d['multiclass']['classes']['d']['auroc']['reason']" "absent class: null AUROC, reason"
expect_json "abs(d['multiclass']['auroc_ovr_macro']['value'] - json.load(open('$REF/absent.json'))['overall']['auroc_ovr_macro']) < 1e-12 and d['multiclass']['auroc_ovr_classes'] == 3" "macro over present classes"

# --top-k 1 is accuracy; the table.
run "$VIGIL" metrics --data "$REF/fifty.csv" --label dx --class-scores p_ --top-k 1 --no-store --bootstrap 0 --format json
expect_json "d['multiclass']['top_k_accuracy']['value'] == d['multiclass']['accuracy']['value'] and d['multiclass']['n_classes'] == 50" "top-1 = accuracy, 50 classes"
run "$VIGIL" metrics --data "$REF/two.csv" --label dx --class-scores p_ --no-store --bootstrap 0
expect_rc 0 "table"
expect_out "multi-class metrics: 500 cases, 2 classes" "table header"
expect_out "auroc_ovr_macro" "table rows"
run "$VIGIL" metrics --data "$REF/main.csv" --label dx --class-scores p_ --group site --no-store --bootstrap 0
expect_out "site = island: suppressed (cell-size policy" "table: a small level suppressed"
expect_out "site = (missing): suppressed (cell-size policy" "table: the level withheld with it"

# `vigil predict` on a multi:softprob model writes the columns this command reads: the bundled
# age-band model, joined with its label, against XGBoost's own Booster.predict
# (multiclass_ref.py: flchain_softprob.json). Band 0 ('<50') never occurs in flchain.
run "$VIGIL" predict --model "$ROOT/datasets/models/flchain_agegroup_softprob.json" \
    --data "$ROOT/datasets/flchain/test.csv" --id case_id --out "$T/sp.csv"
expect_rc 0 "softprob predict"
/usr/bin/python3 - "$ROOT/datasets/flchain/test.csv" "$T/sp.csv" "$T/spj.csv" <<'EOF'
import csv, sys
bands = {b: str(i) for i, b in enumerate(["<50", "50-59", "60-69", "70-79", "80+"])}
band = {r["case_id"]: bands[r["age_band"]] for r in csv.DictReader(open(sys.argv[1]))}
rows = list(csv.reader(open(sys.argv[2])))
with open(sys.argv[3], "w") as f:
    f.write(",".join(rows[0]) + ",age_class\n")
    for r in rows[1:]:
        f.write(",".join(r) + "," + band[r[0]] + "\n")
EOF
run "$VIGIL" metrics --data "$T/spj.csv" --class-scores score_ --label age_class --bootstrap 0 --no-store --format json
expect_rc 0 "metrics on predict's columns"
SP="(g := json.load(open('$REF/flchain_softprob.json'))['overall']) is not None"
expect_json "d['multiclass']['class_order'] == ['0', '1', '2', '3', '4'] and d['n'] == 3072" "predict's classes"
expect_json "$SP and d['multiclass']['accuracy']['value'] == g['accuracy'] and d['multiclass']['top_k_accuracy']['value'] == g['top_k_accuracy']" "accuracy, top-3 = XGBoost + scikit-learn"
for k in log_loss brier auroc_ovr_macro auroc_ovr_weighted mrr ece_classwise ece_top_label; do
    expect_json "$SP and abs(d['multiclass']['$k']['value'] - g['$k']) < 1e-6" "$k through predict = XGBoost + scikit-learn"
done
expect_json "d['multiclass']['classes']['0']['auroc']['value'] is None and d['multiclass']['auroc_ovr_classes'] == 4" "the band that never occurs"

# Suites (issue 20): criteria on the multi-class metrics, with non-inferiority against the
# predecessor's class probabilities on the same cases (multiclass_ref.py: suite.{csv,json}).
cat >"$T/mc_suite.json" <<EOF
{ "name": "dx-ranker-v2", "version": "1",
  "data": { "path": "$REF/suite.csv",
            "columns": { "label": "dx", "class_scores": "p_", "predecessor_class_scores": "q_",
                         "groups": ["site"] } },
  "seed": 5, "bootstrap": 100,
  "criteria": [
    { "name": "accuracy", "metric": "accuracy", "rule": "at_least", "value": 0.7 },
    { "name": "macro AUROC not worse", "metric": "auroc_ovr_macro", "rule": "non_inferior", "margin": 0.02 },
    { "name": "accuracy not worse anywhere", "metric": "accuracy", "scope": { "group": "site", "every_level": true },
      "rule": "non_inferior", "margin": 0.05 },
    { "name": "MRR everywhere", "metric": "mrr", "scope": { "group": "site", "every_level": true },
      "rule": "at_least", "value": 0.8 },
    { "name": "top-3 everywhere", "metric": "top_k_accuracy", "scope": { "group": "site", "every_level": true },
      "rule": "at_least", "value": 0.9 },
    { "name": "macro AUROC gap", "metric": "auroc_ovr_macro_gap", "scope": { "group": "site" }, "rule": "at_most", "value": 0.1 },
    { "name": "macro AUROC max gap", "metric": "auroc_ovr_macro", "scope": { "group": "site" }, "rule": "max_gap", "value": 0.1 },
    { "name": "log loss ceiling", "metric": "log_loss", "rule": "ci_high_at_most", "value": 2 },
    { "name": "Brier too strict", "metric": "brier_multiclass", "rule": "at_most", "value": 0.1 }
  ] }
EOF
run "$VIGIL" suite run "$T/mc_suite.json" --format json
expect_rc 1 "a multi-class suite with one failing criterion"
S="(g := json.load(open('$REF/suite.json'))) is not None and (c := {x['name']: x for x in d['criteria']}) is not None"
expect_json "$S and c['accuracy']['pass'] and c['accuracy']['observed'] == g['candidate']['accuracy']" "accuracy criterion = scikit-learn"
expect_json "$S and c['macro AUROC not worse']['pass'] and abs(c['macro AUROC not worse']['observed'] - (g['candidate']['auroc_ovr_macro'] - g['predecessor']['auroc_ovr_macro'])) < 1e-12 and c['macro AUROC not worse']['ci_low'] < c['macro AUROC not worse']['observed'] < c['macro AUROC not worse']['ci_high']" "non-inferiority: candidate minus predecessor, paired interval"
expect_json "$S and abs(d['comparison']['auroc_ovr_macro']['predecessor'] - g['predecessor']['auroc_ovr_macro']) < 1e-12 and d['comparison']['auroc_ovr_macro']['method'] == 'paired bootstrap'" "the comparison entry"
expect_json "$S and c['accuracy not worse anywhere']['pass'] and c['MRR everywhere']['pass']" "every level"
expect_json "$S and not c['top-3 everywhere']['pass'] and 'site=south' in c['top-3 everywhere']['detail']" "a level withholding its top-3 accuracy (cell-size policy) fails as not evaluable"
expect_json "$S and abs(c['macro AUROC gap']['observed'] - (max(l['candidate']['auroc_ovr_macro'] for l in g['levels'].values()) - min(l['candidate']['auroc_ovr_macro'] for l in g['levels'].values()))) < 1e-12" "macro AUROC gap = scikit-learn per level"
expect_json "$S and c['macro AUROC max gap']['pass'] and abs(c['macro AUROC max gap']['observed'] - c['macro AUROC gap']['observed']) < 1e-12" "max_gap over the levels"
expect_json "$S and c['log loss ceiling']['pass'] and abs(c['log loss ceiling']['observed'] - g['candidate']['log_loss']) < 1e-12" "log loss"
expect_json "$S and not c['Brier too strict']['pass'] and not d['passed']" "a failing criterion fails the suite"
expect_json "d['n_classes'] == 4 and d['metrics']['candidate']['multiclass']['n_classes'] == 4 and 'predecessor' in d['metrics']" "the reports in the result"
SUITE_RUN=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$VIGIL" report --run "$SUITE_RUN" --out "$T/rep" --no-plots
# (the interval's method mark, issue 18, after it)
grep -q "| One-vs-rest AUROC, macro mean | 0.926 | 0.9[0-9]* to 0.9[0-9]* <sup>[a-z]</sup> | 0.829 | " "$T/rep/report.md" ||
    { echo "FAIL: the report's performance table lacks the multi-class metrics"; fails=$((fails + 1)); }
# issue 18: each multi-class interval's method, stored beside it and shown: BCa (or the
# percentile interval and why), Wilson score for a class's rates, DeLong for its AUROC
/usr/bin/python3 - "$T/rep/evidence.json" "$VIGIL_DB" "$SUITE_RUN" <<'PY' || { echo "FAIL: the multi-class intervals' methods"; fails=$((fails + 1)); }
import json, sqlite3, sys
ev = json.load(open(sys.argv[1]))
d = json.loads(sqlite3.connect(sys.argv[2]).execute("select body from documents where run_id=? and name='result'",
                                                      (int(sys.argv[3]),)).fetchone()[0])
mc = d["metrics"]["candidate"]["multiclass"]
ok = ("BCa", "percentile (BCa undefined")
for k, v in mc.items():
    if isinstance(v, dict) and "ci_low" in v:
        assert (v["ci_low"] is not None) == ("ci_method" in v), (k, v)
        assert v.get("ci_method", "BCa").startswith(ok), (k, v)
c0 = list(mc["classes"].values())[0]
assert c0["auroc"]["ci_method"] == "DeLong" and c0["sensitivity"]["ci_method"] == "Wilson score", c0
perf = ev["tables"]["performance"]
acc = [mr for r, mr in zip(perf["rows"], perf["cell_methods"]) if r[0].startswith("One-vs-rest AUROC, macro")][0]
assert acc[2] == mc["auroc_ovr_macro"]["ci_method"], acc
PY
grep -q "| One-vs-rest AUROC, macro mean | 0.926 | 0.829 | 0.097 |" "$T/rep/report.md" ||
    { echo "FAIL: the report's comparison lacks the multi-class metrics"; fails=$((fails + 1)); }
for caption in "Each class, one against the rest" "Confusion matrix at the most probable class" "Top-label calibration"; do
    grep -q "$caption" "$T/rep/report.md" || { echo "FAIL: the report lacks '$caption'"; fails=$((fails + 1)); }
done
A=$(/usr/bin/python3 -c "import json; print('%.3f' % json.load(open('$REF/suite.json'))['candidate']['classes']['3']['auroc'])")
grep -q "^| d | [0-9]* | $A | " "$T/rep/report.md" || { echo "FAIL: the report's class d row lacks AUROC $A"; fails=$((fails + 1)); }
run "$VIGIL" report --run "$SUITE_RUN" --out "$T/rep_plots"
grep -q "Top-label calibration (10 equal-width bins" "$T/rep_plots/plot-reliability.svg" 2>/dev/null ||
    { echo "FAIL: the report does not draw the top-label calibration plot"; fails=$((fails + 1)); }
! grep -q "| AUROC (DeLong CI) | undefined" "$T/rep/report.md" ||
    { echo "FAIL: the report shows binary metrics for a multi-class run"; fails=$((fails + 1)); }

# What a multi-class suite refuses before computing anything.
sed 's/"metric": "accuracy", "rule": "at_least"/"metric": "auroc", "rule": "at_least"/' "$T/mc_suite.json" >"$T/s1.json"
run "$VIGIL" suite run "$T/s1.json"
expect_rc 2 "a binary metric in a multi-class suite"
expect_err "'auroc' is a binary-score metric" "binary metric named"
sed 's/, "predecessor_class_scores": "q_"//' "$T/mc_suite.json" >"$T/s2.json"
run "$VIGIL" suite run "$T/s2.json"
expect_rc 2 "non-inferiority without the predecessor's columns"
expect_err "give \$.data.columns.predecessor_class_scores" "predecessor columns needed"
sed 's/"class_scores": "p_", "predecessor_class_scores": "q_",/"score": "p_a",/' "$T/mc_suite.json" >"$T/s3.json"
run "$VIGIL" suite run "$T/s3.json"
expect_rc 2 "a multi-class metric without class_scores"
expect_err "is a multi-class metric: give \$.data.columns.class_scores" "class_scores needed"
sed 's/"class_scores": "p_"/"class_scores": "z_"/' "$T/mc_suite.json" >"$T/s4.json"
run "$VIGIL" suite run "$T/s4.json"
expect_rc 2 "no class column"
expect_err "0 column(s) of" "no class columns named"

# Bad input: every refusal is exit 2 naming the file, line and column.
printf 'dx,p_a,p_b,p_c\na,0.5,0.25,0.25\nb,0.2,0.7,0.1\n' >"$T/ok.csv"
printf 'dx,p_a,p_b,p_c\na,0.5,0.25,0.25\nB,0.2,0.7,0.1\n' >"$T/badlabel.csv"
run "$VIGIL" metrics --data "$T/badlabel.csv" --label dx --class-scores p_ --no-store --min-cell 1
expect_rc 2 "label not a class"
expect_err "badlabel.csv:3:1: label 'B' is not one of the 3 classes of --class-scores 'p_' (no column 'p_B')" "label named"
printf 'dx,p_a,p_b\na,0.5,0.5\nc,0.2,0.8\n' >"$T/nocol.csv"
run "$VIGIL" metrics --data "$T/nocol.csv" --label dx --class-scores p_ --no-store --min-cell 1
expect_rc 2 "class without its column"
expect_err "nocol.csv:3:1: label 'c' is not one of the 2 classes" "missing class column"
printf 'dx,p_a,p_b,p_c\na,0.5,0.25,0.25\nb,1.2,-0.3,0.1\n' >"$T/range.csv"
run "$VIGIL" metrics --data "$T/range.csv" --label dx --class-scores p_ --no-store --min-cell 1
expect_rc 2 "probability outside [0, 1]"
expect_err "range.csv:3:2: probability of class 'a' is 1.2, outside [0, 1]" "out of range named"
printf 'dx,p_a,p_b,p_c\na,0.5,0.25,0.25\nb,0.2,,0.8\n' >"$T/empty.csv"
run "$VIGIL" metrics --data "$T/empty.csv" --label dx --class-scores p_ --no-store --min-cell 1
expect_rc 2 "empty probability"
expect_err "empty.csv:3:3: probability of class 'b' is missing" "missing named"
printf 'dx,p_a,p_b,p_c\na,0.5,0.25,0.25\nb,0.2,0.7,0.2\n' >"$T/sum.csv"
run "$VIGIL" metrics --data "$T/sum.csv" --label dx --class-scores p_ --no-store --min-cell 1
expect_rc 2 "row sum"
expect_err "sum.csv:3: the 3 class probabilities sum to 1.1, not 1 (tolerance 1e-06)" "row sum named"
printf 'dx,p_a,p_b,p_c\na,0.5,0.25,0.25\nb,0.2,x,0.1\n' >"$T/text.csv"
run "$VIGIL" metrics --data "$T/text.csv" --label dx --class-scores p_ --no-store --min-cell 1
expect_rc 2 "text probability"
expect_err "text.csv:3" "text value named"
printf 'dx,p_a,p_b,p_c\n,0.5,0.25,0.25\n' >"$T/nolabel.csv"
run "$VIGIL" metrics --data "$T/nolabel.csv" --label dx --class-scores p_ --no-store --min-cell 1
expect_rc 2 "empty label"
expect_err "nolabel.csv:2:1: --label column 'dx' is empty" "empty label named"
run "$VIGIL" metrics --data "$T/ok.csv" --label dx --class-scores q_ --no-store --min-cell 1
expect_rc 2 "no class column"
expect_err "no column of the header starts with the prefix" "no prefix column"
printf 'dx,p_a,q_b\na,1,0\n' >"$T/one.csv"
run "$VIGIL" metrics --data "$T/one.csv" --label dx --class-scores p_ --no-store --min-cell 1
expect_rc 2 "one class column"
expect_err "only one column ('p_a')" "one class"
run "$VIGIL" metrics --data "$T/ok.csv" --label y --class-scores p_ --no-store --min-cell 1
expect_rc 2 "label column missing"
expect_err "--label column 'y'" "label column named"
run "$VIGIL" metrics --data "$T/ok.csv" --label dx --class-scores p_ --score p_a --no-store
expect_rc 2 "--score and --class-scores"
expect_err "--class-scores and --score are exclusive" "exclusive"
run "$VIGIL" metrics --data "$T/ok.csv" --label dx --class-scores p_ --threshold 0.3 --no-store --min-cell 1
expect_rc 2 "--threshold with --class-scores"
expect_err "--threshold is a binary-score option" "binary option refused"
run "$VIGIL" metrics --data "$T/ok.csv" --label dx --class-scores p_ --lowess-bootstrap on --no-store --min-cell 1
expect_rc 2 "--lowess-bootstrap with --class-scores"
expect_err "--lowess-bootstrap is a binary-score option" "lowess option refused, not ignored"
run "$VIGIL" metrics --data "$T/ok.csv" --label dx --class-scores p_ --top-k 0 --no-store
expect_rc 2 "--top-k 0"
run "$VIGIL" metrics --data "$T/ok.csv" --label dx --score p_a --top-k 2 --no-store
expect_rc 2 "--top-k without --class-scores"
expect_err "--top-k needs --class-scores" "top-k needs class scores"
finish
