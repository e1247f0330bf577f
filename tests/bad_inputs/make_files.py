#!/usr/bin/python3
"""Writes the malformed inputs of the bad-input catalogue into tests/bad_inputs/files/.
Run from the repository root: /usr/bin/python3 tests/bad_inputs/make_files.py
The files are committed; this script documents how each was made."""
import copy, json, os

D = "tests/bad_inputs/files"
os.makedirs(D, exist_ok=True)


def w(name, text, mode="w"):
    with open(f"{D}/{name}", mode) as f:
        f.write(text)


good = "id,score,y,sex\n" + "".join(f"{i},{(i % 10) / 10 + 0.05:.2f},{i % 2},{'FM'[i % 3 == 0]}\n" for i in range(1, 41))
w("good.csv", good)
lines = good.splitlines(True)
w("csv_ragged_long.csv", "".join(lines[:5]) + "6,0.5,1,F,extra\n" + "".join(lines[6:]))
w("csv_ragged_short.csv", "".join(lines[:5]) + "6,0.5\n" + "".join(lines[6:]))
w("csv_unterminated_quote.csv", "".join(lines[:5]) + '6,"0.5,1,F\n' + "".join(lines[6:]))
w("csv_duplicate_header.csv", "id,score,score,y\n1,0.1,0.2,1\n")
w("csv_empty_header_name.csv", "id,,y\n1,0.1,1\n")
w("csv_text_in_score.csv", "".join(lines[:7]) + "7,high,1,F\n" + "".join(lines[8:]))
w("csv_nan_score.csv", "".join(lines[:7]) + "7,NaN,1,F\n" + "".join(lines[8:]))
w("csv_inf_score.csv", "".join(lines[:7]) + "7,inf,1,F\n" + "".join(lines[8:]))
w("csv_score_above_1.csv", "".join(lines[:7]) + "7,1.5,1,F\n" + "".join(lines[8:]))
w("csv_score_negative.csv", "".join(lines[:7]) + "7,-0.1,1,F\n" + "".join(lines[8:]))
w("csv_label_2.csv", "".join(lines[:7]) + "7,0.5,2,F\n" + "".join(lines[8:]))
w("csv_label_text.csv", "".join(lines[:7]) + "7,0.5,yes,F\n" + "".join(lines[8:]))
w("csv_ssn_in_score.csv", "".join(lines[:7]) + "7,123-45-6789,1,F\n" + "".join(lines[8:]))
w("csv_name_in_score.csv", "".join(lines[:7]) + "7,Smith,1,F\n" + "".join(lines[8:]))
w("csv_missing_label.csv", "".join(lines[:7]) + "7,0.5,,F\n" + "".join(lines[8:]))
w("csv_one_class.csv", "id,score,y\n" + "".join(f"{i},0.{i % 9 + 1},1\n" for i in range(1, 30)))
w("csv_empty.csv", "")
w("csv_header_only.csv", "id,score,y\n")
w("csv_binary.csv", b"\x00\x01\x02PK\x03\x04\xff\xfe garbage\n\x00\x00", "wb")
w("csv_latin1.csv", (good.replace(",F\n", ",M\u00e4nnlich\n", 3)).encode("latin-1"), "wb")
w("csv_semicolon.csv", good.replace(",", ";"))
w("csv_tab.csv", good.replace(",", "\t"))
w("csv_nul_in_field.csv", b"id,score,y\n1,0.\x005,1\n", "wb")
w("csv_constant_score.csv", "id,score,y\n" + "".join(f"{i},0.3,{i % 2}\n" for i in range(1, 30)))
w("csv_empty_group.csv", "".join(l if i == 0 else l.rstrip("\n").rsplit(",", 1)[0] + ",\n" for i, l in enumerate(lines)))

# the human in the loop (vigil metrics --decision): good.csv plus decision (d), arm, exposure (e), time (t)
hum = ["id,score,y,d,arm,e,t\n"] + [f"{i},{(i % 10) / 10 + 0.05:.2f},{i % 2},{i % 2},1,{i % 5 + 1}.5,{i * 3}\n" for i in range(1, 41)]
def hmut(name, row, text):
    w(name, "".join(hum[:row]) + text + "".join(hum[row + 1:]))
