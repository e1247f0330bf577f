#!/usr/bin/python3
"""A genuine multi:softmax model, which vigil must refuse (tests/test_model.c, test_bad_models):
XGBoost's predict() returns the class label for it, not the probabilities vigil scores.
Peer: Debian's python3-xgboost 1.7.4. Run from the repository root:
    /usr/bin/python3 tests/reference/xgb_softmax_ref.py"""
import os
import numpy as np
import xgboost as xgb

OUT = "tests/reference/xgb_softmax"
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261204)
X = rng.normal(size=(200, 3))
y = np.digitize(X[:, 0], [-0.5, 0.5])
d = xgb.DMatrix(X, label=y)
b = xgb.train({"objective": "multi:softmax", "num_class": 3, "max_depth": 2, "nthread": 1, "seed": 1}, d,
              num_boost_round=2)
pred = b.predict(d)
assert pred.ndim == 1 and set(np.unique(pred)) <= {0.0, 1.0, 2.0}, "predict() is expected to return labels"
path = f"{OUT}/v{xgb.__version__.replace('.', '_')}.json"
b.save_model(path)
print(f"wrote {path} (xgboost {xgb.__version__}: predict() returns labels {sorted(set(pred.tolist()))})")
