#!/usr/bin/python3
"""Peer for bench/predict.sh: XGBoost's own predictor.
usage: predict.py MODEL DATA.csv THREADS   prints 'seconds S' for Booster.inplace_predict (the
       fastest XGBoost path: no DMatrix) and for predict(DMatrix), and saves the scores for the
       value check in DATA.csv.xgb.npy
       predict.py whole MODEL DATA.csv OUT.csv THREADS  the same job as vigil predict in pandas +
                                         xgboost: read the CSV, score, write id,score
       predict.py check DATA.csv OURS.csv  prints the max |vigil - xgboost| score difference"""
import sys, time
import numpy as np
import pandas as pd

if sys.argv[1] == "whole":  # whole MODEL DATA OUT THREADS: CSV in, scores out, like vigil predict
    import xgboost as xgb
    t = time.perf_counter()
    b = xgb.Booster()
    b.load_model(sys.argv[2])
    b.set_param({"nthread": int(sys.argv[5])})
    df = pd.read_csv(sys.argv[3])
    p = b.inplace_predict(df[b.feature_names].to_numpy(np.float32))
    pd.DataFrame({"case_id": df["case_id"], "score": p}).to_csv(sys.argv[4], index=False, float_format="%.9g")
    print(f"seconds {time.perf_counter() - t:.3f}")
    sys.exit(0)
if sys.argv[1] == "check":
    a = np.load(sys.argv[2] + ".xgb.npy")
    b = pd.read_csv(sys.argv[3])["score"].to_numpy()
    print(f"max_abs_diff {np.abs(a - b).max():.3g}")
    sys.exit(0)
import xgboost as xgb
b = xgb.Booster()
b.load_model(sys.argv[1])
T = int(sys.argv[3])
b.set_param({"nthread": T})
X = pd.read_csv(sys.argv[2])[b.feature_names].to_numpy(np.float32)
t = time.perf_counter()
p = b.inplace_predict(X)
s1 = time.perf_counter() - t
t = time.perf_counter()
dm = xgb.DMatrix(X, feature_names=b.feature_names, nthread=T)
p2 = b.predict(dm)
s2 = time.perf_counter() - t
np.save(sys.argv[2] + ".xgb.npy", p)
print(f"seconds {s1:.3f} dmatrix_seconds {s2:.3f} xgboost {xgb.__version__}")
