#!/usr/bin/env python3
"""Golden scores and SHAP values of XGBoost models with categorical splits (enable_categorical=True
on a pandas frame), from XGBoost 1.7.4 (Debian python3-xgboost), 2.1.4 and 3.1.x (PyPI, one venv
each, as tests/reference/xgb_versions_ref.py makes them, with pandas < 3: xgboost 3.1.3 does not
read pandas 3's string columns):
    /usr/bin/python3 tests/reference/xgb_cat_ref.py
    /tmp/xgb2.1.4/bin/python tests/reference/xgb_cat_ref.py
    /tmp/xgb3.1/bin/python tests/reference/xgb_cat_ref.py
Each run (re)writes its version's files in tests/reference/xgb_cat/ and its entries in
predict.json (tests/test_model.c) and shap.json (tests/test_explain.c).

The frame: x0 numeric (10% missing); "dx", a category of 30 levels (more than max_cat_to_onehot,
so partition splits), 10% missing; "arm", a category of 3 levels (fewer than max_cat_to_onehot=4:
one-hot splits). The scoring file holds the category CODES (pandas .cat.codes, as XGBoost 1.7/2.1
take them from a frame), missing ones empty, plus codes unseen in training (dx 30..33, arm 3):
XGBoost routes those as "not in the split's set". Expected values are Booster.predict and
pred_contribs on a DMatrix of those codes (feature_types q,c,c), which equal predict on the pandas
frame (checked here). 3.x stores each feature's category strings in the model
($.learner.gradient_booster.model.cats): its cases also get a file of the category STRINGS (no
unseen ones: 3.1.3 maps an unknown string to an arbitrary category without a word), whose
expected values are predict on the string frame. The _invalid file holds codes XGBoost accepts
from an array but vigil refuses from a CSV (negative, fractional, beyond 2^24): its expected
values, predict on those raw values, pin how XGBoost routes them (tests feed them as an array).
"""
import json, os
import numpy as np
import pandas as pd
import xgboost as xgb

OUT = "tests/reference/xgb_cat"
os.makedirs(OUT, exist_ok=True)
ver = xgb.__version__
major = int(ver.split(".")[0])
tag = "v" + ver.replace(".", "_")
rng = np.random.default_rng(20 + int(ver.replace(".", "")))


def load(name):
    p = f"{OUT}/{name}.json"
    return json.load(open(p)) if os.path.exists(p) else {"cases": []}


pred_man, shap_man = load("predict"), load("shap")
pred_man["cases"] = [c for c in pred_man["cases"] if not c["name"].startswith(tag + "_")]
shap_man["cases"] = [c for c in shap_man["cases"] if not c["name"].startswith(tag + "_")]
pred_man.setdefault("peers", {})[ver] = f"xgboost {ver}, pandas {pd.__version__}, numpy {np.__version__}"

DX = [f"D{i:02d}" for i in range(30)]
ARM = ["control", "low", "high"]
names = ["x0", "dx", "arm"]


def frame(n, unseen):
    x0 = rng.normal(size=n).astype(np.float32)
    x0[rng.random(n) < 0.1] = np.nan
    dx = rng.integers(0, 30, n).astype(np.float32)
    arm = rng.integers(0, 3, n).astype(np.float32)
    dx[rng.random(n) < 0.1] = np.nan
    arm[rng.random(n) < 0.05] = np.nan
    if unseen:
        dx[:8] = [30, 31, 33, 30, 31, 32, 33, 30]
        arm[8:12] = 3
    return np.column_stack([x0, dx, arm]).astype(np.float32)


def pandas_frame(X, strings):
    df = pd.DataFrame({"x0": X[:, 0]})
    for j, (nm, levels) in enumerate([("dx", DX), ("arm", ARM)], start=1):
        codes = np.where(np.isnan(X[:, j]), -1, X[:, j]).astype(int)
        df[nm] = pd.Categorical.from_codes(codes, categories=levels) if strings else codes
    return df


def dmat(X):
    return xgb.DMatrix(X, feature_names=names, feature_types=["q", "c", "c"], enable_categorical=True,
                       missing=np.nan)


def write_csv(path, X, strings, extra):
    df = pandas_frame(X, True) if strings else pd.DataFrame(X, columns=names)
    for k, v in extra.items():
        df[k] = v
    df.to_csv(path, index=False, float_format="%.9g", na_rep="")


