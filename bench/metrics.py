#!/usr/bin/env python3
"""Peer timings for bench/metrics.sh (scikit-learn; numpy for data).

    metrics.py gen N PATH      write N generated cases (score,label,sex,age_band,site)
    metrics.py auroc N         scikit-learn roc_auc_score on N cases: best of 3, seconds
    metrics.py boot N B        a loop of B roc_auc_score calls on resampled rows of N cases
"""
import sys, time
import numpy as np
from sklearn.metrics import roc_auc_score


def cases(n, seed=7):
    r = np.random.default_rng(seed)
    x = r.normal(size=n)
    p = 1 / (1 + np.exp(-(1.2 * x - 1)))
    y = (r.random(n) < 1 / (1 + np.exp(-(x - 0.8)))).astype(np.int8)
    return r, p, y


def main():
    mode, n = sys.argv[1], int(sys.argv[2])
    r, p, y = cases(n)
    if mode == "gen":
        sex = r.choice(np.array(["F", "M"]), n)
        age = r.choice(np.array(["18-44", "45-64", "65-74", "75+"]), n, p=[0.3, 0.35, 0.2, 0.15])
        site = r.choice(np.array([f"s{i:02d}" for i in range(12)]), n)
        with open(sys.argv[3], "w") as f:
            f.write("score,label,sex,age_band,site\n")
            for i in range(0, n, 100000):
                j = min(n, i + 100000)
                f.write("".join(f"{p[k]:.6f},{y[k]},{sex[k]},{age[k]},{site[k]}\n" for k in range(i, j)))
    elif mode == "auroc":
        best = 1e9
        for _ in range(3):
            t = time.perf_counter()
            roc_auc_score(y, p)
            best = min(best, time.perf_counter() - t)
        print(f"seconds {best:.6f}")
    elif mode == "boot":
        B = int(sys.argv[3])
        rng = np.random.default_rng(1)
        t = time.perf_counter()
        for _ in range(B):
            i = rng.integers(0, n, n)
            roc_auc_score(y[i], p[i])
        print(f"seconds {time.perf_counter() - t:.6f}")


if __name__ == "__main__":
    main()