hmut("human_decision_2.csv", 7, "7,0.75,1,2,1,3.5,21\n")
hmut("human_decision_text.csv", 7, "7,0.75,1,yes,1,3.5,21\n")
hmut("human_decision_missing.csv", 7, "7,0.75,1,,1,3.5,21\n")
hmut("human_exposure_negative.csv", 7, "7,0.75,1,1,1,-2,21\n")
hmut("human_time_negative.csv", 7, "7,0.75,1,1,1,3.5,-4\n")
w("human_no_assisted.csv", "".join(l.replace(",1,", ",1,", 1) for l in hum[:1]) +
  "".join(f"{i},{(i % 10) / 10 + 0.05:.2f},{i % 2},{i % 2},0,1.5,3\n" for i in range(1, 41)))

# a terminal escape sequence in a column name: printed escaped, never raw
w("csv_control_in_name.csv", "score,label,g\x1b[31m\n0.1,0,a\n0.9,1,b\n")

# drift windows
w("drift_ref.csv", "a,b,c\n" + "".join(f"{i * 0.1:.1f},{i % 3},x{i % 2}\n" for i in range(50)))
w("drift_cur_missing_col.csv", "a,c\n" + "".join(f"{i * 0.1:.1f},x{i % 2}\n" for i in range(50)))
w("drift_cur_text_b.csv", "a,b,c\n" + "".join(f"{i * 0.1:.1f},v{i % 3},x{i % 2}\n" for i in range(50)))
w("drift_cur_header_only.csv", "a,b,c\n")

# PHI
w("phi_ssn.csv", "id,ssn_like,score,y\n" + "".join(f"{i},123-45-{6700 + i},0.{i % 9 + 1},{i % 2}\n" for i in range(1, 40)))
w("phi_email.csv", "id,contact,score,y\n" + "".join(f"{i},pat{i}@example.org,0.{i % 9 + 1},{i % 2}\n" for i in range(1, 40)))
w("phi_dates.csv", "id,visit,score,y\n" + "".join(f"{i},2024-03-{i % 28 + 1:02d},0.{i % 9 + 1},{i % 2}\n" for i in range(1, 40)))
w("phi_mrn_name.csv", "id,mrn,score,y\n" + "".join(f"{i},{100000 + i},0.{i % 9 + 1},{i % 2}\n" for i in range(1, 40)))
# issue 19: an SSN-valued case id (x0..x5: the features of tests/reference/xgb/d1_t1.json), one
# full date among a group's levels, an age column named with an accent
w("phi_ssn_id.csv", "case_id,x0,x1,x2,x3,x4,x5\n" + "".join(f"123-45-{6700 + i},{i * 0.1:.1f},{-i * 0.2:.1f},0.5,,1,{i % 3}\n" for i in range(1, 21)))
w("phi_stray_date.csv", "id,score,y,band\n" + "".join(f"{i},0.{i % 9 + 1},{i % 2},{'1961-03-14' if i == 17 else ['40-49', '50-59', '60-69'][i % 3]}\n" for i in range(1, 40)))
w("phi_age_accented.csv", "id,score,y,\u00e2ge\n" + "".join(f"{i},0.{i % 9 + 1},{i % 2},{50 + i}\n" for i in range(1, 41)))

# models: mutations of a one-split XGBoost model
base = json.load(open("tests/reference/xgb/d1_t1.json"))


def mut(name, fn):
    m = copy.deepcopy(base)
    fn(m)
    w(name, json.dumps(m))


def tree(m, i=0):
    return m["learner"]["gradient_booster"]["model"]["trees"][i]