n, ns = 500, 240
runs = [("binary:logistic", 1, 25, 4), ("multi:softprob", 3, 12, 3)]
for obj, K, rounds, depth in runs:
    Xt = frame(n, False)
    dxv, armv = np.nan_to_num(Xt[:, 1], nan=0), np.nan_to_num(Xt[:, 2], nan=0)
    lin = np.nan_to_num(Xt[:, 0]) + np.isin(dxv, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]) * 1.5 - (armv == 1) * 1.0
    if K == 1:
        y = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(int)
    else:
        y = np.digitize(lin + rng.normal(size=n) * 0.3, np.quantile(lin, [1 / 3, 2 / 3]))
    df = pandas_frame(Xt, True)
    d = xgb.DMatrix(df, label=y, enable_categorical=True)
    p = {"objective": obj, "max_depth": depth, "eta": 0.3, "nthread": 1, "seed": 1, "tree_method": "hist",
         "max_cat_to_onehot": 4}
    if K > 1:
        p["num_class"] = K
    b = xgb.train(p, d, num_boost_round=rounds)
    name = f"{tag}_cat_{obj.split(':')[1]}"
    mpath = f"{OUT}/{name}.json"
    b.save_model(mpath)
    tree_json = json.load(open(mpath)) if major >= 3 else None
    Xs = frame(ns, True)
    pr = np.asarray(b.predict(dmat(Xs)), dtype=np.float64).reshape(ns, K)
    seen = ~(np.nan_to_num(Xs[:, 1]) >= 30) & ~(np.nan_to_num(Xs[:, 2]) >= 3)
    pf = np.asarray(b.predict(xgb.DMatrix(pandas_frame(Xs[seen], True), enable_categorical=True)),
                    dtype=np.float64).reshape(-1, K)
    assert np.abs(pf - pr[seen]).max() < 1e-7, "codes and the pandas frame disagree"
    cols = ["expected"] if K == 1 else [f"expected_{k}" for k in range(K)]
    dpath = f"{OUT}/{name}.csv"
    write_csv(dpath, Xs, False, {c: pr[:, k] for k, c in enumerate(cols)})
    pred_man["cases"].append({"name": name, "model": mpath, "data": dpath, "outputs": K, "expected": cols})
    if major >= 3:
        spath = f"{OUT}/{name}_strings.csv"
        write_csv(spath, Xs[seen], True, {c: pf[:, k] for k, c in enumerate(cols)})
        pred_man["cases"].append({"name": name + "_strings", "model": mpath, "data": spath, "outputs": K,
                                  "expected": cols})
    # codes XGBoost takes from an array; vigil refuses them from a CSV
    Xi = np.array([[0.1, -1, 1], [0.1, -0.5, 0.5], [0.1, 2.7, 1.9], [0.1, 3.2, 2.2], [0.1, 16777216, 0],
                   [0.1, 1e9, -2], [0.1, 31.99, 2.999], [-1, 29.5, 0.2]], dtype=np.float32)
    pi = np.asarray(b.predict(dmat(Xi)), dtype=np.float64).reshape(len(Xi), K)
    ipath = f"{OUT}/{name}_invalid.csv"
    write_csv(ipath, Xi, False, {c: pi[:, k] for k, c in enumerate(cols)})
    pred_man["cases"][-1 if major < 3 else -2]["invalid"] = ipath
    phi = np.asarray(b.predict(dmat(Xs), pred_contribs=True), dtype=np.float64).reshape(ns, K * 4)
    hpath = f"{OUT}/{name}_shap.csv"
    pd.DataFrame(phi, columns=[f"phi_{k}_{j}" for k in range(K) for j in range(4)]).to_csv(
        hpath, index=False, float_format="%.12g")
    shap_man["cases"].append({"name": name, "model": mpath, "data": dpath, "expected": hpath, "outputs": K,
                              "features": 3, "peer": f"xgboost {ver} pred_contribs"})
    nod = sum(len(t["categories_nodes"]) for t in json.load(open(mpath))["learner"]["gradient_booster"]["model"]["trees"])
    sizes = [s for t in json.load(open(mpath))["learner"]["gradient_booster"]["model"]["trees"] for s in t["categories_sizes"]]
    print(f"{name}: {nod} categorical nodes, set sizes {sorted(set(sizes))}")
json.dump(pred_man, open(f"{OUT}/predict.json", "w"), indent=1)
json.dump(shap_man, open(f"{OUT}/shap.json", "w"), indent=1)
print(f"xgboost {ver}: wrote {OUT}/")
