#!/usr/bin/python3
"""Golden values for tests/test_human.c (issue 21: the human in the loop).

Peers: statsmodels (proportion_confint method='wilson', confint_proportions_2indep
method='newcomb', mcnemar exact=True), scipy.stats.chi2 (exact Poisson interval of the alert
rate), numpy.percentile (linear quartiles of decision time). Versions are written into the
output files. Cases: 'a' (2,000 cases, two arms, exposure, decision times with gaps), 'tiny'
(12 cases, scores tied at the threshold, no unassisted arm column), 'nonflag' (every case
flagged: override of non-flags undefined, no discordant pairs), 'large' (20,000 cases with
discrete scores, heavy ties). 'groups' (3,000 cases for `vigil metrics --decision`): per
level of two group columns (one with a small level, withheld by the cell-size policy and
protected by withholding the next smallest level), the gap in override rates with Newcombe's
interval between the highest and the lowest level, and overrides by reason (a rare reason
withheld, and the next smallest with it).

Run from the repository root:  /usr/bin/python3 tests/reference/human_ref.py
"""
import json
import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.proportion import proportion_confint, confint_proportions_2indep
from statsmodels.stats.contingency_tables import mcnemar

OUT = "tests/reference/human"
LEVEL = 0.95


def prop(k, n):
    if n == 0:
        return None
    lo, hi = proportion_confint(k, n, alpha=1 - LEVEL, method="wilson")
    return {"value": k / n, "ci_low": lo, "ci_high": hi, "k": int(k), "n": int(n)}


def diff(ka, na, kb, nb):
    if na == 0 or nb == 0:
        return None
    lo, hi = confint_proportions_2indep(ka, na, kb, nb, method="newcomb", compare="diff", alpha=1 - LEVEL)
    return {"value": ka / na - kb / nb, "ci_low": lo, "ci_high": hi}