mut("model_child_out_of_range.json", lambda m: tree(m)["left_children"].__setitem__(0, 9999))
mut("model_cycle.json", lambda m: tree(m)["right_children"].__setitem__(0, 0))
mut("model_nan_threshold.json", lambda m: tree(m)["split_conditions"].__setitem__(0, "NaN"))
mut("model_feature_out_of_range.json", lambda m: tree(m)["split_indices"].__setitem__(0, 77))
mut("model_categorical.json", lambda m: tree(m)["split_type"].__setitem__(0, 1))
mut("model_unknown_objective.json", lambda m: m["learner"]["objective"].__setitem__("name", "rank:pairwise"))
mut("model_bad_base_score.json", lambda m: m["learner"]["learner_model_param"].__setitem__("base_score", "abc"))
mut("model_gblinear.json", lambda m: m["learner"]["gradient_booster"].__setitem__("name", "gblinear"))
mut("model_softmax.json", lambda m: (m["learner"]["objective"].__setitem__("name", "multi:softmax"),
                                     m["learner"]["learner_model_param"].__setitem__("num_class", "2")))
# As XGBoost writes one (multi_strategy="multi_output_tree"): leaf vectors, a base_score per
# target, no sum_hessian; refused by name, not by whichever of those is read first.
mut("model_vector_leaf.json", lambda m: (tree(m)["tree_param"].__setitem__("size_leaf_vector", "3"),
                                         tree(m).pop("sum_hessian"),
                                         m["learner"]["learner_model_param"].update(num_target="3", base_score="[5E-1,5E-1,5E-1]")))
w("model_truncated.json", json.dumps(base)[:700])
# Python's json.dump writes a NaN float as a bare NaN token, which is not JSON
_b = copy.deepcopy(base)
tree(_b)["split_conditions"][0] = float("nan")
w("model_bare_nan.json", json.dumps(_b))
# categorical splits (issue 20): mutations of an XGBoost 3.1.3 model with them
# (tests/reference/xgb_cat_ref.py), and of a 1.7.4 one, whose categorical nodes hold a bare NaN
cbase = json.load(open("tests/reference/xgb_cat/v3_1_3_cat_logistic.json"))


def cmut(name, fn, b=cbase):
    m = copy.deepcopy(b)
    fn(m)
    w(name, json.dumps(m))


cmut("model_cat_segment.json", lambda m: tree(m)["categories_segments"].__setitem__(0, 10 ** 6))
cmut("model_cat_sizes.json", lambda m: tree(m)["categories_sizes"].pop())
cmut("model_cat_numeric_feature.json", lambda m: m["learner"]["feature_types"].__setitem__(tree(m)["split_indices"][tree(m)["categories_nodes"][0]], "float"))
cmut("model_cat_nan_elsewhere.json", lambda m: tree(m)["sum_hessian"].__setitem__(1, float("nan")),
     json.load(open("tests/reference/xgb_cat/v1_7_4_cat_logistic.json")))
w("model_not_a_model.json", '{"hello": "world"}')
w("model_empty.json", "")
lin = {"format": "vigil-linear", "version": 1, "name": "x", "features": ["score"], "coefficients": [1.0, 2.0],
       "intercept": 0, "link": "logit"}
w("linear_count_mismatch.json", json.dumps(lin))
lin2 = dict(lin, coefficients=[1.0], link="probit")
w("linear_bad_link.json", json.dumps(lin2))
mlp = json.load(open("datasets/models/flchain_mlp.json"))
m2 = copy.deepcopy(mlp)
m2["layers"][0]["activation"] = "swish"
w("mlp_bad_activation.json", json.dumps(m2))
m3 = copy.deepcopy(mlp)
m3["layers"][1]["weights"][0] = m3["layers"][1]["weights"][0][:-1]
w("mlp_dim_mismatch.json", json.dumps(m3))
m4 = copy.deepcopy(mlp)
m4["input"]["scale"][2] = 0
w("mlp_zero_scale.json", json.dumps(m4))

# suites: mutations of the shipped nafld1 suite, with paths made relative to this folder
suite = json.load(open("suites/nafld1-v2-vs-v1.json"))
for k in ("candidate", "predecessor"):
    suite["model"][k] = "../../../datasets/models/" + os.path.basename(suite["model"][k])
