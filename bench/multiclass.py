#!/usr/bin/python3
"""The multi-class benchmark's data and its peer (bench/multiclass.sh).
  multiclass.py gen N K FILE   write N cases x K classes: dx (c00..), p_c00..p_cKK in millionths
                               (each row sums to exactly 1), site (4 levels)
  multiclass.py peer FILE K    scikit-learn 1.2.1 + numpy 1.24: every number of the
                               `multiclass` block without bootstrap (accuracy, top_k_accuracy_score
                               k=3, log_loss, multiclass Brier, roc_auc_score ovr macro and weighted
                               and each class's one-vs-rest AUROC, MRR, recall / precision per
                               class, confusion_matrix, classwise and top-label ECE with the
                               top-label curve), whole process; prints 'seconds <compute>'"""
import sys, time
import numpy as np

if sys.argv[1] == "gen":
    n, k, path = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    r = np.random.default_rng(20)
    names = [f"c{c:02d}" for c in range(k)]
    with open(path, "w") as fh:
        fh.write("dx," + ",".join("p_" + c for c in names) + ",site\n")
        for start in range(0, n, 100000):
            m = min(100000, n - start)
            y = r.integers(0, k, m)
            L = r.normal(size=(m, k))
            L[np.arange(m), y] += 2.0
            P = np.exp(L)
            P /= P.sum(1, keepdims=True)
            W = np.floor(P * 1e6).astype(np.int64)
            W[np.arange(m), W.argmax(1)] += 1000000 - W.sum(1)
            site = r.choice(np.array(["a", "b", "c", "d"]), m)
            rows = (names[y[i]] + "," + ",".join("%.6f" % (w / 1e6) for w in W[i]) + "," + site[i] + "\n"
                    for i in range(m))
            fh.writelines(rows)
    sys.exit(0)

import pandas as pd
from sklearn.metrics import (accuracy_score, confusion_matrix, log_loss, precision_score, recall_score,
                             roc_auc_score, top_k_accuracy_score)

df = pd.read_csv(sys.argv[2])
k = int(sys.argv[3])
names = [f"c{c:02d}" for c in range(k)]
t0 = time.perf_counter()
P = df[["p_" + c for c in names]].to_numpy()
y = pd.Categorical(df["dx"], categories=names).codes.astype(np.int64)
labels = list(range(k))
pred = P.argmax(1)
out = {"accuracy": accuracy_score(y, pred), "top_k": top_k_accuracy_score(y, P, k=3, labels=labels),
       "log_loss": log_loss(y, P, labels=labels), "brier": np.mean(np.sum((P - np.eye(k)[y]) ** 2, 1)),
       "macro": roc_auc_score(y, P, multi_class="ovr", average="macro", labels=labels),
       "weighted": roc_auc_score(y, P, multi_class="ovr", average="weighted", labels=labels)}
per_class = [roc_auc_score(y == c, P[:, c]) for c in labels]
pt = P[np.arange(len(y)), y]
out["mrr"] = np.mean(1.0 / ((P >= pt[:, None]).sum(1)))
rec = recall_score(y, pred, labels=labels, average=None)
prec = precision_score(y, pred, labels=labels, average=None, zero_division=0)
cm = confusion_matrix(y, pred, labels=labels)
edges = np.linspace(0, 1, 11)[1:-1]


def ece(p, hit):
    ids = np.searchsorted(edges, p)
    return np.sum(np.abs(np.bincount(ids, weights=p, minlength=10) - np.bincount(ids, weights=hit, minlength=10))) / len(p)


out["ece_classwise"] = np.mean([ece(P[:, c], (y == c).astype(float)) for c in labels])
out["ece_top_label"] = ece(P.max(1), (pred == y).astype(float))
print("seconds %.3f" % (time.perf_counter() - t0))
print(" ".join(f"{a}={b:.6f}" for a, b in out.items()))
