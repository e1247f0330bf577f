#!/usr/bin/env python3
"""Golden values for tests/test_metrics.c, test_calibration.c and test_fairness.c.

Peers: scikit-learn (roc_auc_score, average_precision_score, brier_score_loss,
confusion_matrix), statsmodels (GLM binomial for the recalibration slope/intercept and the
offset fit, proportion_confint(method="wilson")) and Fairlearn (MetricFrame,
demographic_parity_difference/ratio, equalized_odds_difference,
equal_opportunity_difference). Written against scikit-learn 1.9.1, statsmodels 0.15.0,
Fairlearn 0.15.0 (from PyPI) in a virtual environment:

    /usr/bin/python3 -m venv --system-site-packages /tmp/vigil-ref
    /tmp/vigil-ref/bin/pip install fairlearn && /tmp/vigil-ref/bin/pip install --ignore-installed statsmodels
    /tmp/vigil-ref/bin/python tests/reference/metrics_ref.py   # then metrics_ref.R

It first writes the generated cases (tests/reference/metrics/case_*.csv; numpy's PCG64 with
fixed seeds), then tests/reference/metrics/<case>.py.json. The versions it ran with are
recorded in each JSON file. ECE/MCE/equal-mass bins and the Brier decomposition have no
library peer; they are computed here with numpy from their definitions (design.md).
"""
import json, os, sys
import numpy as np
import sklearn, statsmodels, fairlearn
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint
from sklearn.metrics import roc_auc_score, average_precision_score, brier_score_loss, confusion_matrix
from fairlearn.metrics import (MetricFrame, selection_rate, true_positive_rate, false_positive_rate,
                               demographic_parity_difference, demographic_parity_ratio,
                               equalized_odds_difference, equal_opportunity_difference)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics")
VERSIONS = {"scikit-learn": sklearn.__version__, "statsmodels": statsmodels.__version__,
            "fairlearn": fairlearn.__version__, "numpy": np.__version__}


def make_cases():
    cases = {}
    # a: smooth scores rounded to 3 decimals (ties), two groups, a second score for DeLong.
    r = np.random.default_rng(11)
    n = 600
    x = r.normal(size=n)
    y = (r.random(n) < 1 / (1 + np.exp(-(x - 0.7)))).astype(int)
    p = np.round(1 / (1 + np.exp(-(1.3 * x - 0.9))), 3)
    p2 = np.round(1 / (1 + np.exp(-(0.8 * x + r.normal(scale=0.8, size=n) - 0.6))), 3)
    sex = r.choice(["F", "M"], n)
    race = r.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2])
    cases["a"] = dict(score=p, score2=p2, label=y, sex=sex, race=race)
    # b: heavy ties (ten distinct scores), miscalibrated.
    r = np.random.default_rng(12)
    n = 400
    p = r.choice(np.arange(1, 11) / 11.0, n)
    y = (r.random(n) < np.clip(p * 0.7 + 0.05, 0, 1)).astype(int)
    cases["b"] = dict(score=p, score2=np.round(r.random(n), 2), label=y,
                      sex=r.choice(["F", "M"], n), race=r.choice(["A", "B"], n))
    # c: larger, overconfident model, unrounded scores, exact 0.5 and bin edges present.
    r = np.random.default_rng(13)
    n = 3000
    x = r.normal(size=n)
    y = (r.random(n) < 1 / (1 + np.exp(-(0.6 * x - 1.0)))).astype(int)
    p = 1 / (1 + np.exp(-(1.5 * x - 0.8)))
    p[:10] = [0.1, 0.2, 0.3, 0.5, 0.5, 0.7, 0.9, 0.4, 0.6, 0.8]
    cases["c"] = dict(score=p, score2=np.clip(p + r.normal(scale=0.1, size=n), 0.001, 0.999),
                      label=y, sex=r.choice(["F", "M"], n, p=[0.6, 0.4]),
                      race=r.choice(["A", "B", "C", "D"], n, p=[0.5, 0.3, 0.15, 0.05]))
    for name, c in cases.items():
        with open(os.path.join(OUT, f"case_{name}.csv"), "w") as f:
            f.write("score,score2,label,sex,race\n")
            for i in range(len(c["label"])):
                f.write(f"{float(c['score'][i])!r},{float(c['score2'][i])!r},{c['label'][i]},{c['sex'][i]},{c['race'][i]}\n")
    return cases