suite["data"]["path"] = "../../../datasets/nafld1/test.csv"
suite["training_data"]["path"] = "../../../datasets/nafld1/train.csv"


def smut(name, fn):
    s = copy.deepcopy(suite)
    fn(s)
    w(name, json.dumps(s, indent=1))


smut("suite_unknown_metric.json", lambda s: s["criteria"][0].__setitem__("metric", "auroc2"))
smut("suite_unknown_rule.json", lambda s: s["criteria"][0].__setitem__("rule", "at_leastish"))
smut("suite_paired_eavg_levels.json", lambda s: s.__setitem__("criteria", [{
    "name": "Eavg by sex", "metric": "eavg", "scope": {"group": "sex", "every_level": True},
    "rule": "non_inferior", "margin": 0.01}]))
smut("suite_unknown_group_column.json", lambda s: s["criteria"][4]["scope"].__setitem__("group", "ethnicity"))
smut("suite_no_criteria.json", lambda s: s.__setitem__("criteria", []))
smut("suite_missing_model.json", lambda s: s["model"].__setitem__("candidate", "nope/missing.json"))
smut("suite_missing_data.json", lambda s: s["data"].__setitem__("path", "nope/missing.csv"))
smut("suite_unknown_drift_feature.json", lambda s: s["criteria"][6]["features"].__setitem__(1, "wieght"))
smut("suite_unknown_shap_feature.json", lambda s: s["criteria"].append(
    {"name": "bmi matters", "metric": "shap_importance", "feature": "bmii", "rule": "at_least", "value": 0.01}))
smut("suite_bad_threshold.json", lambda s: s.__setitem__("thresholds", [1.5]))
smut("suite_bootstrap_negative.json", lambda s: s.__setitem__("bootstrap", -5))
smut("suite_seed_text.json", lambda s: s.__setitem__("seed", "abc"))
smut("suite_value_text.json", lambda s: s["criteria"][0].__setitem__("value", "high"))
smut("suite_between_reversed.json", lambda s: s["criteria"][2].update({"low": 1.2, "high": 0.8}))
smut("suite_unknown_key.json", lambda s: s.__setitem__("critera", []))
smut("suite_label_column_missing.json", lambda s: s["data"]["columns"].__setitem__("label", "died"))
smut("suite_no_predecessor_for_ni.json", lambda s: s["model"].pop("predecessor"))
# time to event: paired rules the survival block does not pair (c_harrell is paired, by the
# infinitesimal jackknife: not here; first, so the index stays 0 whatever the shipped suite's
# criteria are)
for m, r in (("km_risk", "superior"), ("oe_ratio", "non_inferior")):
    smut(f"suite_paired_{m}.json", lambda s, m=m, r=r: s["criteria"].insert(
        0, {"name": f"{m} {r}", "metric": m, "rule": r, "margin": 0.02}))
w("suite_not_json.json", '{"name": "x", "criteria": [ {"metric": "auroc", } ]')

mon = json.load(open("monitors/flchain-stable.json"))
mon["data"]["path"] = "../../../datasets/flchain/cases.csv"


def mmut(name, fn):
    s = copy.deepcopy(mon)
    fn(s)
    w(name, json.dumps(s, indent=1))


