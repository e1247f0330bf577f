#!/usr/bin/python3
"""Peer for bench/drift.sh.
usage: drift.py gen N F SHIFT OUT.csv        N rows x F numeric features (seeded normal; SHIFT
                                             added to feature 0)
       drift.py scipy REF.csv CUR.csv        a scipy loop doing KS + Wasserstein + CvM on every
                                             column; prints 'seconds S' (computation only)"""
import sys, time
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
    import scipy
    a, b = pd.read_csv(sys.argv[2]), pd.read_csv(sys.argv[3])
    t = time.perf_counter()
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        stats.ks_2samp(x, y)
        stats.wasserstein_distance(x, y)
        stats.cramervonmises_2samp(x, y)
    print(f"seconds {time.perf_counter() - t:.3f} scipy {scipy.__version__}")
