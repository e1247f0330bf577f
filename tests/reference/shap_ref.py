#!/usr/bin/python3
"""Golden attributions for vigil's SHAP code (tests/test_explain.c).

Peers:
  trees   Debian's python3-xgboost: Booster.predict(pred_contribs=True) (exact path-dependent
          TreeSHAP, float32 inside XGBoost) on every tree model of tests/reference/xgb/ — generated
          models of depth 1-10, 1-1000 trees, missing values, binary/reg/multi-class — and the
          bundled models, on the same rows as the prediction goldens.
  linear  numpy: beta_j (x_j - mean_j) with the mean over the background rows.
  mlp     numpy forward pass of the README's vigil-mlp definition, explained by
          - brute-force Shapley values over all 2^F coalitions (the definition), and
          - shap's KernelExplainer (PyPI; run only when /tmp/vigil-shap/bin/python exists,
            see kernel_ref.py), which enumerates all 2^F - 2 coalitions for F = 4, hence exact.
          Also an MLP whose activations are all identity: its attributions must equal the linear
          formula with the network's effective coefficients.
Run from the repository root:   /usr/bin/python3 tests/reference/shap_ref.py
"""
import itertools, json, math, os
import numpy as np
import pandas as pd
import xgboost as xgb

OUT = "tests/reference/shap"
os.makedirs(OUT, exist_ok=True)
man = json.load(open("tests/reference/xgb/manifest.json"))
manifest = {"peer": f"xgboost {xgb.__version__} pred_contribs, numpy {np.__version__}", "cases": []}


def write(name, model, data, ids, phi, K, F, peer):
    cols = [f"phi_{k}_{j}" for k in range(K) for j in range(F + 1)]
    df = pd.DataFrame(phi.reshape(len(phi), K * (F + 1)), columns=cols)
    path = f"{OUT}/{name}.csv"
    df.to_csv(path, index=False, float_format="%.12g")
    manifest["cases"].append({"name": name, "model": model, "data": data, "expected": path,
                              "outputs": K, "features": F, "peer": peer, **ids})


for c in man["cases"]:
    m = json.load(open(c["model"]))
    if m.get("format", "").startswith("vigil-"):
        continue
    b = xgb.Booster()
    b.load_model(c["model"])
    names = b.feature_names
    df = pd.read_csv(c["data"])
    X = df[names].to_numpy(dtype=np.float32)
    d = xgb.DMatrix(X, feature_names=names, missing=np.nan)
    phi = b.predict(d, pred_contribs=True)
    K = c["outputs"]
    F = len(names)
    phi = np.asarray(phi, dtype=np.float64).reshape(len(X), K, F + 1)
    write("tree_" + c["name"], c["model"], c["data"], {}, phi, K, F, f"xgboost {xgb.__version__} pred_contribs")


# ---- dense models ----
def forward(mdl, X):
    h = X.astype(np.float64)
    inp = mdl.get("input")
    if inp:
        h = (h - np.array(inp["mean"])) / np.array(inp["scale"])
    margin = None
    for L in mdl["layers"]:
        z = h @ np.array(L["weights"]).T + np.array(L["bias"])
        margin = z
        a = L["activation"]
        h = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
             "identity": lambda v: v, "softmax": lambda v: np.exp(v - v.max(1, keepdims=True)) /
             np.exp(v - v.max(1, keepdims=True)).sum(1, keepdims=True)}[a](z)
    return margin


def shapley_bruteforce(f, x, B):
    F = x.shape[0]
    v = {}
    for S in itertools.product([0, 1], repeat=F):
        H = B.copy()
        for j in range(F):
            if S[j]:
                H[:, j] = x[j]
        v[S] = f(H).mean(0)
    K = len(v[(0,) * F])
    phi = np.zeros((K, F + 1))
    for j in range(F):
        for S in itertools.product([0, 1], repeat=F):
            if S[j]:
                continue
            s = sum(S)
            w = math.factorial(s) * math.factorial(F - s - 1) / math.factorial(F)
            T = list(S)
            T[j] = 1
            phi[:, j] += w * (v[tuple(T)] - v[S])
    phi[:, F] = v[(0,) * F]
    return phi


test = pd.read_csv("datasets/flchain/test.csv")
explain_rows = test.iloc[:40]
background = test.iloc[100:150]
explain_rows.to_csv(f"{OUT}/mlp_rows.csv", index=False)
background.to_csv(f"{OUT}/mlp_background.csv", index=False)

# vigil-linear: exact formula
lin = json.load(open("datasets/models/flchain_logistic.json"))
feats = lin["features"]
Xe = explain_rows[feats].to_numpy(np.float32).astype(np.float64)
Xb = background[feats].to_numpy(np.float32).astype(np.float64)
beta = np.array(lin["coefficients"] if "coefficients" in lin else lin["coef"], dtype=np.float64)
mean = Xb.mean(0)
phi = np.zeros((len(Xe), 1, len(feats) + 1))
phi[:, 0, :-1] = beta * (Xe - mean)
phi[:, 0, -1] = lin["intercept"] + beta @ mean
write("linear_flchain_logistic", "datasets/models/flchain_logistic.json", f"{OUT}/mlp_rows.csv",
      {"background": f"{OUT}/mlp_background.csv"}, phi, 1, len(feats), "numpy (exact formula)")

# vigil-mlp: brute-force Shapley over all coalitions
mlp = json.load(open("datasets/models/flchain_mlp.json"))
feats = mlp["features"]
Xe = explain_rows[feats].to_numpy(np.float32).astype(np.float64)
Xb = background[feats].to_numpy(np.float32).astype(np.float64)
phi = np.stack([shapley_bruteforce(lambda H: forward(mlp, H), x, Xb) for x in Xe])
write("mlp_flchain_mlp", "datasets/models/flchain_mlp.json", f"{OUT}/mlp_rows.csv",
      {"background": f"{OUT}/mlp_background.csv"}, phi, 1, len(feats), "numpy brute-force Shapley")

# an MLP that is linear: identity hidden layer; attributions = beta_eff (x - mean)
rng = np.random.default_rng(5)
W1 = rng.normal(size=(3, len(feats))) * 0.5
W2 = rng.normal(size=(1, 3))
lm = {"format": "vigil-mlp", "version": 1, "name": "linear-mlp", "features": feats,
      "input": mlp["input"],
      "layers": [{"weights": W1.tolist(), "bias": [0.1, -0.2, 0.3], "activation": "identity"},
                 {"weights": W2.tolist(), "bias": [-0.5], "activation": "sigmoid"}]}
json.dump(lm, open(f"{OUT}/mlp_linear.json", "w"), indent=1)
beta_eff = (W2 @ W1)[0] / np.array(mlp["input"]["scale"])
phi = np.zeros((len(Xe), 1, len(feats) + 1))
phi[:, 0, :-1] = beta_eff * (Xe - Xb.mean(0))
phi[:, 0, -1] = forward(lm, Xb).mean()
write("mlp_linear", f"{OUT}/mlp_linear.json", f"{OUT}/mlp_rows.csv",
      {"background": f"{OUT}/mlp_background.csv"}, phi, 1, len(feats), "numpy exact linear formula")

json.dump(manifest, open(f"{OUT}/manifest.json", "w"), indent=1)
print(f"wrote {len(manifest['cases'])} cases to {OUT}/")
