#!/usr/bin/python3
"""Golden predictions for vigil's model loaders and scorers (tests/test_model.c).

Peer: Debian's python3-xgboost (version printed into manifest.json) for tree models; for the
vigil-linear and vigil-mlp files, a numpy implementation of the README's format definition
(datasets/derive.py checked those files against statsmodels and scikit-learn to 1e-12).

Cases: generated models of depth 1-10 and 1-1000 trees, with missing values, for
binary:logistic, reg:logistic, reg:squarederror and multi:softprob, base_score written as
"5E-1" and as "[5E-1]" (the 2.x spelling, hand-edited), plus the bundled models on rows of
the flchain test set. Run from the repository root:
    /usr/bin/python3 tests/reference/xgb_ref.py
"""
import json, os, sys
import numpy as np
import pandas as pd
import xgboost as xgb

OUT = "tests/reference/xgb"
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261125)
manifest = {"peer": f"xgboost {xgb.__version__}, numpy {np.__version__}", "cases": []}


def write_case(name, model_path, X, names, expected, K):
    df = pd.DataFrame(X, columns=names)
    cols = ["expected"] if K == 1 else [f"expected_{k}" for k in range(K)]
    exp = np.asarray(expected, dtype=np.float64).reshape(len(X), K)
    for k, c in enumerate(cols):
        df[c] = exp[:, k]
    csv = f"{OUT}/{name}.csv"
    df.to_csv(csv, index=False, float_format="%.9g", na_rep="")
    manifest["cases"].append({"name": name, "model": model_path, "data": csv, "outputs": K,
                              "expected": cols})


def gen(name, objective, depth, rounds, n=300, F=6, missing=0.1, num_class=0, base=None, bracket=False):
    X = rng.normal(size=(n, F)).astype(np.float32)
    X[:, 1] = np.round(X[:, 1], 1)  # ties on thresholds
    if missing:
        X[rng.random(size=X.shape) < missing] = np.nan
    lin = np.nan_to_num(X[:, 0]) * 1.2 - np.nan_to_num(X[:, 1]) + 0.5 * np.nan_to_num(X[:, 2]) ** 2
    if objective.startswith("multi"):
        y = np.digitize(lin, np.quantile(lin, np.linspace(0, 1, num_class + 1)[1:-1]))
    elif objective == "reg:squarederror":
        y = lin + rng.normal(size=n)
    else:
        y = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(float)
    names = [f"x{j}" for j in range(F)]
    d = xgb.DMatrix(X, label=y, feature_names=names, missing=np.nan)
    p = {"objective": objective, "max_depth": depth, "eta": 0.3, "nthread": 1, "seed": 1,
         "tree_method": "hist"}
    if num_class:
        p["num_class"] = num_class
    if base is not None:
        p["base_score"] = base
    b = xgb.train(p, d, num_boost_round=rounds)
    path = f"{OUT}/{name}.json"
    b.save_model(path)
    if bracket:  # XGBoost 2.x writes base_score as "[5E-1]"
        m = json.load(open(path))
        bs = m["learner"]["learner_model_param"]["base_score"]
        m["learner"]["learner_model_param"]["base_score"] = f"[{bs}]"
        json.dump(m, open(path, "w"))
        b = xgb.Booster(model_file=path)
    pred = b.predict(xgb.DMatrix(X, feature_names=names, missing=np.nan))
    write_case(name, path, X, names, pred, num_class or 1)


gen("d1_t1", "binary:logistic", 1, 1)
gen("d3_t50", "binary:logistic", 3, 50)
gen("d6_t200_nomiss", "binary:logistic", 6, 200, missing=0)
gen("d10_t40", "binary:logistic", 10, 40, n=400)
gen("d2_t1000", "binary:logistic", 2, 1000, n=200)
gen("reglogistic_d4", "reg:logistic", 4, 30, base=0.3)
gen("regsq_d5", "reg:squarederror", 5, 60, base=2.5)
gen("softprob_d4", "multi:softprob", 4, 20, num_class=4)
gen("bracket_base_d3", "binary:logistic", 3, 20, bracket=True)

# The bundled models on the first 400 rows of the flchain test set.
test = pd.read_csv("datasets/flchain/test.csv").head(400)
for mname in ["flchain_v1", "flchain_v2", "flchain_deep", "flchain_agegroup_softprob", "flchain_reg",
              "nafld1_v1"]:
    path = f"datasets/models/{mname}.json"
    b = xgb.Booster(model_file=path)
    if mname.startswith("nafld1"):
        data = pd.read_csv("datasets/nafld1/test.csv").head(400)
    else:
        data = test
    names = b.feature_names
    X = data[names].to_numpy(dtype=np.float32)
    pred = b.predict(xgb.DMatrix(X, feature_names=names, missing=np.nan))
    K = pred.shape[1] if pred.ndim == 2 else 1
    write_case(f"bundled_{mname}", path, X, names, pred, K)

for mname in ["flchain_logistic", "flchain_mlp"]:
    path = f"datasets/models/{mname}.json"
    m = json.load(open(path))
    names = m["features"]
    X = test[names].to_numpy(dtype=np.float32).astype(np.float64)  # vigil binds features as float32
    if m["format"] == "vigil-linear":
        z = m["intercept"] + X @ np.array(m["coefficients"])
        pred = 1 / (1 + np.exp(-z)) if m["link"] == "logit" else z
    else:
        h = X
        if "input" in m:
            h = (h - np.array(m["input"]["mean"])) / np.array(m["input"]["scale"])
        for layer in m["layers"]:
            h = h @ np.array(layer["weights"]).T + np.array(layer["bias"])
            a = layer["activation"]
            h = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh,
                 "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "identity": lambda v: v}[a](h)
        pred = h[:, 0]
    write_case(f"bundled_{mname}", path, X, names, pred, 1)

json.dump(manifest, open(f"{OUT}/manifest.json", "w"), indent=1)
print(f"wrote {len(manifest['cases'])} cases to {OUT}/ ({manifest['peer']})")
