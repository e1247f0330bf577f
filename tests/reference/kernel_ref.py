#!/usr/bin/env python3
"""shap's KernelExplainer on the bundled vigil-mlp (tests/test_explain.c compares with it).

Peer: shap (PyPI) KernelExplainer, in its own virtual environment because it needs numpy < 2:
    python3 -m venv /tmp/vigil-shap && /tmp/vigil-shap/bin/pip install shap "numpy<2" pandas
    /tmp/vigil-shap/bin/python tests/reference/kernel_ref.py          (from the repository root)
The margin function is the README's vigil-mlp definition in numpy (shap_ref.py's forward()).
Background: tests/reference/shap/mlp_background.csv (50 rows), explained rows mlp_rows.csv (40).
With F = 4 features KernelExplainer enumerates all 2^4 - 2 coalitions, so its answer is the exact
Shapley value of the same interventional game vigil computes; differences are rounding only.
"""
import json
import numpy as np
import pandas as pd
import shap

OUT = "tests/reference/shap"
mlp = json.load(open("datasets/models/flchain_mlp.json"))
feats = mlp["features"]


def margin(X):
    h = (np.asarray(X, np.float64) - np.array(mlp["input"]["mean"])) / np.array(mlp["input"]["scale"])
    z = None
    for L in mlp["layers"]:
        z = h @ np.array(L["weights"]).T + np.array(L["bias"])
        h = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh, "identity": lambda v: v,
             "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[L["activation"]](z)
    return z[:, 0]


Xe = pd.read_csv(f"{OUT}/mlp_rows.csv")[feats].to_numpy(np.float32).astype(np.float64)
Xb = pd.read_csv(f"{OUT}/mlp_background.csv")[feats].to_numpy(np.float32).astype(np.float64)
ex = shap.KernelExplainer(margin, Xb)
sv = ex.shap_values(Xe, nsamples=1000, silent=True)
phi = np.column_stack([sv, np.full(len(Xe), ex.expected_value)])
cols = [f"phi_0_{j}" for j in range(len(feats) + 1)]
pd.DataFrame(phi, columns=cols).to_csv(f"{OUT}/mlp_kernelshap.csv", index=False, float_format="%.12g")
json.dump({"peer": f"shap {shap.__version__} KernelExplainer (nsamples=1000), numpy {np.__version__}"},
          open(f"{OUT}/mlp_kernelshap.json", "w"))
print("wrote", f"{OUT}/mlp_kernelshap.csv")
