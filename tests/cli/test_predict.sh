#!/bin/sh
# vigil predict / replay end to end on the bundled cohorts: scores equal the recorded ones,
# replay verdicts and exit codes, stored replay runs, and bad input refused with the file,
# the column or the model's JSON path.
. "$(dirname "$0")/lib.sh"
D="$ROOT/datasets"
OK="--allow-column age=public-research-cohort"

run "$VIGIL" predict --model "$D/models/flchain_v1.json" --data "$D/flchain/test.csv" --id case_id \
    --out "$T/p.csv" $OK --format json
expect_rc 0 "predict"
expect_json "d['n'] == 3072 and d['outputs'] == 1 and d['backend'] in ('cpu', 'cuda')" "summary"
expect_json "set(d['seconds']) == {'load','compute','write'} and len(d['model']['sha256']) == 64" "timings and model hash"
# The file's shadow_score column was written by XGBoost 1.7.4 for v1 (datasets/derive.py).
/usr/bin/python3 - "$T/p.csv" "$D/flchain/test.csv" <<'PY' || { echo "FAIL: predictions differ from XGBoost's"; fails=$((fails + 1)); }
import csv, sys
p = {r['case_id']: float(r['score']) for r in csv.DictReader(open(sys.argv[1]))}
t = {r['case_id']: float(r['shadow_score']) for r in csv.DictReader(open(sys.argv[2]))}
assert p.keys() == t.keys(), "ids differ"
worst = max(abs(p[k] - t[k]) for k in p)
assert worst <= 1e-6, worst
PY
head -1 "$T/p.csv" | grep -qx "case_id,score" || { echo "FAIL: header is not case_id,score"; fails=$((fails + 1)); }

run "$VIGIL" predict --model "$D/models/flchain_agegroup_softprob.json" --data "$D/flchain/test.csv" --out "$T/m.csv"
expect_rc 0 "multi-class predict"
head -1 "$T/m.csv" | grep -qx "row,score_0,score_1,score_2,score_3,score_4" || { echo "FAIL: multi-class header: $(head -1 "$T/m.csv")"; fails=$((fails + 1)); }

run "$VIGIL" predict --model "$D/models/flchain_v1.json" --data "$D/flchain/test.csv" --out "$T/x.csv"
expect_rc 2 "ages over 89 need an allowance"
expect_err "column 'age' looks like an age over 89" "PHI guard in predict"
[ ! -e "$T/x.csv" ] || { echo "FAIL: a refused predict left an output file"; fails=$((fails + 1)); }

# Early stopping (tests/reference/xgb_early_ref.py; XGBoost 1.7.4, and 2.1.4 and 3.1.3 whose files
# give the rounds in iteration_indptr): by default the trees up to best_iteration, equal to
# XGBClassifier.predict_proba; --all-trees, equal to Booster.predict. Trees and best_iteration
# as the manifest records them (2.1.4 and 3.1.3 stop the parallel-tree case at another round).
E="$ROOT/tests/reference/xgb_early"
for v in "" v2_1_4_ v3_1_3_; do
    for view in default all; do
        if [ $view = all ]; then flag=--all-trees; sfx=_all; else flag=; sfx=; fi
        for c in softprob3_es binary_es_parallel2; do
            facts=$(/usr/bin/python3 -c 'import json, sys; c = [c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == sys.argv[2]][0]; print(c["trees"], c["trees_used"], c["best_iteration"], c["outputs"])' "$E/manifest.json" "$v$c$sfx")
            set -- $facts
            run "$VIGIL" predict --model "$E/$v$c.json" --data "$E/$v$c$sfx.csv" --out "$T/es.csv" $flag --format json
            expect_rc 0 "early-stopped predict ($v$c, $view)"
            expect_json "d['model']['trees'] == $1 and d['model']['trees_used'] == $2 and d['model']['best_iteration'] == $3 and d['model']['all_trees'] == ('$view' == 'all')" "trees used said ($v$c, $view)"
            /usr/bin/python3 - "$T/es.csv" "$E/$v$c$sfx.csv" "$4" <<'PY' || { echo "FAIL: early-stopped scores ($v$c, $view) differ from XGBoost's"; fails=$((fails + 1)); }