def bins_equal_width(p, y, B=10):
    edges = np.linspace(0.0, 1.0, B + 1)
    ids = np.searchsorted(edges[1:-1], p)  # side="left": a score on an edge goes to the lower bin
    ece, mce, rel, res = 0.0, 0.0, 0.0, 0.0
    obar = y.mean()
    for b in range(B):
        m = ids == b
        if not m.any():
            continue
        gap = abs(p[m].mean() - y[m].mean())
        ece += m.sum() / len(p) * gap
        mce = max(mce, gap)
        rel += m.sum() * gap ** 2
        res += m.sum() * (y[m].mean() - obar) ** 2
    return ece, mce, rel / len(p), res / len(p), obar * (1 - obar)


def ece_equal_mass(p, y, B=10):
    o = np.argsort(p, kind="stable")
    return sum(len(ix) / len(p) * abs(p[ix].mean() - y[ix].mean()) for ix in np.array_split(o, B))


def logistic(p, y):
    lg = np.log(p / (1 - p))
    X = sm.add_constant(lg)
    fit = sm.GLM(y, X, family=sm.families.Binomial()).fit(tol=1e-12)
    citl = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Binomial(), offset=lg).fit(tol=1e-12)
    return fit.params[0], fit.params[1], citl.params[0]


def threshold(p, y, t):
    pred = (p >= t).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    out = {"t": t, "tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn)}
    for key, k, n in [("tpr", tp, tp + fn), ("tnr", tn, tn + fp), ("ppv", tp, tp + fp),
                      ("npv", tn, tn + fn), ("sel", tp + fp, tp + fp + fn + tn)]:
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        out[key] = k / n
        out[key + "_lo"], out[key + "_hi"] = float(lo), float(hi)
    n = len(y)
    out["net_benefit"] = tp / n - fp / n * t / (1 - t)
    return out


def fairness(p, y, g, t):
    pred = (p >= t).astype(int)
    mf = MetricFrame(metrics={"sel": selection_rate, "tpr": true_positive_rate,
                              "fpr": false_positive_rate, "auc": roc_auc_score},
                     y_true=y, y_pred=pred, sensitive_features=g)
    mfa = MetricFrame(metrics=roc_auc_score, y_true=y, y_pred=p, sensitive_features=g)
    levels = {}
    for lv in mf.by_group.index:
        levels[str(lv)] = {"n": int((g == lv).sum()), "selection_rate": float(mf.by_group.loc[lv, "sel"]),
                           "tpr": float(mf.by_group.loc[lv, "tpr"]), "fpr": float(mf.by_group.loc[lv, "fpr"]),
                           "auroc": float(mfa.by_group.loc[lv])}
    return {"levels": levels,
            "demographic_parity_difference": float(demographic_parity_difference(y, pred, sensitive_features=g)),
            "demographic_parity_ratio": float(demographic_parity_ratio(y, pred, sensitive_features=g)),
            "equalized_odds_difference": float(equalized_odds_difference(y, pred, sensitive_features=g)),
            "equal_opportunity_difference": float(equal_opportunity_difference(y, pred, sensitive_features=g)),
            "auroc_gap": float(mfa.difference(method="between_groups"))}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, c in make_cases().items():
        p, y = np.asarray(c["score"], float), np.asarray(c["label"], int)
        ece, mce, rel, res, unc = bins_equal_width(p, y)
        a, b, citl = logistic(p, y)
        inter = np.array([f"{s}+{r}" for s, r in zip(c["sex"], c["race"])])
        g = {"versions": VERSIONS, "n": len(y), "prevalence": float(y.mean()),
             "auroc": roc_auc_score(y, p), "auroc2": roc_auc_score(y, c["score2"]),
             "auprc": average_precision_score(y, p), "brier": brier_score_loss(y, p),
             "ece": ece, "mce": mce, "ece_equal_mass": ece_equal_mass(p, y),
             "brier_reliability": rel, "brier_resolution": res, "brier_uncertainty": unc,
             "intercept": a, "slope": b, "citl": citl,
             "thresholds": [threshold(p, y, t) for t in (0.2, 0.5)],
             "fairness": {"sex": fairness(p, y, c["sex"], 0.5), "race": fairness(p, y, c["race"], 0.5),
                          "sex+race": fairness(p, y, inter, 0.5)}}
        with open(os.path.join(OUT, f"{name}.py.json"), "w") as f:
            json.dump(g, f, indent=1, sort_keys=True)
        print("wrote", name)


if __name__ == "__main__":
    main()
