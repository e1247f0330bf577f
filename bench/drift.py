#!/usr/bin/python3
"""Peer for bench/drift.sh (scipy 1.10.1, numpy; Debian /usr/bin/python3).
usage: drift.py gen N F SHIFT OUT.csv        N rows x F numeric features (seeded normal; SHIFT
                                             added to feature 0)
       drift.py scipy REF.csv CUR.csv        a scipy loop doing KS + Wasserstein + CvM on every
                                             column (the issue's yardstick)
       drift.py scipy-all REF.csv CUR.csv    every numeric test vigil drift runs: ks_2samp,
                                             anderson_ksamp, cramervonmises_2samp,
                                             wasserstein_distance, PSI (reference deciles, 1e-4
                                             floors) and jensenshannon, plus the missing counts
Both print 'seconds S scipy V' (computation only, after pandas has read the files)."""
import sys, time, warnings
import numpy as np
import pandas as pd

if sys.argv[1] == "gen":
    n, f, shift, out = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    rng = np.random.default_rng(int(shift * 1000) + 7)
    X = rng.normal(size=(n, f))
    X[:, 0] += shift
    pd.DataFrame(X, columns=[f"f{j}" for j in range(f)]).to_csv(out, index=False, float_format="%.6f")
else:
    from scipy import stats
    from scipy.spatial.distance import jensenshannon
    import scipy
    warnings.simplefilter("ignore")
    full = sys.argv[1] == "scipy-all"
    a, b = pd.read_csv(sys.argv[2]), pd.read_csv(sys.argv[3])
    t = time.perf_counter()
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if full:
            x, y = x[~np.isnan(x)], y[~np.isnan(y)]
        stats.ks_2samp(x, y)
        stats.wasserstein_distance(x, y)
        stats.cramervonmises_2samp(x, y)
        if full:
            stats.anderson_ksamp([x, y])
            edges = np.unique(np.quantile(x, np.arange(1, 10) / 10))
            ca = np.bincount(np.searchsorted(edges, x), minlength=len(edges) + 1) / len(x)
            cb = np.bincount(np.searchsorted(edges, y), minlength=len(edges) + 1) / len(y)
            p, q = np.maximum(ca, 1e-4), np.maximum(cb, 1e-4)
            np.sum((q - p) * np.log(q / p))
            jensenshannon(ca, cb)
    print(f"seconds {time.perf_counter() - t:.3f} scipy {scipy.__version__}")
