#!/tmp/nml/bin/python
"""Golden values for the monitors' label-free performance estimate (issue 17, "Before outcomes
arrive"): NannyML's confidence-based performance estimation (CBPE) of AUROC, sensitivity
(recall) and PPV (precision) at the monitor's threshold. Read by tests/test_monitor.c
(test_cbpe_nannyml) and tests/cli/test_monitor_cbpe.sh.

Peer: NannyML 0.13.1 (PyPI; it installs on Python 3.11), with its scikit-learn and numpy:
  /usr/bin/python3 -m venv --system-site-packages /tmp/nml
  /tmp/nml/bin/pip install "nannyml==0.13.*"
  /tmp/nml/bin/python tests/reference/monitor_cbpe_ref.py
Writes tests/reference/monitor_cbpe/cases.csv (the cases: night, x, score, score_over, label;
nights 4 and 5 are for tests/reference/monitor_performance_ref.R)
and tests/reference/monitor_cbpe/goldens.json (the expected numbers, the versions).

The cases: night 0 is the reference (3,000 cases); nights 1..3 (400, 700, 1,000 cases) are
current windows under a growing covariate shift (x moves right, so the prevalence rises while
the model stays calibrated). `score` is the calibrated risk sigmoid(-2 + 1.2 x); `score_over`
over-predicts (sigmoid(-1 + 1.2 x)) and must be refused by vigil's calibration check.

vigil refuses the estimate on a miscalibrated reference instead of recalibrating, so NannyML is
run with calibrator=NoopCalibrator() (its own estimator, without the isotonic step); the
script also records NannyML's default verdict (needs_calibration with its isotonic
calibrator) for both scores, for the README. Sampling errors are NannyML's (bse.*); vigil's
95% interval is the estimate -/+ 1.959964 x that sampling error (NannyML draws -/+ 3), so the
golden interval is computed here from NannyML's sampling_error column.

Spiegelhalter's z (vigil's calibration check on the reference window) is written out from
its formula (Spiegelhalter 1986), z = sum((y - p)(1 - 2p)) / sqrt(sum((1 - 2p)^2 p (1 - p))),
independently of vigil.
"""
import json
import os

import numpy as np
import pandas as pd
import scipy
import sklearn
import nannyml
from nannyml.calibration import IsotonicCalibrator, NoopCalibrator, needs_calibration
from scipy.stats import norm

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "monitor_cbpe")
THRESHOLD = 0.3
Z95 = 1.959963984540054


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


rng = np.random.default_rng(1717)
rows = []
for night, n, mu in [(0, 3000, 0.0), (1, 400, 0.4), (2, 700, 0.8), (3, 1000, 1.2)]:
    x = rng.normal(mu, 1.0, n)
    p = sigmoid(-2 + 1.2 * x)
    rows.append(pd.DataFrame({"night": night, "x": x, "score": p, "score_over": sigmoid(-1 + 1.2 * x),
                              "label": rng.binomial(1, p)}))
# nights 4 and 5 serve the realised performance (tests/reference/monitor_performance_ref.R):
# night 4's outcomes have matured for 60% of its cases only (the others' labels are empty);
# night 5 has few positives (the cell-size policy withholds its numbers)
for night, n, mu in [(4, 600, 0.8), (5, 120, -1.5)]:
    x = rng.normal(mu, 1.0, n)
    p = sigmoid(-2 + 1.2 * x)
    y = pd.array(rng.binomial(1, p), dtype="Int64")
    if night == 4:
        y[rng.uniform(size=n) < 0.4] = pd.NA
    rows.append(pd.DataFrame({"night": night, "x": x, "score": p, "score_over": sigmoid(-1 + 1.2 * x),
                              "label": y}))
cases = pd.concat(rows, ignore_index=True)
os.makedirs(OUT, exist_ok=True)
path = os.path.join(OUT, "cases.csv")
cases.to_csv(path, index=False, float_format="%.10f")
cases = pd.read_csv(path)  # both tools read the same digits
assert not cases["score"].duplicated().any(), "ties would make NannyML's AUROC components order-dependent"


def spiegelhalter(y, p):
    z = np.sum((y - p) * (1 - 2 * p)) / np.sqrt(np.sum((1 - 2 * p) ** 2 * p * (1 - p)))
    return float(z), float(2 * norm.sf(abs(z)))


def run(score):
    ref = cases[cases.night == 0].copy()
    # NannyML's AUROC sampling-error components drop a minority-class case at rank 0; none here
    yr, sr = ref["label"].to_numpy(), ref[score].to_numpy()
    minority = 1 if yr.mean() <= 0.5 else 0
    lowest = yr[np.argmin(sr if minority == 1 else 1 - sr)]
    assert lowest != minority, "the rank-0 quirk of bse.auroc_sampling_error_components would apply"
    frames = []
    for df in [cases[cases.night == k].copy() for k in range(4)]:
        df["y_pred"] = (df[score] >= THRESHOLD).astype(int)
        frames.append(df)
    est = nannyml.CBPE(y_pred_proba=score, y_pred="y_pred", y_true="label", problem_type="classification_binary",
                       metrics=["roc_auc", "precision", "recall"], chunk_number=1,
                       calibrator=NoopCalibrator())
    est.fit(frames[0])
    out = {"needs_calibration_isotonic": bool(needs_calibration(yr, sr, IsotonicCalibrator())),
           "spiegelhalter_ref": dict(zip(["z", "p"], spiegelhalter(yr, sr))), "nights": {}}
    for k in (1, 2, 3):
        cur = frames[k].drop(columns=["label"])  # the estimate sees the scores alone
        res = est.estimate(cur).filter(period="analysis").to_df()
        night = {"n": int(len(cur))}
        for metric, key in [("roc_auc", "auroc"), ("recall", "sensitivity"), ("precision", "ppv")]:
            value = float(res[(metric, "value")].iloc[0])
            se = float(res[(metric, "sampling_error")].iloc[0])
            night[key] = {"estimate": value, "sampling_error": se,
                          "ci_low": max(0.0, value - Z95 * se), "ci_high": min(1.0, value + Z95 * se)}
        y = frames[k]["label"].to_numpy()
        pred = frames[k]["y_pred"].to_numpy()
        night["realised"] = {"auroc": float(sklearn.metrics.roc_auc_score(y, frames[k][score])),
                             "sensitivity": float(sklearn.metrics.recall_score(y, pred)),
                             "ppv": float(sklearn.metrics.precision_score(y, pred))}
        out["nights"][str(k)] = night
    return out


goldens = {"peer": "nannyml %s (CBPE, calibrator=NoopCalibrator)" % nannyml.__version__,
           "versions": {"nannyml": nannyml.__version__, "scikit-learn": sklearn.__version__,
                        "numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__},
           "threshold": THRESHOLD, "z": Z95, "score": run("score"), "score_over": run("score_over")}
with open(os.path.join(OUT, "goldens.json"), "w") as fh:
    json.dump(goldens, fh, indent=1)
    fh.write("\n")
print(json.dumps(goldens, indent=1))
