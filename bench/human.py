#!/usr/bin/python3
"""The human-in-the-loop benchmark's data and its peer (bench/human.sh).
  human.py gen N FILE         write N cases: score, label, decision, site (4 levels)
  human.py peer FILE T        statsmodels 0.13.5: the same block as `vigil metrics --decision`
                              (Wilson CIs of 10 rates overall and per site, exact McNemar,
                              Newcombe gap of the override rate), whole process; prints
                              'seconds <compute>'"""
import sys, time
import numpy as np

if sys.argv[1] == "gen":
    n, path = int(sys.argv[2]), sys.argv[3]
    r = np.random.default_rng(1)
    p = np.round(r.beta(1.2, 3, n), 4)
    y = (r.random(n) < 0.15 + 0.6 * p).astype(int)
    f = p >= 0.3
    d = np.where(f, r.random(n) < 0.75, r.random(n) < 0.1).astype(int)
    site = r.choice(np.array(["a", "b", "c", "d"]), n)
    with open(path, "w") as fh:
        fh.write("score,label,decision,site\n")
        fh.writelines(f"{a},{b},{c},{s}\n" for a, b, c, s in zip(p, y, d, site))
    sys.exit(0)

import pandas as pd
from statsmodels.stats.proportion import proportion_confint, confint_proportions_2indep
from statsmodels.stats.contingency_tables import mcnemar

df = pd.read_csv(sys.argv[2])
t = float(sys.argv[3])
t0 = time.perf_counter()


def block(s, y, d):
    f = (s >= t).astype(int)
    props = {
        "agreement": ((d == f).sum(), len(s)), "override_of_flags": (((f == 1) & (d == 0)).sum(), f.sum()),
        "override_of_nonflags": (((f == 0) & (d == 1)).sum(), (f == 0).sum()),
        "team_sensitivity": (((d == 1) & (y == 1)).sum(), y.sum()), "team_specificity": (((d == 0) & (y == 0)).sum(), (y == 0).sum()),
        "team_ppv": (((d == 1) & (y == 1)).sum(), d.sum()), "model_sensitivity": (((f == 1) & (y == 1)).sum(), y.sum()),
        "model_specificity": (((f == 0) & (y == 0)).sum(), (y == 0).sum()), "model_ppv": (((f == 1) & (y == 1)).sum(), f.sum()),
        "flag_rate": (f.sum(), len(s))}
    out = {k: (k_ / n_, *proportion_confint(k_, n_, method="wilson")) for k, (k_, n_) in props.items()}
    fc, dc = f == y, d == y
    out["mcnemar"] = mcnemar([[(fc & dc).sum(), (fc & ~dc).sum()], [(~fc & dc).sum(), (~fc & ~dc).sum()]], exact=True).pvalue
    return out, props


s, y, d = df["score"].to_numpy(), df["label"].to_numpy(), df["decision"].to_numpy()
overall, _ = block(s, y, d)
levels = {}
for lv, g in df.groupby("site"):
    levels[lv] = block(g["score"].to_numpy(), g["label"].to_numpy(), g["decision"].to_numpy())
rates = {lv: v[1]["override_of_flags"] for lv, v in levels.items()}
hi = max(rates, key=lambda k: rates[k][0] / rates[k][1])
lo = min(rates, key=lambda k: rates[k][0] / rates[k][1])
gap = confint_proportions_2indep(*rates[hi], *rates[lo], method="newcomb")
print("seconds %.3f" % (time.perf_counter() - t0))
