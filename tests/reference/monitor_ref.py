#!/usr/bin/python3
"""Golden values for tests/test_monitor.c (drift monitors).

Run: /usr/bin/python3 tests/reference/monitor_ref.py  (writes tests/reference/monitor_ref.json)
Peers: statsmodels 0.13.5 proportions_ztest (pooled two-proportion z-test, two-sided);
numpy 1.24 for the risk-adjusted CUSUM, written from Steiner, Cook, Farewell & Treasure (2000),
Biostatistics 1:441, eq. (2)-(3): the log-likelihood-ratio weight of an outcome y with
pre-operative risk p for odds ratio R_A against R_0 = 1, W = y log(R_A) - log(1 - p + R_A p),
X_t = max(0, X_{t-1} + W_t), signal at X_t >= h, restarting at 0.
"""
import json
import os

import numpy as np
import statsmodels
from statsmodels.stats.proportion import proportions_ztest

out = {"peers": {"statsmodels": statsmodels.__version__, "numpy": np.__version__}}

props = []
for x1, n1, x2, n2 in [(588, 4690, 39, 412), (153, 1256, 435, 3434), (5, 40, 30, 60), (0, 50, 3, 70)]:
    # statsmodels' statistic is (p1 - p2)/se; vigil reports current minus reference.
    z, p = proportions_ztest([x2, x1], [n2, n1], alternative="two-sided", prop_var=False)
    h = 2 * np.arcsin(np.sqrt(x2 / n2)) - 2 * np.arcsin(np.sqrt(x1 / n1))
    props.append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "z": float(z), "p": float(p),
                  "h": float(h)})
out["two_proportion"] = props


def cusum(y, p, ra, h):
    x, s, first, hi, signals = 0.0, [], -1, 0.0, 0
    for i, (yi, pi) in enumerate(zip(y, p)):
        w = yi * np.log(ra) - np.log(1 - pi + ra * pi)
        x = max(0.0, x + w)
        hi = max(hi, x)
        s.append(x)
        if x >= h:
            signals += 1
            first = i if first < 0 else first
            x = 0.0
    return s, first, hi, signals


rng = np.random.default_rng(20001)
cases = []
for name, n, ra, h, shift in [("in_control", 400, 2.0, 4.5, 1.0), ("deteriorating", 400, 2.0, 4.5, 2.5),
                              ("improving", 300, 0.5, 3.0, 0.3)]:
    p = rng.uniform(0.02, 0.4, n)
    odds = p / (1 - p) * shift  # the true odds ratio against the model's risk
    y = (rng.uniform(size=n) < odds / (1 + odds)).astype(float)
    s, first, hi, signals = cusum(y, p, ra, h)
    cases.append({"name": name, "y": y.tolist(), "p": p.tolist(), "odds_ratio": ra, "limit": h,
                  "s": s, "first": first, "max": hi, "signals": signals})
out["cusum"] = cases

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "monitor_ref.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
