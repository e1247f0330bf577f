#!/usr/bin/python3
"""Golden curve points for tests/test_metrics.c (test_curves), from Debian's peers:
scikit-learn 1.2.1 roc_curve(drop_intermediate=False) and precision_recall_curve,
calibration_curve(n_bins=10, strategy='uniform'); statsmodels 0.13.5 proportion_confint
(method='wilson') for the reliability intervals; the decision-curve net benefit
NB(t) = TP/n - FP/n * t / (1 - t) (Vickers & Elkin 2006, treat when p >= t) with treat-all
on the same grid t = 0.01 .. 0.99, computed here with numpy from its definition.
Cases: tests/reference/metrics/case_a.csv (continuous scores) and case_b.csv (heavy ties).
Run from the repository root:  /usr/bin/python3 tests/reference/curves_ref.py
"""
import json

import numpy as np
import sklearn
import statsmodels
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve, roc_curve
from statsmodels.stats.proportion import proportion_confint

for name in ("a", "b"):
    d = np.genfromtxt(f"tests/reference/metrics/case_{name}.csv", delimiter=",", names=True,
                      dtype=None, encoding="utf-8")
    p, y = d["score"].astype(float), d["label"].astype(int)
    fpr, tpr, thr = roc_curve(y, p, drop_intermediate=False)
    prec, rec, pthr = precision_recall_curve(y, p)
    # reliability: sklearn's bins (right-closed, as vigil), with each bin's count for Wilson
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    bins = np.linspace(0.0, 1.0, 11)
    ids = np.searchsorted(bins[1:-1], p)  # sklearn's own binning
    rel = []
    for b in range(10):
        m = ids == b
        if not m.any():
            continue
        k, nb = int(y[m].sum()), int(m.sum())
        lo, hi = proportion_confint(k, nb, alpha=0.05, method="wilson")
        rel.append({"bin": b, "n": nb, "observed": k / nb, "mean_score": float(p[m].mean()),
                    "ci_low": float(lo), "ci_high": float(hi)})
    assert np.allclose([r["observed"] for r in rel], prob_true)
    assert np.allclose([r["mean_score"] for r in rel], prob_pred)
    n, P = len(y), y.sum()
    grid = [(k + 1) / 100 for k in range(99)]
    nb_model, nb_all = [], []
    for t in grid:
        sel = p >= t
        tp, fp = int((sel & (y == 1)).sum()), int((sel & (y == 0)).sum())
        nb_model.append(tp / n - fp / n * t / (1 - t))
        nb_all.append(P / n - (n - P) / n * t / (1 - t))
    out = {"peers": f"scikit-learn {sklearn.__version__}, statsmodels {statsmodels.__version__}, "
                    f"numpy {np.__version__}",
           "roc": {"threshold": [float(x) for x in thr], "fpr": fpr.tolist(), "tpr": tpr.tolist()},
           "pr": {"threshold": pthr.tolist(), "precision": prec[:-1].tolist(), "recall": rec[:-1].tolist()},
           "reliability": rel, "net_benefit": {"thresholds": grid, "model": nb_model, "treat_all": nb_all}}
    json.dump(out, open(f"tests/reference/metrics/curves_{name}.json", "w"), indent=1)
print("wrote tests/reference/metrics/curves_{a,b}.json")