import csv, sys
p = list(csv.DictReader(open(sys.argv[1])))
e = list(csv.DictReader(open(sys.argv[2])))
K = int(sys.argv[3])
assert len(p) == len(e) == 600
pc = ["score"] if K == 1 else [f"score_{k}" for k in range(K)]
ec = ["expected"] if K == 1 else [f"expected_{k}" for k in range(K)]
assert list(p[0])[1:] == pc, list(p[0])
worst = max(abs(float(a[x]) - float(b[y])) for a, b in zip(p, e) for x, y in zip(pc, ec))
assert worst <= 1e-6, worst
PY
        done
    done

    # The same choice in replay and explain: a shadow log recorded with every tree (Booster.predict)
    # is reproduced only with --all-trees, and the stored run says which trees were used.
    run "$VIGIL" replay --model "$E/${v}binary_es.json" --data "$E/${v}binary_es_all.csv" --shadow expected --tolerance 2e-6 --no-store
    expect_rc 1 "early-stopped replay scores to best_iteration by default ($v)"
    run "$VIGIL" replay --model "$E/${v}binary_es.json" --data "$E/${v}binary_es.csv" --shadow expected --tolerance 2e-6 --no-store
    expect_rc 0 "a predict_proba shadow log reproduced by default ($v)"
    run "$VIGIL" replay --model "$E/${v}binary_es.json" --data "$E/${v}binary_es_all.csv" --shadow expected --tolerance 2e-6 \
        --all-trees --db "$T/es$v.db"
    expect_rc 0 "--all-trees reproduces a Booster.predict shadow log ($v)"
    run "$VIGIL" explain --model "$E/${v}binary_es.json" --data "$E/${v}binary_es_all.csv" --out "$T/es_shap.csv" --all-trees --no-store --format json
    expect_rc 0 "explain --all-trees ($v)"
    expect_json "'all 14 trees (--all-trees' in d['model']['describe']" "explain says every tree was used ($v)"
    # SHAP of an early-stopped model over the trees predict_proba uses: equal to XGBoost's
    # pred_contribs with iteration_range (0, best_iteration + 1) (xgb_early_shap_ref.py), and
    # not to every tree's
    head -201 "$E/${v}binary_es.csv" > "$T/es200.csv"
    for view in default all; do
        [ $view = all ] && flag=--all-trees || flag=
        run "$VIGIL" explain --model "$E/${v}binary_es.json" --data "$T/es200.csv" --out "$T/es_shap_$view.csv" $flag --no-store
        expect_rc 0 "explain of the early-stopped model ($v, $view)"
    done
    /usr/bin/python3 - "$T/es_shap_default.csv" "$T/es_shap_all.csv" "$E/${v}binary_es_shap.csv" <<'PY' || { echo "FAIL: early-stopped SHAP ($v) differs from XGBoost's pred_contribs"; fails=$((fails + 1)); }
import csv, sys
got, every, ref = (list(csv.DictReader(open(f))) for f in sys.argv[1:4])
cols = [c for c in ref[0] if c != "xgboost_version"]
assert len(got) == len(ref) == 200
worst = max(abs(float(a[c]) - float(b[c])) for a, b in zip(got, ref) for c in cols)
assert worst <= 1e-5, worst
assert max(abs(float(a[c]) - float(b[c])) for a, b in zip(every, ref) for c in cols) > 1e-3, "every tree's SHAP equals the best iteration's"
PY
done

# Replay: v1 reproduces its own shadow log; v2 does not.
run "$VIGIL" replay --model "$D/models/flchain_v1.json" --data "$D/flchain/test.csv" --shadow shadow_score --id case_id $OK
expect_rc 0 "v1 reproduces its shadow log"
expect_out "REPRODUCED: all 3072 cases" "verdict line"
run "$VIGIL" replay --model "$D/models/flchain_v2.json" --data "$D/flchain/test.csv" --shadow shadow_score --id case_id --max-ids 3 $OK --format json
expect_rc 1 "v2 cannot reproduce v1's shadow log"
expect_json "d['reproduced'] is False and d['n_disagree'] > 0 and len(d['disagreeing_ids']) == 3 and d['disagreeing_ids'][0].startswith('FLC')" "disagreeing ids named"
run "$VIGIL" history --kind replay --format json
expect_json "[r['passed'] for r in d['runs']] == [True, False]" "replay runs stored with their verdicts"

# Other field separators (issue 19): the cohort re-saved with ';' and with tabs scores, replays
# and explains exactly as the comma file with --delimiter, and the files written keep commas.
/usr/bin/python3 - "$D/flchain/test.csv" "$T/semi.csv" "$T/tab.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
for path, dl in ((sys.argv[2], ";"), (sys.argv[3], "\t")):
    with open(path, "w", newline="") as f:
        csv.writer(f, delimiter=dl, lineterminator="\n").writerows(rows)
