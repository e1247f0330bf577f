#!/usr/bin/env python3
"""A genuine vector-leaf model (multi_strategy="multi_output_tree"), which vigil must refuse by
name (tests/test_model.c, test_bad_models). Written by XGBoost 2.1.4 and 3.1.3 from PyPI, each in
its own venv (v2_1_4.json, v3_1_3.json; 1.7 has no multi_strategy):
    python3 -m venv /tmp/xgb2.1.4 && /tmp/xgb2.1.4/bin/pip install xgboost-cpu==2.1.4 numpy
    /tmp/xgb2.1.4/bin/python tests/reference/xgb_vector_leaf_ref.py
    python3 -m venv /tmp/xgb3.1 && /tmp/xgb3.1/bin/pip install "xgboost-cpu>=3.1,<3.2" numpy
    /tmp/xgb3.1/bin/python tests/reference/xgb_vector_leaf_ref.py
Its trees have tree_param.size_leaf_vector "2", base_weights per target and no sum_hessian; its
base_score has one value per target (num_target "2")."""
import os
import numpy as np
import xgboost as xgb

OUT = "tests/reference/xgb_vector_leaf"
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261204)
X = rng.normal(size=(200, 3))
y = np.stack([X[:, 0] > 0, X[:, 1] > 0], axis=1).astype(float)
b = xgb.train({"tree_method": "hist", "multi_strategy": "multi_output_tree", "objective": "binary:logistic",
               "max_depth": 2, "nthread": 1, "seed": 1}, xgb.DMatrix(X, label=y), num_boost_round=2)
path = f"{OUT}/v{xgb.__version__.replace('.', '_')}.json"
b.save_model(path)
print(f"wrote {path} (xgboost {xgb.__version__})")
