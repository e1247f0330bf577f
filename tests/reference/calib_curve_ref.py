"""Golden values for the equal-count reliability bins (issue 18): calibration.reliability_quantile
against scikit-learn 1.2.1 sklearn.calibration.calibration_curve(y, p, n_bins=10,
strategy="quantile") (Debian's python3-sklearn, numpy 1.24.2).

sklearn forms the edges as np.percentile(p, linspace(0, 1, 11) * 100) (linear interpolation)
and puts each score in bin np.searchsorted(edges[1:-1], p) (side "left"): a score equal to an
inner edge, with every score tied to it, falls in the lower bin, and a repeated edge (heavy
ties) leaves a bin empty, which calibration_curve drops from its output. The bins' case counts
and the edges are not returned by calibration_curve; they are computed here by those same two
numpy calls.

Run from the repository root: /usr/bin/python3 tests/reference/calib_curve_ref.py
Reads tests/reference/calib_curve/cases.csv (written by calib_curve_ref.R), writes
tests/reference/calib_curve/ties.csv (scores tied at 0.05, 0.1 and 0.2, so that edges repeat,
scores sit on edges, and equal-count edges fall on the equal-width ones: the cell-size policy
must then withhold across both partitions) and quantile.json.
"""
import csv
import json
import os

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve

OUT = "tests/reference/calib_curve"


def bins(p, y):
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="quantile")
    edges = np.percentile(p, np.linspace(0, 1, 11) * 100)
    n = np.bincount(np.searchsorted(edges[1:-1], p), minlength=10)
    return {"edges": edges.tolist(), "n": n.tolist(), "mean_score": prob_pred.tolist(),
            "observed": prob_true.tolist()}


def read(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return (np.array([float(r["p"]) for r in rows]), np.array([int(r["y"]) for r in rows]),
            np.array([r["site"] for r in rows]))


def main():
    rng = np.random.default_rng(18)
    n = 400
    p = np.concatenate([np.full(120, 0.05), np.full(90, 0.1), np.full(70, 0.2),
                        np.round(rng.uniform(0.2, 0.9, n - 280), 3)])
    y = (rng.uniform(size=n) < p).astype(int)
    # 5 events at 0.05 (an equal-count bin the policy withholds), 15 at 0.1 (one it shows): the
    # cases at or below 0.1 are one equal-width bin and four equal-count ones, so the shown
    # equal-width bin less the shown 0.1 bin would give the 5 away
    y[:120] = np.arange(120) % 24 == 0
    y[120:210] = np.arange(90) % 6 == 0
    site = np.where(np.arange(n) % 2 == 0, "A", "B")
    with open(os.path.join(OUT, "ties.csv"), "w") as f:
        f.write("p,y,site\n")
        for a, b, c in zip(p, y, site):
            f.write("%.3f,%d,%s\n" % (a, b, c))
    out = {"peer": "scikit-learn %s calibration_curve(strategy='quantile'), numpy %s"
                   % (sklearn.__version__, np.__version__)}
    for name, (p, y, site) in {"cases": read(os.path.join(OUT, "cases.csv")),
                               "ties": read(os.path.join(OUT, "ties.csv"))}.items():
        out[name] = {"overall": bins(p, y),
                     "levels": {s: bins(p[site == s], y[site == s]) for s in sorted(set(site))}}
    with open(os.path.join(OUT, "quantile.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


main()