PY
for sep in semi tab; do
    if [ $sep = semi ]; then dl=';'; shown="';'"; else dl=tab; shown=tab; fi
    run "$VIGIL" predict --model "$D/models/flchain_v1.json" --data "$T/$sep.csv" --delimiter "$dl" --id case_id \
        --out "$T/p_$sep.csv" $OK
    expect_rc 0 "predict --delimiter $dl"
    cmp -s "$T/p.csv" "$T/p_$sep.csv" || { echo "FAIL: predict --delimiter $dl: not the comma file's scores, written with commas"; fails=$((fails + 1)); }
    run "$VIGIL" replay --model "$D/models/flchain_v1.json" --data "$T/$sep.csv" --delimiter "$dl" --shadow shadow_score \
        --id case_id $OK --no-store
    expect_rc 0 "replay --delimiter $dl"
    expect_out "REPRODUCED: all 3072 cases" "replay --delimiter $dl verdict"
    run "$VIGIL" predict --model "$D/models/flchain_v1.json" --data "$T/$sep.csv" --out "$T/p_nodl.csv" $OK
    expect_rc 2 "a $sep file read at commas"
    expect_err "--delimiter $shown for drift, cases join, predict, replay, explain and metrics" "the way out names predict ($sep)"
done
run "$VIGIL" explain --model "$D/models/flchain_v1.json" --data "$D/flchain/test.csv" --id case_id --out "$T/e.csv" $OK --no-store
expect_rc 0 "explain the comma file"
run "$VIGIL" explain --model "$D/models/flchain_v1.json" --data "$T/tab.csv" --delimiter tab --id case_id --out "$T/e_tab.csv" \
    $OK --no-store
expect_rc 0 "explain --delimiter tab"
cmp -s "$T/e.csv" "$T/e_tab.csv" || { echo "FAIL: explain --delimiter tab: not the comma file's attributions, written with commas"; fails=$((fails + 1)); }
run "$VIGIL" explain --model "$D/models/flchain_v1.json" --data "$T/semi.csv" --out "$T/e_x.csv" $OK --no-store
expect_rc 2 "explain: a ';' file read at commas"
expect_err "--delimiter ';' for drift, cases join, predict, replay, explain and metrics" "the way out names explain"
run "$VIGIL" replay --model "$D/models/flchain_v1.json" --data "$T/semi.csv" --delimiter ':' --shadow shadow_score --no-store
expect_rc 2 "replay: an unknown separator"
expect_err "--delimiter: expected ',', ';', '|' or tab, not ':'" "unknown separator named"

# Categorical splits (tests/reference/xgb_cat_ref.py): a 1.7.4 file (a bare NaN at each
# categorical node) from codes, a 3.1.3 one from the category strings it stores; an unknown
# string, and text for a model that stores no names, are refused naming the line.
C="$ROOT/tests/reference/xgb_cat"
for c in v1_7_4_cat_logistic v3_1_3_cat_logistic_strings; do
    run "$VIGIL" predict --model "$C/${c%_strings}.json" --data "$C/$c.csv" --out "$T/cat.csv"
    expect_rc 0 "categorical predict ($c)"
    /usr/bin/python3 - "$T/cat.csv" "$C/$c.csv" <<'PY' || { echo "FAIL: $c: predictions differ from XGBoost's"; fails=$((fails + 1)); }
