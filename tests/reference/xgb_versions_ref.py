#!/usr/bin/env python3
"""Golden predictions and SHAP values from XGBoost 2.x and 3.x model files (their JSON schema
differs from 1.7's: base_score written as "[5E-1]"-style arrays, per-class base scores in 3.x,
new learner fields). Debian ships 1.7.4 only, so these come from PyPI's CPU-only wheels, one
virtual environment per version:
    python3 -m venv /tmp/xgb2.1.4 && /tmp/xgb2.1.4/bin/pip install xgboost-cpu==2.1.4 pandas
    python3 -m venv /tmp/xgb3.0.5 && /tmp/xgb3.0.5/bin/pip install xgboost-cpu==3.0.5 pandas
    /tmp/xgb2.1.4/bin/python tests/reference/xgb_versions_ref.py
    /tmp/xgb3.0.5/bin/python tests/reference/xgb_versions_ref.py
    python3 -m venv /tmp/xgb3.1 && /tmp/xgb3.1/bin/pip install "xgboost-cpu>=3.1,<3.2" pandas  (3.1.3)
    /tmp/xgb3.1/bin/python tests/reference/xgb_versions_ref.py
Each run (re)writes its version's models, data and expected values in tests/reference/xgb_versions/
and its entries in predict.json (read by tests/test_model.c) and shap.json (tests/test_explain.c).
"""
import json, os
import numpy as np
import pandas as pd
import xgboost as xgb

OUT = "tests/reference/xgb_versions"
os.makedirs(OUT, exist_ok=True)
ver = xgb.__version__
tag = "v" + ver.replace(".", "_")
rng = np.random.default_rng(int(ver.replace(".", "")))


def load(name):
    p = f"{OUT}/{name}.json"
    return json.load(open(p)) if os.path.exists(p) else {"cases": []}


pred_man, shap_man = load("predict"), load("shap")
pred_man["cases"] = [c for c in pred_man["cases"] if not c["name"].startswith(tag + "_")]
shap_man["cases"] = [c for c in shap_man["cases"] if not c["name"].startswith("tree_" + tag + "_")]
pred_man.setdefault("peers", {})[ver] = f"xgboost {ver} (PyPI xgboost-cpu), numpy {np.__version__}"

n, F = 300, 5
names = [f"x{j}" for j in range(F)]
runs = [("binary:logistic", 4, 40, 1), ("multi:softprob", 3, 20, 3), ("reg:squarederror", 5, 30, 1)]
if tuple(int(v) for v in ver.split(".")[:2]) >= (3, 1):
    # 3.1 estimates one intercept per class: unequal classes give an unequal base_score vector
    runs.append(("multi:softprob_imbalanced", 3, 20, 3))
for obj, depth, rounds, K in runs:
    imbalanced = obj.endswith("_imbalanced")
    obj = obj.replace("_imbalanced", "")
    X = rng.normal(size=(n, F)).astype(np.float32)
    X[:, 1] = np.round(X[:, 1], 1)
    X[rng.random(size=X.shape) < 0.1] = np.nan
    lin = np.nan_to_num(X[:, 0]) - np.nan_to_num(X[:, 1]) + 0.5 * np.nan_to_num(X[:, 2]) ** 2
    if obj.startswith("multi"):
        y = np.digitize(lin, np.quantile(lin, [0.6, 0.85] if imbalanced else [1 / 3, 2 / 3]))
    elif obj == "reg:squarederror":
        y = lin + rng.normal(size=n)
    else:
        y = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(float)
    d = xgb.DMatrix(X, label=y, feature_names=names, missing=np.nan)
    p = {"objective": obj, "max_depth": depth, "eta": 0.3, "nthread": 1, "seed": 1, "tree_method": "hist"}
    if K > 1:
        p["num_class"] = K
    b = xgb.train(p, d, num_boost_round=rounds)
    name = f"{tag}_{obj.split(':')[1]}" + ("_imbalanced" if imbalanced else "")
    mpath = f"{OUT}/{name}.json"
    b.save_model(mpath)
    pr = np.asarray(b.predict(d), dtype=np.float64).reshape(n, K)
    df = pd.DataFrame(X, columns=names)
    cols = ["expected"] if K == 1 else [f"expected_{k}" for k in range(K)]
    for k, c in enumerate(cols):
        df[c] = pr[:, k]
    dpath = f"{OUT}/{name}.csv"
    df.to_csv(dpath, index=False, float_format="%.9g", na_rep="")
    pred_man["cases"].append({"name": name, "model": mpath, "data": dpath, "outputs": K, "expected": cols})
    phi = np.asarray(b.predict(d, pred_contribs=True), dtype=np.float64).reshape(n, K * (F + 1))
    spath = f"{OUT}/{name}_shap.csv"
    pd.DataFrame(phi, columns=[f"phi_{k}_{j}" for k in range(K) for j in range(F + 1)]).to_csv(
        spath, index=False, float_format="%.12g")
    shap_man["cases"].append({"name": "tree_" + name, "model": mpath, "data": dpath, "expected": spath,
                              "outputs": K, "features": F, "peer": f"xgboost {ver} pred_contribs"})
json.dump(pred_man, open(f"{OUT}/predict.json", "w"), indent=1)
json.dump(shap_man, open(f"{OUT}/shap.json", "w"), indent=1)
print(f"xgboost {ver}: wrote {OUT}/")
