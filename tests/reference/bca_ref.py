#!/usr/bin/python3
"""Golden values for the BCa bootstrap interval (tests/test_metrics.c, test_bca_scipy).

Peer: scipy 1.10.1, scipy.stats.bootstrap(method='BCa') -- its own BCa step
(scipy.stats._resampling._bca_interval: z0 from the mid-rank share of replicates below the
estimate, the acceleration from the leave-one-out jackknife) fed with replicates drawn here,
and the bounds as np.percentile (linear) at its adjusted levels, as scipy.stats.bootstrap does.
The replicates, the estimate and the jackknife values are written out, so vigil's
vigil_stats_bca_ci gets the same inputs. Cases: the mean of a skewed sample (n = 30), the
mean of 0/1 data (replicates tie with the estimate), the variance of a lognormal sample
(strong skew, large acceleration), and an estimate below every replicate (BCa undefined:
scipy gives NaN bounds; vigil falls back to the percentile interval, which is written too).

Run from the repository root:  /usr/bin/python3 tests/reference/bca_ref.py
"""
import json
import numpy as np
import scipy
from scipy.stats import _resampling

LEVEL = 0.95
rng = np.random.default_rng(20261204)
cases = []


def case(name, x, stat, B):
    idx = rng.integers(0, len(x), (B, len(x)))
    reps = np.array([stat(x[i]) for i in idx])
    theta = float(stat(x))
    jack = np.array([stat(np.delete(x, i)) for i in range(len(x))])
    vstat = lambda s, axis=-1: np.apply_along_axis(stat, axis, s)
    a1, a2, ahat = _resampling._bca_interval((x,), vstat, -1, (1 - LEVEL) / 2, reps[None, :], None)
    a1, a2 = float(np.squeeze(a1)), float(np.squeeze(a2))
    lo, hi = (float(np.percentile(reps, 100 * a1)), float(np.percentile(reps, 100 * a2))) if np.isfinite(a1) else (None, None)
    cases.append({"name": name, "theta": theta, "replicates": reps.tolist(), "jackknife": jack.tolist(),
                  "a_hat": float(np.squeeze(ahat)), "alpha_1": a1, "alpha_2": a2, "ci_low": lo, "ci_high": hi,
                  "percentile": [float(np.percentile(reps, 2.5)), float(np.percentile(reps, 97.5))]})


case("mean_skewed", rng.exponential(2.0, 30), np.mean, 999)
case("mean_binary_ties", (rng.random(40) < 0.3).astype(float), np.mean, 1000)
case("variance_lognormal", rng.lognormal(0, 1, 25), lambda v: np.var(v, ddof=1), 2000)
# an estimate below every replicate: a statistic biased upward under resampling (the number of
# distinct values is at most n, and equals n only on the original sample)
case("below_every_replicate", rng.normal(size=20), lambda v: -len(np.unique(v)), 500)

with open("tests/reference/bca/cases.json", "w") as f:
    for c in cases:
        for k, v in list(c.items()):
            if isinstance(v, float) and not np.isfinite(v):
                c[k] = None
    json.dump({"peers": {"scipy": scipy.__version__, "numpy": np.__version__}, "level": LEVEL, "cases": cases}, f)
