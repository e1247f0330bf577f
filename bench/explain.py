#!/usr/bin/python3
"""Peer for bench/explain.sh: XGBoost's own TreeSHAP (Booster.predict(pred_contribs=True)).
usage: explain.py gen N OUT.csv          rows sampled (seeded) from the bundled flchain cohort
       explain.py shap MODEL DATA.csv T  prints 'seconds S' for pred_contribs on T threads
                                         and writes DATA.csv.xgb.npy for the value check
       explain.py check DATA.csv OURS.csv  prints the max |vigil - xgboost| over every value"""
import sys, time
import numpy as np
import pandas as pd

cmd = sys.argv[1]
if cmd == "gen":
    n, out = int(sys.argv[2]), sys.argv[3]
    d = pd.concat([pd.read_csv("datasets/flchain/train.csv"), pd.read_csv("datasets/flchain/test.csv")])
    d = d.sample(n=n, replace=True, random_state=1).reset_index(drop=True)
    d["case_id"] = [f"B{i:07d}" for i in range(n)]
    d.to_csv(out, index=False)
elif cmd == "shap":
    import xgboost as xgb
    b = xgb.Booster()
    b.load_model(sys.argv[2])
    b.set_param({"nthread": int(sys.argv[4])})
    X = pd.read_csv(sys.argv[3])[b.feature_names].to_numpy(np.float32)
    dm = xgb.DMatrix(X, feature_names=b.feature_names, missing=np.nan, nthread=int(sys.argv[4]))
    t = time.perf_counter()
    phi = b.predict(dm, pred_contribs=True)
    s = time.perf_counter() - t
    np.save(sys.argv[3] + ".xgb.npy", phi)
    print(f"seconds {s:.3f} rows_per_second {len(X) / s:.0f} xgboost {xgb.__version__}")
elif cmd == "check":
    a = np.load(sys.argv[2] + ".xgb.npy")
    b = pd.read_csv(sys.argv[3]).iloc[:, 1:].to_numpy()
    print(f"max_abs_diff {np.abs(a - b).max():.3g}")
