#!/usr/bin/python3
"""A genuine multi:softmax model, which vigil must refuse (tests/test_model.c, test_bad_models):
XGBoost's predict() returns the class label for it, not the probabilities vigil scores.
Peers: Debian's python3-xgboost 1.7.4, and 2.1.x and 3.1.x from PyPI's CPU wheels in their own
venvs; each writes v<version>.json (v1_7_4.json, v2_1_4.json, v3_1_3.json). Run from the repository root:
    /usr/bin/python3 tests/reference/xgb_softmax_ref.py
    python3 -m venv /tmp/xgb2.1.4 && /tmp/xgb2.1.4/bin/pip install xgboost-cpu==2.1.4
    /tmp/xgb2.1.4/bin/python tests/reference/xgb_softmax_ref.py
    python3 -m venv /tmp/xgb3.1 && /tmp/xgb3.1/bin/pip install "xgboost-cpu>=3.1,<3.2"  (3.1.3)
    /tmp/xgb3.1/bin/python tests/reference/xgb_softmax_ref.py"""
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
