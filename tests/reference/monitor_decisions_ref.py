#!/usr/bin/python3
"""Golden values for the monitors' tracking of the clinicians' decisions (issue 21):
tests/test_monitor.c (test_decisions_golden) and tests/cli/test_monitor_decisions.sh.

Run: /usr/bin/python3 tests/reference/monitor_decisions_ref.py
Writes tests/reference/monitor_decisions.csv (the cases: night, score, decision) and
tests/reference/monitor_decisions_ref.json (the expected numbers).
Peers: statsmodels 0.13.5 (Debian's python3-statsmodels) -- proportions_ztest (pooled
two-proportion z-test, two-sided), proportion_confint(method="wilson"),
confint_proportions_2indep(method="newcomb", compare="diff") and multipletests ("holm",
"fdr_bh"); numpy 1.24 for Cohen's h. Counting is pandas, written independently of vigil.

The model's flag is score >= threshold (0.3 here). Per window:
  override_of_flags    = share of flags with decision 0
  override_of_nonflags = share of non-flags with decision 1
  agreement            = share with decision equal to the flag
Each is tested reference vs current; vigil reports current minus reference (z, difference, h).
Night 1 is the reference; night 2 drifted (clinicians override more flags); night 3 is the same
process as night 1. Night 2 has three cases without a score (no flag: left out, counted).
"""
import json
import os

import numpy as np
import pandas as pd
import statsmodels
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (confint_proportions_2indep, proportion_confint,
                                          proportions_ztest)

HERE = os.path.dirname(os.path.abspath(__file__))
THRESHOLD = 0.3
RATES = ["override_of_flags", "override_of_nonflags", "agreement"]

rng = np.random.default_rng(2126)
rows = []
for night, n, p_act_flag, p_act_nonflag in [(1, 600, 0.85, 0.05), (2, 300, 0.62, 0.06),
                                            (3, 300, 0.85, 0.05)]:
    s = rng.uniform(0, 1, n).round(4)
    flag = s >= THRESHOLD
    act = np.where(flag, rng.uniform(size=n) < p_act_flag, rng.uniform(size=n) < p_act_nonflag)
    rows += [(night, f"{v:.4f}", int(d)) for v, d in zip(s, act)]
rows += [(2, "", 1), (2, "", 0), (2, "", 1)]  # unscored cases: no flag to compare with
df = pd.DataFrame(rows, columns=["night", "score", "decision"])
df.insert(0, "case_id", [f"C{i:05d}" for i in range(1, len(df) + 1)])
df.to_csv(os.path.join(HERE, "monitor_decisions.csv"), index=False)

df = pd.read_csv(os.path.join(HERE, "monitor_decisions.csv"))


def counts(w):
    w = w[w["score"].notna()]
    f, d = w["score"] >= THRESHOLD, w["decision"] == 1
    return {"override_of_flags": (int((f & ~d).sum()), int(f.sum())),
            "override_of_nonflags": (int((~f & d).sum()), int((~f).sum())),
            "agreement": (int((f == d).sum()), len(w))}, int(w["score"].isna().sum())


def scenario(ref_night, cur_night):
    ref, cur = df[df.night == ref_night], df[df.night == cur_night]
    cr, _ = counts(ref)
    cc, _ = counts(cur)
    out = {"ref_night": ref_night, "cur_night": cur_night,
           "n_ref": int(ref["score"].notna().sum()), "n_cur": int(cur["score"].notna().sum()),
           "unscored_ref": int(ref["score"].isna().sum()),
           "unscored_cur": int(cur["score"].isna().sum()), "rates": {}}
    ps = []
    for r in RATES:
        (k1, n1), (k2, n2) = cr[r], cc[r]
        z, p = proportions_ztest([k2, k1], [n2, n1], alternative="two-sided", prop_var=False)
        lo1, hi1 = proportion_confint(k1, n1, alpha=0.05, method="wilson")
        lo2, hi2 = proportion_confint(k2, n2, alpha=0.05, method="wilson")
        dlo, dhi = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff",
                                              alpha=0.05)
        h = 2 * np.arcsin(np.sqrt(k2 / n2)) - 2 * np.arcsin(np.sqrt(k1 / n1))
        out["rates"][r] = {"k_ref": k1, "n_ref": n1, "k_cur": k2, "n_cur": n2,
                           "ref": [k1 / n1, lo1, hi1], "cur": [k2 / n2, lo2, hi2],
                           "difference": [k2 / n2 - k1 / n1, dlo, dhi],
                           "z": float(z), "p": float(p), "h": float(h)}
        ps.append(float(p))
    for method, key in [("holm", "p_holm"), ("fdr_bh", "p_bh")]:
        adj = multipletests(ps, method=method)[1]
        for r, a in zip(RATES, adj):
            out["rates"][r][key] = float(a)
    return out


res = {"peers": {"statsmodels": statsmodels.__version__, "numpy": np.__version__,
                 "pandas": pd.__version__},
       "threshold": THRESHOLD,
       "drifted": scenario(1, 2), "stable": scenario(1, 3)}
with open(os.path.join(HERE, "monitor_decisions_ref.json"), "w") as f:
    json.dump(res, f, indent=1)
print("wrote", os.path.join(HERE, "monitor_decisions_ref.json"))
