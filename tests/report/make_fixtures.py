#!/usr/bin/python3
"""Regenerate the report test fixtures (tests/report/fixtures/*.json).

The suite result follows suites/README.md "The stored result" and embeds real `vigil metrics`
documents for the candidate (column `score`) and the predecessor (column `shadow_score`) on
datasets/flchain/test.csv; the monitor results are real `vigil monitor run --format json`
outputs of the shipped monitors. Criteria, comparison, replay, SHAP and drift numbers are
fixed, plausible values (the suite runner is built in parallel); one criterion fails on purpose
and one subgroup-composition cell is below the small-cell floor, so the report's
NOT IMPLEMENTABLE marking and suppression paths are exercised.

usage (repository root): /usr/bin/python3 tests/report/make_fixtures.py build/<you>/vigil
"""
import hashlib, json, subprocess, sys

V = sys.argv[1] if len(sys.argv) > 1 else "build/vigil"
OUT = "tests/report/fixtures/"
TEST = "datasets/flchain/test.csv"


def metrics(score):
    out = subprocess.run([V, "metrics", "--data", TEST, "--score", score, "--label", "death_5y",
                          "--group", "sex", "--group", "age_band", "--threshold", "0.2",
                          "--bootstrap", "50", "--seed", "7", "--no-store", "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    d = json.loads(out)
    d.pop("run_id", None)
    d["discrimination"]["roc_curve"] = d["discrimination"]["roc_curve"][::4] + d["discrimination"]["roc_curve"][-1:]
    d["discrimination"]["pr_curve"] = d["discrimination"]["pr_curve"][::8]
    return d


def sha(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()


cand, pred = metrics("score"), metrics("shadow_score")
ca, pa = cand["discrimination"]["auroc"]["value"], pred["discrimination"]["auroc"]["value"]
suite = {
    "run_id": 1, "suite": "flchain-5y-mortality-v2", "version": "1.0", "passed": False,
    "n": cand["n"], "prevalence": cand["prevalence"], "seed": 20261124, "bootstrap": 1000,
    "models": {"candidate": {"path": "../datasets/models/flchain_v2.json",
                             "sha256": sha("datasets/models/flchain_v2.json")},
               "predecessor": {"path": "../datasets/models/flchain_v1.json",
                               "sha256": sha("datasets/models/flchain_v1.json")}},
    "data": {"path": "../datasets/flchain/test.csv", "sha256": sha(TEST), "rows": cand["n"],
             "time_range": [1995, 2003],
             "groups": {"sex": {"F": {"n": 1720}, "M": {"n": 1352}},
                        "age_band": {"50-59": {"n": 904}, "60-69": {"n": 893}, "70-79": {"n": 747},
                                     "80+": {"n": 521}, "<50": {"n": 7}}}},
    "training_data": {"path": "../datasets/flchain/train.csv", "sha256": sha("datasets/flchain/train.csv"),
                      "rows": 4802, "time_range": [1995, 2003]},
    "criteria": [
        {"name": "AUROC lower 95% bound", "metric": "auroc", "scope": "overall", "rule": "ci_low_at_least",
         "observed": ca, "ci_low": cand["discrimination"]["auroc"]["ci_low"],
         "ci_high": cand["discrimination"]["auroc"]["ci_high"], "threshold": ">= 0.75",
         "method": "DeLong", "pass": True, "detail": ""},
        {"name": "AUROC non-inferior to v1", "metric": "auroc", "scope": "overall", "rule": "non_inferior",
         "observed": ca - pa, "ci_low": ca - pa - 0.011, "ci_high": ca - pa + 0.011, "threshold": "> -0.02",
         "method": "paired DeLong", "pass": True, "detail": ""},
        {"name": "Calibration slope", "metric": "calibration_slope", "scope": "overall", "rule": "between",
         "observed": cand["calibration"]["slope"], "ci_low": cand["calibration"]["ci"]["slope"][0],
         "ci_high": cand["calibration"]["ci"]["slope"][1], "threshold": "in [0.8, 1.2]",
         "method": "logistic recalibration (rms::val.prob), percentile bootstrap", "pass": True, "detail": ""},
        {"name": "ECE ceiling", "metric": "ece", "scope": "overall", "rule": "at_most",
         "observed": cand["calibration"]["ece"], "ci_low": cand["calibration"]["ci"]["ece"][0],
         "ci_high": cand["calibration"]["ci"]["ece"][1], "threshold": "<= 0.05",
         "method": "10 equal-width bins, percentile bootstrap", "pass": True, "detail": ""},
        {"name": "AUROC gap by sex", "metric": "auroc", "scope": "group:sex", "rule": "max_gap",
         "observed": cand["subgroups"]["sex"]["disparities"]["auroc_gap"],
         "ci_low": cand["subgroups"]["sex"]["disparities"]["ci"]["auroc_gap"][0],
         "ci_high": cand["subgroups"]["sex"]["disparities"]["ci"]["auroc_gap"][1], "threshold": "<= 0.025",
         "method": "largest difference between levels, percentile bootstrap", "pass": False,
         "detail": "F 0.841 vs M 0.810"},
        {"name": "Shadow replay of v1", "metric": "replay_agreement", "scope": "overall", "rule": "at_least",
         "observed": 1.0, "ci_low": None, "ci_high": None, "threshold": ">= 0.999",
         "method": "re-score within tolerance 1e-06", "pass": True, "detail": ""},
        {"name": "No drift from training", "metric": "drift_alarms", "scope": "overall", "rule": "drift_gate",
         "observed": 0, "ci_low": None, "ci_high": None, "threshold": "== 0",
         "method": "KS with Holm correction, alpha 0.01, Wasserstein/SD floor 0.1", "pass": True, "detail": ""}],
    "metrics": {"candidate": cand, "predecessor": pred},
    "comparison": {
        "auroc": {"candidate": ca, "predecessor": pa, "difference": ca - pa, "ci_low": ca - pa - 0.011,
                  "ci_high": ca - pa + 0.011, "method": "paired DeLong"},
        "brier": {"candidate": cand["calibration"]["brier"], "predecessor": pred["calibration"]["brier"],
                  "difference": cand["calibration"]["brier"] - pred["calibration"]["brier"],
                  "ci_low": cand["calibration"]["brier"] - pred["calibration"]["brier"] - 0.003,
                  "ci_high": cand["calibration"]["brier"] - pred["calibration"]["brier"] + 0.003,
                  "method": "paired bootstrap"},
        "ece": {"candidate": cand["calibration"]["ece"], "predecessor": pred["calibration"]["ece"],
                "difference": cand["calibration"]["ece"] - pred["calibration"]["ece"],
                "ci_low": cand["calibration"]["ece"] - pred["calibration"]["ece"] - 0.006,
                "ci_high": cand["calibration"]["ece"] - pred["calibration"]["ece"] + 0.006,
                "method": "paired bootstrap"}},
    "replay": {"n": cand["n"], "agreement": 1.0, "max_abs_diff": 3e-8, "mean_abs_diff": 1e-9,
               "tolerance": 1e-6, "disagreeing_ids": []},
    "explanations": {"global_importance": {"age": 0.61, "kappa": 0.18, "lambda": 0.15, "male": 0.07},
                     "by_group": {"sex": {"F": {"age": 0.63, "kappa": 0.17, "lambda": 0.14, "male": 0.05},
                                          "M": {"age": 0.58, "kappa": 0.20, "lambda": 0.16, "male": 0.09}}}},
    "drift": {"features": {
        "age": {"type": "numeric", "n_ref": 4802, "n_cur": 3072, "missing_ref": 0, "missing_cur": 0,
                "drift": False, "p_adjusted": 0.41, "tests": {"ks": {"stat": 0.02, "p": 0.41}}},
        "kappa": {"type": "numeric", "n_ref": 4802, "n_cur": 3072, "missing_ref": 0, "missing_cur": 0,
                  "drift": False, "p_adjusted": 0.62, "tests": {"ks": {"stat": 0.017, "p": 0.31}}},
        "lambda": {"type": "numeric", "n_ref": 4802, "n_cur": 3072, "missing_ref": 0, "missing_cur": 0,
                   "drift": False, "p_adjusted": 0.62, "tests": {"ks": {"stat": 0.015, "p": 0.5}}}}},
    "pccp": {
        "description_of_modifications": "Re-training of the 5-year mortality gradient-boosted model (v1 -> v2) on "
                                        "additional cases from the same population, same features and intended use.",
        "retraining_practices": "XGBoost 1.7.4, same hyperparameters, training set sequestered from the test "
                                "set by case_id; no test-set case is used in training or tuning.",
        "update_procedures": "The candidate replaces v1 only when every acceptance criterion passes; users are "
                             "notified in the release notes; v1 is kept for rollback.",
        "impact_notes": "A failed subgroup criterion blocks the update; monitoring continues nightly."},
    "seconds": {"load": 0.1, "compute": 2.3, "write": 0.02}}
json.dump(suite, open(OUT + "suite_result.json", "w"), indent=1)

for name, mon in (("alarm", "monitors/flchain-temporal.json"), ("quiet", "monitors/flchain-stable.json")):
    r = subprocess.run([V, "monitor", "run", mon, "--no-store", "--format", "json"], capture_output=True, text=True)
    if r.returncode not in (0, 1):  # --no-store may not exist: fall back to a scratch store
        r = subprocess.run([V, "monitor", "run", mon, "--db", "/tmp/vigil-fixture.db", "--format", "json"],
                           capture_output=True, text=True)
    d = json.loads(r.stdout)
    d.pop("lock", None)
    json.dump(d, open(OUT + "monitor_result_%s.json" % name, "w"), indent=1)