def make(name, n, rng, arms, exposure, times, discrete=False, all_flag=False, t=0.3):
    if discrete:
        s = rng.integers(0, 11, n) / 10.0
    else:
        s = np.round(rng.beta(1.2, 3.0, n), 3)
    if all_flag:
        s = np.maximum(s, t)
    if name == "tiny":
        s[:4] = t  # ties at the threshold: flagged (score >= t)
    y = (rng.random(n) < 0.15 + 0.6 * s).astype(int)
    f = (s >= t).astype(int)
    # clinicians follow the flag mostly, override some, and flag some the model missed
    d = np.where(f == 1, (rng.random(n) < 0.75).astype(int), (rng.random(n) < 0.08 + 0.3 * y).astype(int))
    arm = (rng.random(n) < 0.5).astype(int) if arms else np.ones(n, int)
    # unassisted clinicians decide without the flag
    d = np.where(arm == 1, d, (rng.random(n) < 0.1 + 0.5 * y).astype(int))
    e = np.round(rng.uniform(0.5, 9.0, n), 2) if exposure else None
    tm = None
    if times:
        tm = np.round(rng.exponential(45.0, n), 1)
        tm[rng.random(n) < 0.1] = np.nan
    cols = {"score": s, "label": y, "decision": d}
    if arms:
        cols["arm"] = arm
    if exposure:
        cols["exposure"] = e
    if times:
        cols["decision_time"] = tm
    with open(f"{OUT}/case_{name}.csv", "w") as fh:
        fh.write(",".join(cols) + "\n")
        for i in range(n):
            row = []
            for k, v in cols.items():
                x = v[i]
                row.append("" if (isinstance(x, float) and np.isnan(x)) else repr(float(x)) if k in ("score", "exposure", "decision_time") else str(int(x)))
            fh.write(",".join(row) + "\n")

    A = arm == 1
    sA, yA, dA, fA = s[A], y[A], d[A], f[A]
    nA = int(A.sum())
    out = {"threshold": t, "level": LEVEL, "n": nA,
           "peers": {"statsmodels": statsmodels.__version__, "scipy": scipy.__version__, "numpy": np.__version__}}
    out["agreement"] = prop(int((dA == fA).sum()), nA)
    out["override_of_flags"] = prop(int(((fA == 1) & (dA == 0)).sum()), int(fA.sum()))
    out["override_of_nonflags"] = prop(int(((fA == 0) & (dA == 1)).sum()), int((fA == 0).sum()))
    out["team_sensitivity"] = prop(int(((dA == 1) & (yA == 1)).sum()), int(yA.sum()))
    out["team_specificity"] = prop(int(((dA == 0) & (yA == 0)).sum()), int((yA == 0).sum()))
    out["team_ppv"] = prop(int(((dA == 1) & (yA == 1)).sum()), int(dA.sum()))
    out["model_sensitivity"] = prop(int(((fA == 1) & (yA == 1)).sum()), int(yA.sum()))
    out["model_specificity"] = prop(int(((fA == 0) & (yA == 0)).sum()), int((yA == 0).sum()))
    out["model_ppv"] = prop(int(((fA == 1) & (yA == 1)).sum()), int(fA.sum()))
    out["flag_rate"] = prop(int(fA.sum()), nA)
    fc, dc = fA == yA, dA == yA
    table = [[int((fc & dc).sum()), int((fc & ~dc).sum())], [int((~fc & dc).sum()), int((~fc & ~dc).sum())]]
    out["mcnemar"] = {"b": table[0][1], "c": table[1][0], "p": float(mcnemar(table, exact=True).pvalue)}
    if exposure:
        k, E = int(fA.sum()), float(e[A].sum())
        a = 1 - LEVEL
        lo = stats.chi2.ppf(a / 2, 2 * k) / 2 if k > 0 else 0.0
        hi = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2
        out["exposure_total"] = E
        out["alerts_per_100"] = {"value": 100 * k / E, "ci_low": 100 * lo / E, "ci_high": 100 * hi / E}
    if times:
        v = tm[A & (f == 1) & (d == 1) & ~np.isnan(tm)]
        out["decision_time"] = {"n": int(v.size), "q1": float(np.percentile(v, 25)),
                                "median": float(np.percentile(v, 50)), "q3": float(np.percentile(v, 75))}
    if arms:
        U = ~A
        out["arms"] = {
            "outcome_rate": [prop(int(y[U].sum()), int(U.sum())), prop(int(y[A].sum()), int(A.sum()))],
            "sensitivity": [prop(int(((d == 1) & (y == 1) & U).sum()), int((y[U] == 1).sum())),
                            prop(int(((d == 1) & (y == 1) & A).sum()), int((y[A] == 1).sum()))],
            "outcome_difference": diff(int(y[A].sum()), int(A.sum()), int(y[U].sum()), int(U.sum())),
            "sensitivity_difference": diff(int(((d == 1) & (y == 1) & A).sum()), int((y[A] == 1).sum()),
                                           int(((d == 1) & (y == 1) & U).sum()), int((y[U] == 1).sum())),
        }
    with open(f"{OUT}/case_{name}.json", "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)


rng = np.random.default_rng(20261203)
make("a", 2000, rng, arms=True, exposure=True, times=True)
make("tiny", 12, rng, arms=False, exposure=True, times=False)
make("nonflag", 300, rng, arms=False, exposure=False, times=True, all_flag=True)
make("large", 20000, rng, arms=True, exposure=True, times=True, discrete=True, t=0.5)


MIN_CELL = 11


def count_ok(c):
    return c == 0 or c >= MIN_CELL


def cells(f, d, y):
    """the two-way counts flag x decision, decision x outcome, flag x outcome"""
    two = lambda u, v: [int(((u == a) & (v == b)).sum()) for a in (0, 1) for b in (0, 1)]
    return two(f, d) + two(d, y) + two(f, y)


def complement(counts, size, shown):
    """vigil's complementary withholding, written out again: while the withheld items' counts
    sum to a small count, withhold the smallest shown item."""
    while True:
        w = [i for i in range(len(shown)) if not shown[i]]
        if not w:
            return shown
        sums = [sum(counts[i][q] for i in w) for q in range(len(counts[0]))]
        if all(count_ok(x) for x in sums):
            return shown
        cand = [i for i in range(len(shown)) if shown[i]]
        if not cand:
            return shown
        shown[min(cand, key=lambda i: size[i])] = False


def scope(s, y, d, t):
    f = (s >= t).astype(int)
    n = len(s)
    return {
        "n": n, "cells": cells(f, d, y),
        "agreement": prop(int((d == f).sum()), n),
        "override_of_flags": prop(int(((f == 1) & (d == 0)).sum()), int(f.sum())),
        "override_of_nonflags": prop(int(((f == 0) & (d == 1)).sum()), int((f == 0).sum())),
        "team_sensitivity": prop(int(((d == 1) & (y == 1)).sum()), int(y.sum())),
        "team_ppv": prop(int(((d == 1) & (y == 1)).sum()), int(d.sum())),
        "model_ppv": prop(int(((f == 1) & (y == 1)).sum()), int(f.sum())),
        "flag_rate": prop(int(f.sum()), n),
    }


def make_groups(rng, n=3000, t=0.3):
    s = np.round(rng.beta(1.2, 3.0, n), 3)
    y = (rng.random(n) < 0.15 + 0.6 * s).astype(int)
    f = (s >= t).astype(int)
    site = rng.choice(["north", "south", "east"], n, p=[0.4, 0.37, 0.23])
    unit = rng.choice(["icu", "ward", "step-down"], n, p=[0.52, 0.45, 0.03])
    # override of flags differs by site (a fairness question)
    pover = np.select([site == "north", site == "south"], [0.2, 0.3], 0.45)
    d = np.where(f == 1, (rng.random(n) >= pover).astype(int), (rng.random(n) < 0.08 + 0.3 * y).astype(int))
    over = d != f
    reason = np.where(over, rng.choice(["disagree", "already treated", "comfort care", "rare"], n,
                                       p=[0.55, 0.3, 0.14, 0.01]), "")
    with open(f"{OUT}/case_groups.csv", "w") as fh:
        fh.write("score,label,decision,site,unit,reason\n")
        for i in range(n):
            fh.write(f"{s[i]!r},{y[i]},{d[i]},{site[i]},{unit[i]},{reason[i]}\n")
    out = {"threshold": t, "level": LEVEL, "min_cell": MIN_CELL, "n": n,
           "peers": {"statsmodels": statsmodels.__version__, "scipy": scipy.__version__, "numpy": np.__version__},
           "overall": scope(s, y, d, t), "groups": {}}
    for col, v in (("site", site), ("unit", unit)):
        names = sorted(set(v))
        lv = {k: scope(s[v == k], y[v == k], d[v == k], t) for k in names}
        shown = [lv[k]["n"] >= MIN_CELL and all(count_ok(c) for c in lv[k]["cells"]) for k in names]
        shown = complement([lv[k]["cells"] for k in names], [lv[k]["n"] for k in names], shown)
        g = {"levels": {}}
        for k, sh in zip(names, shown):
            lv[k]["withheld"] = not sh
            g["levels"][k] = lv[k]
        for key in ("override_of_flags", "override_of_nonflags"):
            if not all(shown):
                g[key + "_gap"] = None
                continue
            vals = {k: lv[k][key] for k in names if lv[k][key] is not None}
            hi = max(vals, key=lambda k: vals[k]["value"])
            lo = min(vals, key=lambda k: vals[k]["value"])
            r = diff(vals[hi]["k"], vals[hi]["n"], vals[lo]["k"], vals[lo]["n"])
            r.update({"highest": hi, "lowest": lo})
            g[key + "_gap"] = r
        out["groups"][col] = g
    rs = sorted(set(reason[over]))
    cnt = [int((reason[over] == k).sum()) for k in rs]
    shown = complement([[c] for c in cnt], cnt, [count_ok(c) for c in cnt])
    total = int(over.sum())
    out["overrides_by_reason"] = {"overrides": total, "reasons": {
        k: {"n": c if sh else None, "share": prop(c, total) if sh else None} for k, c, sh in zip(rs, cnt, shown)}}
    with open(f"{OUT}/case_groups.json", "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)


make_groups(np.random.default_rng(20261204))