mmut("monitor_bad_alpha.json", lambda s: s.__setitem__("alpha", 1.5))
mmut("monitor_decision.json", lambda s: s["data"]["columns"].__setitem__("decision", "shadow_score"))
mmut("monitor_bad_correction.json", lambda s: s.__setitem__("correction", "bonferroni-ish"))
mmut("monitor_unknown_feature.json", lambda s: s["data"]["columns"]["features"].append("albumin"))
mmut("monitor_empty_window.json", lambda s: s["windows"]["current"].update({"from": 2050, "to": 2051}))
mmut("monitor_too_few.json", lambda s: s.__setitem__("min_samples", 100000))
mmut("monitor_unknown_key.json", lambda s: s.__setitem__("alhpa", 0.01))
mmut("monitor_missing_data.json", lambda s: s["data"].__setitem__("path", "nope/missing.csv"))
mmut("monitor_bad_type.json", lambda s: s["data"]["types"].__setitem__("flc_grp", "ordinal"))
# the realised performance per subgroup (issue 17): a group column the night's file lacks, and
# groups with nothing to read them
mmut("monitor_missing_group.json", lambda s: s["data"]["columns"].__setitem__("groups", ["sex", "ward"]))
mmut("monitor_group_twice.json", lambda s: s["data"]["columns"].__setitem__("groups", ["sex", "age_band", "sex"]))
mmut("monitor_groups_unread.json", lambda s: (s["data"]["columns"].__setitem__("groups", ["sex"]),
                                              s.__setitem__("performance", False)))
mmut("monitor_cusum_both.json", lambda s: s.__setitem__("cusum", {"limit": 4.5, "false_signal_probability": 0.01}))
mmut("monitor_cusum_replicates.json",
     lambda s: s.__setitem__("cusum", {"false_signal_probability": 0.001, "replicates": 99}))
# the CUSUM's direction (issue 17): an unknown one, one the odds ratio contradicts
mmut("monitor_cusum_direction.json", lambda s: s.__setitem__("cusum", {"direction": "up"}))
mmut("monitor_cusum_direction_or.json", lambda s: s.__setitem__("cusum", {"direction": "worse", "odds_ratio": 0.5}))
# the label-free estimate and the realised performance (issue 17, $.cbpe, $.performance):
# asked for without a threshold, or without a label; a score that is not a probability
mmut("monitor_cbpe_no_threshold.json", lambda s: s.__setitem__("cbpe", True))
mmut("monitor_performance_no_label.json", lambda s: (s["data"]["columns"].pop("label"), s.pop("label_drift"),
                                                   s.__setitem__("performance", True)))
mmut("monitor_cbpe_score_range.json", lambda s: (s["data"]["columns"].update({"score": "age", "features": ["kappa"]}),
                                                 s.update({"threshold": 0.3, "cusum": False})))
# the clinicians' decisions (issue 21): a column the file lacks, one of text, an empty cell, a
# reference file without the column
mmut("monitor_decision_missing.json", lambda s: s["data"]["columns"].__setitem__("decision", "clinician_action"))
mmut("monitor_decision_text.json", lambda s: s["data"]["columns"].__setitem__("decision", "sex"))
w("monitor_decision_cases.csv", "night,score,decision\n" + "".join(
    "2,0.7,\n" if i == 7 else f"{1 + i % 2},{(i % 10) / 10:.1f},{int(i % 3 == 0)}\n" for i in range(30)))
w("monitor_decision_ref.csv", "night,score\n" + "".join(f"1,{(i % 10) / 10:.1f}\n" for i in range(30)))
w("monitor_decision_empty.json", json.dumps({
    "name": "decision-empty", "data": {"path": "monitor_decision_cases.csv", "columns": {
        "time": "night", "score": "score", "decision": "decision"}},
    "windows": {"reference": {"from": 1, "to": 1}, "current": {"from": 2, "to": 2}}, "min_samples": 1}, indent=1))
w("monitor_decision_ref_missing.json", json.dumps({
    "name": "decision-ref-missing", "data": {"path": "monitor_decision_cases.csv", "columns": {
        "time": "night", "score": "score", "decision": "decision"}},
    "reference_data": {"path": "monitor_decision_ref.csv"}, "windows": {"current": {"from": 2, "to": 2}},
    "min_samples": 1}, indent=1))
w("monitor_not_json.json", "name: flchain\n")
print("ok")
w("x6.csv", "x0,x1,x2,x3,x4,x5\n" + "".join(f"{i * 0.1:.1f},{-i * 0.2:.1f},0.5,,1,{i % 3}\n" for i in range(20)))
w("x6_missing_x5.csv", "x0,x1,x2,x3,x4\n1,2,3,4,5\n")
w("flchain_feats_nan_bg.csv", "age,male,kappa,lambda\n70,1,,1.2\n65,0,1.1,1.3\n")

