#!/usr/bin/python3
"""Golden values for tests/test_multiclass.c and tests/cli/test_multiclass.sh (issue 20:
multi-class metrics, `vigil metrics --class-scores PREFIX`).

Peers: scikit-learn 1.2.1 (Debian's python3-sklearn): accuracy_score, top_k_accuracy_score,
log_loss, roc_auc_score (multi_class='ovr', average 'macro' and 'weighted', and the binary
one-vs-rest AUROC of each class), recall_score / precision_score (average=None) of the argmax,
confusion_matrix, calibration_curve (strategy='uniform': the top-label curve and the classwise
bins). numpy 1.24 for what scikit-learn has no function for: the multiclass Brier score (mean of
the row sums of (p - onehot)^2), the mean reciprocal rank (ties pessimistic: rank = 1 + the
other classes with p >= p_true) and DeLong's variance of each one-vs-rest AUROC (the midrank
algorithm of Sun and Xu 2014, written here independently of vigil's sorted-order kernel).
Versions are written into the output.

Cases (CSV + JSON under tests/reference/multiclass/):
  main    2,000 cases, 5 classes, probabilities rounded to 2 decimals (heavy ties), a group
          'site' with a level of 6 cases (suppressed) and missing values, a group 'sex'
  absent  600 cases, 4 classes, class 'd' never in the labels (null AUROC with a reason;
          the macro and weighted means over the other three, as roc_auc_score on them)
  tiny    12 cases, 3 classes (cell-size policy: class counts under 11 withheld)
  two     500 cases, 2 classes (top-3 accuracy is 1: K >= classes)
  fifty   1,000 cases, 50 classes (4 decimals; classes of 1 to 10 cases withheld)
  offsum  300 cases, 3 classes, each row scaled by 1 + e, |e| < 9e-7 (accepted: within 1e-6;
          log_loss clips and renormalises each row, and so does vigil)
  flchain_softprob  the bundled multi:softprob model on datasets/flchain/test.csv, scored by
          XGBoost 1.7.4 (Booster.predict): the end-to-end check of `vigil predict` then
          `vigil metrics --class-scores score_` (a class that never occurs, float32 row sums)
  suite   1,500 cases, 4 classes, a candidate's (p_) and a predecessor's (q_) probabilities, a
          site group: the suite criteria and non-inferiority of tests/cli/test_multiclass.sh
  large   200,000 cases, 6 classes from integer weights (p = w / sum w, exact in C and
          numpy alike): not written as CSV; test_multiclass.c rebuilds it from the recipe in
          large_case() and checks these numbers

Run from the repository root:  /usr/bin/python3 tests/reference/multiclass_ref.py
(xgboost 1.7.4 is Debian's python3-xgboost.)
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import (accuracy_score, confusion_matrix, log_loss, precision_score, recall_score,
                             roc_auc_score, top_k_accuracy_score)
from scipy.stats import norm

OUT = "tests/reference/multiclass"
TOP_K = 3
BINS = 10


def delong_var(y, s):
    """DeLong variance of the AUROC of score s for binary y (Sun & Xu 2014, midranks)."""
    from scipy.stats import rankdata
    pos, neg = s[y == 1], s[y == 0]
    m, n = len(pos), len(neg)
    tz = rankdata(np.concatenate([pos, neg]))
    tx, ty = rankdata(pos), rankdata(neg)
    auc = (tz[:m].sum() - m * (m + 1) / 2) / (m * n)
    v10 = (tz[:m] - tx) / n
    v01 = 1 - (tz[m:] - ty) / m
    return auc, np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n


def mrr(y, P):
    pt = P[np.arange(len(y)), y]
    ge = (P >= pt[:, None]).sum(1) - 1  # other classes at or above the true class's probability
    return float(np.mean(1.0 / (1 + ge)))


def ece_bins(p, hit):
    """Equal-width bins as calibration_curve(strategy='uniform'): edges k/10, a value on an
    edge in the lower bin. Returns per-bin (n, mean p, mean hit) and the ECE."""
    ids = np.searchsorted(np.linspace(0, 1, BINS + 1)[1:-1], p)
    n = np.bincount(ids, minlength=BINS).astype(float)
    sp = np.bincount(ids, weights=p, minlength=BINS)
    sh = np.bincount(ids, weights=hit.astype(float), minlength=BINS)
    nz = n > 0
    if hit.any():  # calibration_curve needs both outcomes
        prob_true, prob_pred = calibration_curve(hit.astype(int), p, n_bins=BINS, strategy="uniform")
        assert np.allclose(prob_true, sh[nz] / n[nz]) and np.allclose(prob_pred, sp[nz] / n[nz])
    ece = float(np.sum(np.abs(sp - sh)) / len(p))
    return n, np.where(nz, sp / np.maximum(n, 1), np.nan), np.where(nz, sh / np.maximum(n, 1), np.nan), ece


def scope(y, P, k):
    n = len(y)
    labels = list(range(k))
    pred = np.argmax(P, axis=1)
    out = {"n": n, "accuracy": accuracy_score(y, pred)}
    if k == 2:  # scikit-learn takes the binary case as one column; K >= classes: every case a hit
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out["top_k_accuracy"] = top_k_accuracy_score(y, P[:, 1], k=TOP_K, labels=labels)
    else:
        out["top_k_accuracy"] = top_k_accuracy_score(y, P, k=TOP_K, labels=labels)
    out["log_loss"] = log_loss(y, P, labels=labels)
    onehot = np.eye(k)[y]
    out["brier"] = float(np.mean(np.sum((P - onehot) ** 2, axis=1)))
    out["mrr"] = mrr(y, P)
    present = [c for c in labels if 0 < np.sum(y == c) < n]
    cls = {}
    rec = recall_score(y, pred, labels=labels, average=None, zero_division=0)
    prec = precision_score(y, pred, labels=labels, average=None, zero_division=0)
    ece_cw = 0.0
    for c in labels:
        yc = (y == c).astype(int)
        one = {"n": int(yc.sum()), "tp": int(np.sum((pred == c) & (y == c))), "pred": int(np.sum(pred == c))}
        if c in present:
            one["auroc"] = roc_auc_score(yc, P[:, c])
            a, v = delong_var(yc, P[:, c])
            assert abs(a - one["auroc"]) < 1e-12
            z = norm.ppf(0.975)
            one["auroc_ci"] = [max(0.0, a - z * np.sqrt(v)), min(1.0, a + z * np.sqrt(v))]
        else:
            one["auroc"] = None
        one["sensitivity"] = float(rec[c]) if one["n"] else None
        one["ppv"] = float(prec[c]) if one["pred"] else None
        ece_cw += ece_bins(P[:, c], yc.astype(bool))[3]
        cls[str(c)] = one
    out["classes"] = cls
    out["ece_classwise"] = ece_cw / k
    conf = P.max(axis=1)
    bn, bconf, bacc, out["ece_top_label"] = ece_bins(conf, pred == y)
    out["calibration_top_label"] = [{"n": int(bn[b]), "confidence": None if np.isnan(bconf[b]) else float(bconf[b]),
                                     "accuracy": None if np.isnan(bacc[b]) else float(bacc[b])} for b in range(BINS)]
    if len(present) == k:
        out["auroc_ovr_macro"] = roc_auc_score(y, P if k > 2 else P[:, 1], multi_class="ovr", average="macro",
                                               labels=labels)
        out["auroc_ovr_weighted"] = roc_auc_score(y, P if k > 2 else P[:, 1], multi_class="ovr",
                                                  average="weighted", labels=labels)
        if k == 2:  # the binary path gives class 1's AUROC; one-vs-rest of both is their mean
            out["auroc_ovr_macro"] = float(np.mean([cls[str(c)]["auroc"] for c in labels]))
            w = np.array([cls[str(c)]["n"] for c in labels], float)
            out["auroc_ovr_weighted"] = float(np.dot(w, [cls[str(c)]["auroc"] for c in labels]) / w.sum())
    elif present:
        # roc_auc_score refuses a class absent from y_true: its one-vs-rest on the classes
        # present, which is what vigil's means are over
        sub = np.isin(np.arange(k), present)
        aucs = [roc_auc_score((y == c).astype(int), P[:, c]) for c in present]
        w = np.array([np.sum(y == c) for c in present], float)
        out["auroc_ovr_macro"] = float(np.mean(aucs))
        out["auroc_ovr_weighted"] = float(np.dot(w, aucs) / w.sum())
        assert sub.sum() == len(present)
    else:
        out["auroc_ovr_macro"] = out["auroc_ovr_weighted"] = None
    out["auroc_ovr_classes"] = len(present)
    out["confusion_matrix"] = confusion_matrix(y, pred, labels=labels).tolist()
    return out


def write_case(name, y, P, classes, groups=None, decimals=None):
    k = P.shape[1]
    os.makedirs(OUT, exist_ok=True)
    cols = ["case_id", "dx"] + ["p_" + c for c in classes] + list((groups or {}).keys())
    with open(f"{OUT}/{name}.csv", "w") as f:
        f.write(",".join(cols) + "\n")
        for i in range(len(y)):
            vals = [f"{v:.{decimals}f}" if decimals else repr(float(v)) for v in P[i]]
            row = [str(i + 1), classes[y[i]]] + vals + [(g[i] if g[i] is not None else "") for g in (groups or {}).values()]
            f.write(",".join(row) + "\n")
    # the numbers are those of the values as written
    Pw = np.array([[float(f"{v:.{decimals}f}") if decimals else float(v) for v in row] for row in P])
    doc = {"peer": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}", "classes": classes,
           "top_k": TOP_K, "overall": scope(y, Pw, k), "subgroups": {}}
    for gname, g in (groups or {}).items():
        g = np.array(["(missing)" if v is None else v for v in g])
        lv = {}
        for level in sorted(set(g)):
            m = g == level
            lv[level] = {"n": int(m.sum())} if m.sum() < 11 else scope(y[m], Pw[m], k)
        shown = [v for v in lv.values() if "accuracy" in v]
        gaps = {}
        for key in ("top_k_accuracy", "auroc_ovr_macro"):
            vals = [v[key] for v in shown]
            gaps[key + "_gap"] = max(vals) - min(vals) if len(vals) >= 2 and None not in vals else None
        doc["subgroups"][gname] = {"levels": lv, "disparities": gaps}
    with open(f"{OUT}/{name}.json", "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)


def probs(rng, n, k, y, signal, decimals=None):
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += signal
    P = np.exp(logits)
    P /= P.sum(1, keepdims=True)
    if decimals:  # round, and let the last class take the rounding so rows sum to 1
        P = np.round(P, decimals)
        P[:, -1] = np.round(1 - P[:, :-1].sum(1), decimals)
        bad = P[:, -1] < 0
        P[bad, :] = np.round(1.0 / k, decimals)
        P[bad, -1] = np.round(1 - P[bad, :-1].sum(1), decimals)
    return P


def large_case():
    """200,000 cases x 6 classes from a 64-bit LCG; p_c = w_c / sum(w), w_c in 1..20, so ties
    are everywhere. test_multiclass.c repeats this recipe exactly."""
    n, k = 200000, 6
    state = 12345
    W = np.zeros((n, k))
    y = np.zeros(n, dtype=int)
    mask = (1 << 64) - 1
    for i in range(n):
        for c in range(k):
            state = (state * 6364136223846793005 + 1442695040888963407) & mask
            W[i, c] = 1 + (state >> 33) % 20
        state = (state * 6364136223846793005 + 1442695040888963407) & mask
        u = (state >> 33) % 100
        # the label follows the largest weight 60% of the time, else a class from the draw
        y[i] = int(np.argmax(W[i])) if u < 60 else int(u % k)
    P = W / W.sum(1, keepdims=True)
    doc = {"peer": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}", "n": n, "k": k,
           "top_k": TOP_K, "overall": scope(y, P, k)}
    with open(f"{OUT}/large.json", "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)


def flchain_case():
    """The bundled multi:softprob model (datasets/models/flchain_agegroup_softprob.json, the 5 age
    bands; band '<50' never occurs in flchain) scored by XGBoost's own Booster.predict on
    datasets/flchain/test.csv: what `vigil predict` then `vigil metrics --class-scores score_`
    must reproduce (tests/cli/test_multiclass.sh)."""
    import pandas as pd
    import xgboost as xgb
    bands = ["<50", "50-59", "60-69", "70-79", "80+"]
    feats = ["kappa", "lambda", "creatinine", "male", "mgus"]
    df = pd.read_csv("datasets/flchain/test.csv")
    b = xgb.Booster()
    b.load_model("datasets/models/flchain_agegroup_softprob.json")
    P = b.predict(xgb.DMatrix(df[feats].to_numpy(np.float32), feature_names=feats)).astype(np.float64)
    y = df["age_band"].map({v: i for i, v in enumerate(bands)}).to_numpy()
    doc = {"peer": f"xgboost {xgb.__version__} Booster.predict, scikit-learn {sklearn.__version__}, "
                   f"numpy {np.__version__}", "classes": [str(c) for c in range(5)], "top_k": TOP_K,
           "overall": scope(y, P, 5)}
    with open(f"{OUT}/flchain_softprob.json", "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)


def suite_case(rng):
    """A suite's case file: the candidate's class probabilities p_<class> and its predecessor's
    q_<class> on the same 1,500 cases (tests/cli/test_multiclass.sh, suite criteria and
    non-inferiority): each model's numbers overall and per site level."""
    n, k = 1500, 4
    classes = ["a", "b", "c", "d"]
    y = rng.choice(k, size=n, p=[0.4, 0.3, 0.2, 0.1])
    P = probs(rng, n, k, y, 1.6, decimals=4)
    Q = probs(rng, n, k, y, 1.1, decimals=4)
    site = rng.choice(["north", "south", "east"], size=n)
    with open(f"{OUT}/suite.csv", "w") as f:
        f.write("dx," + ",".join("p_" + c for c in classes) + "," + ",".join("q_" + c for c in classes) + ",site\n")
        for i in range(n):
            f.write(classes[y[i]] + "," + ",".join(f"{v:.4f}" for v in P[i]) + "," +
                    ",".join(f"{v:.4f}" for v in Q[i]) + f",{site[i]}\n")
    P = np.array([[float(f"{v:.4f}") for v in r] for r in P])
    Q = np.array([[float(f"{v:.4f}") for v in r] for r in Q])
    doc = {"peer": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}", "classes": classes,
           "candidate": scope(y, P, k), "predecessor": scope(y, Q, k), "levels": {}}
    for lv in sorted(set(site)):
        m = site == lv
        doc["levels"][lv] = {"candidate": scope(y[m], P[m], k), "predecessor": scope(y[m], Q[m], k)}
    with open(f"{OUT}/suite.json", "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)


def main():
    rng = np.random.default_rng(20)
    # main: 5 classes, ties, groups with a small and a missing level
    n, k = 2000, 5
    y = rng.choice(k, size=n, p=[0.35, 0.25, 0.2, 0.15, 0.05])
    P = probs(rng, n, k, y, 1.2, decimals=2)
    site = rng.choice(["north", "south", "east"], size=n).astype(object)
    site[:6] = "island"
    site[6:40] = None
    sex = rng.choice(["F", "M"], size=n)
    write_case("main", y, P, ["flu", "covid", "rsv", "strep", "other"], {"site": list(site), "sex": list(sex)},
               decimals=2)
    # absent: class 'd' never the label
    n, k = 600, 4
    y = rng.choice(3, size=n)
    write_case("absent", y, probs(rng, n, k, y, 1.0, decimals=4), ["a", "b", "c", "d"], decimals=4)
    # tiny
    n, k = 12, 3
    y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
    write_case("tiny", y, probs(rng, n, k, y, 1.0, decimals=3), ["x", "y", "z"], decimals=3)
    # two classes
    n, k = 500, 2
    y = rng.choice(2, size=n)
    write_case("two", y, probs(rng, n, k, y, 1.0, decimals=3), ["neg", "pos"], decimals=3)
    # fifty classes
    n, k = 1000, 50
    y = rng.choice(k, size=n)
    write_case("fifty", y, probs(rng, n, k, y, 2.0, decimals=4), [f"c{c:02d}" for c in range(k)], decimals=4)
    # offsum: rows off 1 by up to 9e-7 (within the tolerance): log_loss renormalises them
    n, k = 300, 3
    y = rng.choice(k, size=n)
    P = probs(rng, n, k, y, 1.0) * (1 + rng.uniform(-9e-7, 9e-7, size=(n, 1)))
    write_case("offsum", y, P, ["u", "v", "w"])
    large_case()
    flchain_case()
    suite_case(np.random.default_rng(21))


if __name__ == "__main__":
    main()