import csv, sys
p = [float(r['score']) for r in csv.DictReader(open(sys.argv[1]))]
e = [float(r['expected']) for r in csv.DictReader(open(sys.argv[2]))]
assert len(p) == len(e) and max(abs(a - b) for a, b in zip(p, e)) <= 1e-6
PY
done
# Unseen category codes (issue 20): the 3.1.3 codes file holds dx 30..33 and arm 3, beyond the
# categories the model stores. Scored as XGBoost 3.1.3 scores them (its golden), and counted:
# one warning per feature on stderr, the counts in the JSON of predict and replay.
read -r n_dx n_arm <<EOF2
$(/usr/bin/python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(sum(x['dx']!='' and int(x['dx'])>=30 for x in r), sum(x['arm']!='' and int(x['arm'])>=3 for x in r))" "$C/v3_1_3_cat_logistic.csv")
EOF2
run "$VIGIL" predict --model "$C/v3_1_3_cat_logistic.json" --data "$C/v3_1_3_cat_logistic.csv" --out "$T/cat3.csv" --format json
expect_rc 0 "unseen codes are scored"
expect_json "d['unseen_categories'] == {'dx': $n_dx, 'arm': $n_arm} and $n_dx > 0 and $n_arm > 0" "unseen codes counted in the summary"
expect_err "column 'dx': $n_dx of 240 cases hold a category code at or past the 30 categories the model stores for 'dx'" "dx warned with its count"
expect_err "column 'arm': $n_arm of 240 cases hold a category code at or past the 3 categories" "arm warned with its count"
[ "$(grep -c 'category code at or past' "$T/err")" = 2 ] || { echo "FAIL: not one warning per feature: $(cat "$T/err")"; fails=$((fails + 1)); }
/usr/bin/python3 - "$T/cat3.csv" "$C/v3_1_3_cat_logistic.csv" <<'PY' || { echo "FAIL: unseen codes: predictions differ from XGBoost 3.1.3's"; fails=$((fails + 1)); }
import csv, sys
p = [float(r['score']) for r in csv.DictReader(open(sys.argv[1]))]
e = [float(r['expected']) for r in csv.DictReader(open(sys.argv[2]))]
assert len(p) == len(e) == 240 and max(abs(a - b) for a, b in zip(p, e)) <= 1e-6
PY
run "$VIGIL" replay --model "$C/v3_1_3_cat_logistic.json" --data "$C/v3_1_3_cat_logistic.csv" --shadow expected --no-store --format json
expect_rc 0 "unseen codes: replay reproduces XGBoost's scores"
expect_json "d['unseen_categories'] == {'dx': $n_dx, 'arm': $n_arm}" "unseen codes counted in the replay summary"
run "$VIGIL" predict --model "$C/v1_7_4_cat_logistic.json" --data "$C/v1_7_4_cat_logistic.csv" --out "$T/cat1.csv" --format json
expect_rc 0 "a 1.7.4 model: no category counts"
expect_json "'unseen_categories' not in d" "no counts claimed where the model does not know them"

# The rule is in both commands' --help: codes as pandas .cat.codes, strings only for a model
# that stores its categories, and what is refused.
for cmd in predict explain; do
    run "$VIGIL" $cmd --help
    expect_rc 0 "$cmd --help"
    expect_out "codes, whole numbers >= 0 as pandas .cat.codes gives them" "$cmd --help: the codes rule"
    expect_out "Category strings are read only for a model that stores" "$cmd --help: strings for 3.x models"
    expect_out "Refused, naming the file and line: -1 (pandas' missing code" "$cmd --help: what is refused"
done
printf 'x0,dx,arm\n0.5,D07,high\n0.1,D31,low\n' > "$T/cat_unknown.csv"
run "$VIGIL" predict --model "$C/v3_1_3_cat_logistic.json" --data "$T/cat_unknown.csv" --out "$T/cu.csv"
expect_rc 2 "unknown category string"
expect_err "cat_unknown.csv:3: column 'dx': category 'D31' is not one of the 30 the model stores for 'dx'" "unknown category named"
run "$VIGIL" predict --model "$C/v1_7_4_cat_logistic.json" --data "$T/cat_unknown.csv" --out "$T/cu.csv"
expect_rc 2 "category text for a 1.7.4 model"
expect_err "stores no category names for its categorical feature 'dx' (XGBoost 3.x stores them): give the category codes" "codes rule"

# Bad input.
printf 'age,male,kappa\n70,1,1.2\n' > "$T/few.csv"
run "$VIGIL" predict --model "$D/models/flchain_v1.json" --data "$T/few.csv" --out "$T/o.csv"
expect_rc 2 "missing feature"
expect_err "no column 'lambda' (named by the model" "missing feature named"
printf '{"learner": {' > "$T/trunc.json"
run "$VIGIL" predict --model "$T/trunc.json" --data "$T/few.csv" --out "$T/o.csv"
expect_rc 2 "truncated model"
expect_err "trunc.json:1:" "truncated model: file, line and column"
run "$VIGIL" predict --model "$D/models/flchain_v1.json" --data "$T/few.csv"
expect_rc 2 "--out is required"
run "$VIGIL" predict --model "$D/models/flchain_v1.json" --data "$D/flchain/test.csv" --out "$T/o.csv" --backend tpu $OK
expect_rc 2 "unknown backend"
finish