# duplicate keys (issue 19): vigil read the first, jq and Python the last; now refused. Python's
# dicts cannot hold a repeat, so the second member is spliced into the written text.
def dup(src, name, old, new):
    text = open(f"{D}/{src}").read() if src else None
    assert text.count(old) >= 1, (src, old)
    w(name, text.replace(old, new, 1))


smut("suite_dup_tmp.json", lambda s: None)
dup("suite_dup_tmp.json", "suite_duplicate_key.json", '"value": 0.8', '"value": 0.8, "value": 0.5')
os.remove(f"{D}/suite_dup_tmp.json")
mmut("monitor_dup_tmp.json", lambda s: None)
dup("monitor_dup_tmp.json", "monitor_duplicate_key.json", '"alpha": 0.01', '"alpha": 0.01,\n "alpha": 0.5')
os.remove(f"{D}/monitor_dup_tmp.json")
dup("linear_count_mismatch.json", "linear_duplicate_key.json", '"intercept": 0', '"intercept": 0, "intercept": 3')
dup("model_gblinear.json", "model_duplicate_key.json", '"name": "gblinear"', '"name": "gbtree", "name": "gblinear"')

# vigil cases join (issue 16): a prediction log and event tables with bad times or no common entity
w("join_pred.csv", "id,t,score\na,2026-01-01T00:00,0.5\nb,2026-01-01T06:00,0.2\n")
w("join_pred_bad_time.csv", "id,t,score\na,2026-01-01T00:00,0.5\nb,2026-02-30T06:00,0.2\n")
w("join_pred_no_score.csv", "id,t,score\na,2026-01-01T00:00,0.5\nb,2026-01-01T06:00,\n")
w("join_events.csv", "id,t\na,2026-01-01T05:00\n")
w("join_events_other_ids.csv", "id,t\nx,2026-01-01T05:00\ny,2026-01-01T07:00\nx,2026-01-02T05:00\n")
w("join_events_numbers.csv", "id,t\na,12.5\n")
w("join_pred_numbers.csv", "id,t,score\na,10,0.5\n")
# time to event (vigil metrics --time t --event e --horizon H): follow-up t, event e (1 event, 0 censored)
srv = ["id,score,y,t,e\n"] + [f"{i},{(i % 10) / 10 + 0.05:.2f},{i % 2},{i % 7 + 1}.5,{i % 2}\n" for i in range(1, 41)]
def smut(name, row, text):
    w(name, "".join(srv[:row]) + text + "".join(srv[row + 1:]))
w("surv_good.csv", "".join(srv))
smut("surv_time_negative.csv", 7, "7,0.75,1,-2,1\n")
smut("surv_time_missing.csv", 7, "7,0.75,1,,1\n")
smut("surv_time_text.csv", 7, "7,0.75,1,soon,1\n")
smut("surv_event_2.csv", 7, "7,0.75,1,3.5,2\n")
smut("surv_event_missing.csv", 7, "7,0.75,1,3.5,\n")
smut("surv_risk_above_1.csv", 7, "7,1.5,1,3.5,1\n")
smut("surv_risk_missing.csv", 7, "7,,1,3.5,1\n")
# survival-only suites (issue 16 s.2): without a 0/1 label a suite takes time-to-event criteria
ss = json.load(open("suites/flchain-5y-survival.json"))
for k in ("candidate", "predecessor"):
    ss["model"][k] = "../../../datasets/models/" + os.path.basename(ss["model"][k])
ss["data"]["path"] = "../../../datasets/flchain/test_all.csv"


def ssmut(name, fn):
    s = copy.deepcopy(ss)
    fn(s)
    w(name, json.dumps(s, indent=1))


ssmut("suite_surv_binary_metric.json", lambda s: s["criteria"].append(
    {"name": "AUROC of the 0/1 label", "metric": "auroc", "rule": "at_least", "value": 0.7}))
