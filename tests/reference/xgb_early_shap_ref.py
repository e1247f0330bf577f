#!/usr/bin/env python3
"""SHAP values of the early-stopped binary models (tests/reference/xgb_early/, written by
xgb_early_ref.py) over the trees XGBClassifier.predict_proba uses: Booster.predict(pred_contribs
=True, iteration_range=(0, best_iteration + 1)) on the first 200 rows of each version's data.
vigil explain scores an early-stopped model on those trees by default, so its SHAP values must
equal these (tests/cli/test_predict.sh, 1e-5). Run from the repository root with each version's
interpreter (the venvs of xgb_early_ref.py's docstring):
    /usr/bin/python3 tests/reference/xgb_early_shap_ref.py          # Debian's xgboost 1.7.4
    /tmp/xgb2.1.4/bin/python tests/reference/xgb_early_shap_ref.py  # PyPI xgboost-cpu 2.1.4
    /tmp/xgb3.1/bin/python tests/reference/xgb_early_shap_ref.py    # PyPI xgboost-cpu 3.1.3
Each writes tests/reference/xgb_early/<tag>binary_es_shap.csv: the rows' SHAP value per feature
and the bias column, with the version in the file's first line's comment-free header."""
import csv, json
import numpy as np
import xgboost as xgb

E = "tests/reference/xgb_early"
ver = xgb.__version__
tag = "" if ver == "1.7.4" else "v" + ver.replace(".", "_") + "_"
man = {c["name"]: c for c in json.load(open(f"{E}/manifest.json"))["cases"]}
case = man[tag + "binary_es"]
rows = list(csv.DictReader(open(f"{E}/{tag}binary_es.csv")))[:200]
feats = [k for k in rows[0] if k != "expected"]
X = np.array([[float(r[f]) if r[f] != "" else np.nan for f in feats] for r in rows], dtype=np.float32)
b = xgb.Booster()
b.load_model(f"{E}/{tag}binary_es.json")
d = xgb.DMatrix(X, feature_names=feats, missing=np.nan)
phi = b.predict(d, pred_contribs=True, iteration_range=(0, case["best_iteration"] + 1))
with open(f"{E}/{tag}binary_es_shap.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(feats + ["base_value", "xgboost_version"])
    for p in phi:
        w.writerow(["%.9g" % v for v in p] + [ver])
print(f"{E}/{tag}binary_es_shap.csv: {len(phi)} rows, best_iteration {case['best_iteration']}, xgboost {ver}")