ssmut("suite_surv_label_empty.json", lambda s: s["data"]["columns"].__setitem__("label", "death_5y"))
ssmut("suite_surv_no_followup.json", lambda s: [s["data"]["columns"].pop("followup_time"),
                                                s["data"]["columns"].pop("event"), s["data"].pop("horizon")])
w("suite_surv_risk_above_1.json", json.dumps(
    {"name": "risk above 1", "data": {"path": "surv_risk_above_1.csv", "horizon": 3,
     "columns": {"score": "score", "followup_time": "t", "event": "e"}},
     "criteria": [{"name": "AUROC(t)", "metric": "survival_auroc", "rule": "at_least", "value": 0.5}]}, indent=1))
# multi-class (issue 20): vigil metrics --class-scores p_ --label dx, classes a, b, c
mc_head = "dx,p_a,p_b,p_c\n"
mc_ok = "".join(f"{'abc'[i % 3]},0.5,0.25,0.25\n" for i in range(12))
w("mc_unknown_label.csv", mc_head + mc_ok + "d,0.5,0.25,0.25\n")
w("mc_missing_class_column.csv", "dx,p_a,p_b\n" + "".join(f"{'ab'[i % 2]},0.5,0.5\n" for i in range(12)) + "c,0.5,0.5\n")
w("mc_outside_01.csv", mc_head + mc_ok + "a,1.25,-0.25,0\n")
w("mc_nan.csv", mc_head + mc_ok + "b,0.5,NaN,0.5\n")
w("mc_row_sum.csv", mc_head + mc_ok + "c,0.5,0.3,0.3\n")
mmut("monitor_class_scores.json", lambda s: s["data"]["columns"].__setitem__("class_scores", "p_"))
# $.data.join (issue 16): the join as the data source of a suite or a monitor, mutations of the
# shipped suites/sepsis-logs.json and monitors/sepsis-logs.json with paths relative to this folder
jsuite = json.load(open("suites/sepsis-logs.json"))
for k in ("predictions", "events"):
    jsuite["data"]["join"][k] = "../../../datasets/logs/" + os.path.basename(jsuite["data"]["join"][k])


def jmut(name, fn, base=jsuite):
    s = copy.deepcopy(base)
    fn(s)
    w(name, json.dumps(s, indent=1))


jmut("suite_join_and_path.json", lambda s: s["data"].__setitem__("path", "../../../datasets/logs/predictions.csv"))
jmut("suite_join_neither.json", lambda s: s["data"].pop("join"))
jmut("suite_join_no_entity.json", lambda s: s["data"]["join"].pop("entity"))
jmut("suite_join_no_as_of.json", lambda s: s["data"]["join"].pop("as_of"))
jmut("suite_join_unknown_key.json", lambda s: s["data"]["join"].__setitem__("windw", 24))
jmut("suite_join_bad_aggregate.json", lambda s: s["data"]["join"].__setitem__("aggregate", "mean"))
jmut("suite_join_window_zero.json", lambda s: s["data"]["join"].__setitem__("window", 0))
jmut("suite_join_type_no_target.json", lambda s: s["data"]["join"].pop("target"))
jmut("suite_join_lead_threshold_text.json", lambda s: s["data"]["join"].__setitem__("lead_time_threshold", "high"))
w("join_sepsis_other_ids.csv", "encounter,time,type\nX1,2026-02-10T18:00,sepsis\nX2,2026-02-12T19:00,sepsis\n"
  "X1,2026-02-13T19:00,sepsis\nE001,2026-02-13T19:00,lab_draw\n")
jmut("suite_join_unmatched.json", lambda s: s["data"]["join"].__setitem__("events", "join_sepsis_other_ids.csv"))
jmut("suite_join_bad_time.json", lambda s: (s["data"]["join"].update(
    {"predictions": "join_pred_bad_time.csv", "events": "join_events.csv", "entity": "id", "time": "t",
     "event_time": "t"}), s["data"]["join"].pop("event_type"), s["data"]["join"].pop("target"),
    s["data"]["columns"].update({"id": "id", "time": "t", "groups": []})))
jmut("suite_join_missing_log.json", lambda s: s["data"]["join"].__setitem__("predictions", "nope/log.csv"))
jmut("suite_join_role_not_a_column.json", lambda s: s["data"]["columns"].__setitem__("score", "nosuch"))
jmut("suite_join_label_clash.json", lambda s: s["data"]["columns"].__setitem__("label", "unit"))
jmon = json.load(open("monitors/sepsis-logs.json"))
for k in ("predictions", "events"):
    jmon["data"]["join"][k] = "../../../datasets/logs/" + os.path.basename(jmon["data"]["join"][k])
jmut("monitor_join_reference_data.json", lambda s: (s["windows"].pop("reference"),
     s.__setitem__("reference_data", {"path": "../../../datasets/logs/predictions.csv"})), jmon)
jmut("monitor_join_numbers_no_as_of.json", lambda s: (s["data"]["join"].update(
    {"predictions": "join_pred_numbers.csv", "events": "join_events_numbers.csv", "entity": "id", "time": "t",
     "event_time": "t"}), s["data"]["join"].pop("event_type"), s["data"]["join"].pop("target"),
    s["data"]["columns"].update({"id": "id", "time": "t", "features": []}),
    s.__setitem__("windows", {"reference": {"from": 0, "to": 5}, "current": {"from": 6, "to": 20}})), jmon)

# $.checkpoint (issue 19): a fixed Ed25519 private key for these cases only (PKCS#8 of the seed
# 00 01 ... 1f: deterministic, public, never used to sign anything that matters)
import base64
der = bytes.fromhex("302e020100300506032b657004220420") + bytes(range(32))
w("ckpt_test.pem", "-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PRIVATE KEY-----\n")
mmut("monitor_ckpt_no_key.json", lambda s: s.__setitem__("checkpoint", {"key": "nope/k.pem", "out": "."}))
mmut("monitor_ckpt_beside.json", lambda s: s.__setitem__("checkpoint", {"key": "ckpt_test.pem", "out": "."}))
mmut("monitor_ckpt_unknown.json", lambda s: s.__setitem__("checkpoint", {"key": "ckpt_test.pem", "out": ".",
                                                                          "dir": "."}))
mmut("monitor_ckpt_no_dir.json", lambda s: s.__setitem__("checkpoint", {"key": "ckpt_test.pem", "out": "nope"}))

# team against model on the same cases (suites' team_vs_model_*, issue 21): a recorded-score suite over hum
w("human_tvm.csv", "".join(hum))
w("human_tvm_no_positives.csv", hum[0] + "".join(",".join(l.split(",")[:2] + ["0"] + l.split(",")[3:]) for l in hum[1:]))
tvm = {"name": "team vs model", "data": {"path": "human_tvm.csv", "columns": {
    "label": "y", "score": "score", "decision": "d"}}, "thresholds": [0.5], "bootstrap": 0, "criteria": [
    {"name": "team sensitivity non-inferior to the model's", "metric": "team_vs_model_sensitivity",
     "rule": "non_inferior", "margin": 0.05}]}


def tmut(name, fn):
    s = copy.deepcopy(tvm)
    fn(s)
    w(name, json.dumps(s, indent=1))


tmut("suite_tvm_no_decision.json", lambda s: s["data"]["columns"].pop("decision"))
tmut("suite_tvm_margin_negative.json", lambda s: s["criteria"][0].__setitem__("margin", -0.05))
tmut("suite_tvm_margin_missing.json", lambda s: s["criteria"][0].pop("margin"))
tmut("suite_tvm_ppv.json", lambda s: s["criteria"][0].__setitem__("metric", "team_vs_model_ppv"))
tmut("suite_tvm_no_positives.json", lambda s: s["data"].__setitem__("path", "human_tvm_no_positives.csv"))
