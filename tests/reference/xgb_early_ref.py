#!/usr/bin/python3
"""Golden predictions for models saved after early stopping (tests/test_model.c, test_early_stopping).

Peers: Debian's python3-xgboost 1.7.4, and XGBoost 2.1.x and 3.1.x from PyPI's CPU wheels, each
in its own venv (their files store gradient_booster.model.iteration_indptr, which vigil reads for
the rounds' tree range; 1.7's have none). XGBClassifier.fit with
early_stopping_rounds keeps every tree in the saved file and writes
learner.attributes.best_iteration (a string; 1.7 also best_ntree_limit =
(best_iteration + 1) * num_parallel_tree). XGBClassifier.predict_proba then uses the trees of
rounds 0..best_iteration only (each round: num_parallel_tree trees per class); Booster.predict
on the same file uses every tree. Each model gets both: "<name>.csv" (predict_proba, vigil's
default) and "<name>_all.csv" (Booster.predict, vigil's all-trees view).
Each case records the version that wrote it ("peer"); 1.7.4's files keep their untagged names
(binary_es.json, ...), the others' are prefixed with the version (v2_1_4_binary_es.json, ...). A run
replaces only its own version's cases in manifest.json. Run from the repository root:
    /usr/bin/python3 tests/reference/xgb_early_ref.py
    python3 -m venv /tmp/xgb2.1.4 && /tmp/xgb2.1.4/bin/pip install xgboost-cpu==2.1.4 pandas "scikit-learn<1.6"  (2.1 save_model needs _estimator_type, gone in 1.6)
    /tmp/xgb2.1.4/bin/python tests/reference/xgb_early_ref.py
    python3 -m venv /tmp/xgb3.1 && /tmp/xgb3.1/bin/pip install "xgboost-cpu>=3.1,<3.2" "pandas<3" scikit-learn  (3.1.3;
    with pandas 3.x it finds no column names: the model then has none)
    /tmp/xgb3.1/bin/python tests/reference/xgb_early_ref.py
"""
import json, os
import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb

OUT = "tests/reference/xgb_early"
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261204)  # the same data for every version
ver = xgb.__version__
prefix = "" if ver == "1.7.4" else "v" + ver.replace(".", "_") + "_"
peer = f"xgboost {ver}" + ("" if ver == "1.7.4" else " (PyPI xgboost-cpu)")
man_path = f"{OUT}/manifest.json"
manifest = json.load(open(man_path)) if os.path.exists(man_path) else {"cases": []}
manifest.pop("peer", None)  # the one-version layout: its cases were 1.7.4's
for c in manifest["cases"]:
    c.setdefault("peer", "xgboost 1.7.4")
manifest["cases"] = [c for c in manifest["cases"] if c["peer"].split()[1] != ver]
manifest.setdefault("peers", {})[ver] = f"{peer}, numpy {np.__version__}, pandas {pd.__version__}, scikit-learn {sklearn.__version__}"


def case(name, n_classes, parallel, rounds=80, n=600, F=5):
    X = rng.normal(size=(n, F)).astype(np.float32)
    X[rng.random(size=X.shape) < 0.1] = np.nan
    lin = np.nan_to_num(X[:, 0]) * 1.5 - np.nan_to_num(X[:, 1]) + 0.7 * np.nan_to_num(X[:, 2]) ** 2
    noisy = lin + rng.normal(scale=1.5, size=n)  # noisy labels: validation loss turns early
    if n_classes == 2:
        y = (noisy > np.median(noisy)).astype(int)
    else:
        y = np.digitize(noisy, np.quantile(noisy, np.linspace(0, 1, n_classes + 1)[1:-1]))
    names = [f"x{j}" for j in range(F)]
    Xd = pd.DataFrame(X, columns=names)
    half = n // 2
    clf = xgb.XGBClassifier(n_estimators=rounds, max_depth=4, learning_rate=0.4,
                            early_stopping_rounds=8, num_parallel_tree=parallel, subsample=0.8,
                            colsample_bynode=0.8, random_state=1, n_jobs=1, tree_method="hist")
    clf.fit(Xd[:half], y[:half], eval_set=[(Xd[half:], y[half:])], verbose=False)
    name = prefix + name
    path = f"{OUT}/{name}.json"
    clf.save_model(path)
    m = json.load(open(path))
    assert m["learner"].get("feature_names") == names, f"{name}: feature names {m['learner'].get('feature_names')}"
    attrs = m["learner"]["attributes"]
    T = len(m["learner"]["gradient_booster"]["model"]["trees"])
    best = int(attrs["best_iteration"])
    K = n_classes if n_classes > 2 else 1
    used = (best + 1) * parallel * K
    assert used < T, f"{name}: early stopping did not stop early ({used} of {T} trees)"
    indptr = m["learner"]["gradient_booster"]["model"].get("iteration_indptr")
    assert (indptr is None) == (ver.split(".")[0] == "1"), f"{name}: iteration_indptr {'missing' if indptr is None else 'present'}"
    if indptr is not None:
        assert indptr[best + 1] == used and indptr[-1] == T, f"{name}: iteration_indptr {indptr} vs {used} of {T}"
    proba = clf.predict_proba(Xd)
    proba = proba[:, 1:] if n_classes == 2 else proba
    booster = xgb.Booster(model_file=path)
    full = booster.predict(xgb.DMatrix(X, feature_names=names, missing=np.nan))
    cols = ["expected"] if K == 1 else [f"expected_{k}" for k in range(K)]
    for suffix, pred, all_trees, n_used in (("", proba, False, used), ("_all", full, True, T)):
        df = Xd.copy()
        pred = np.asarray(pred, dtype=np.float64).reshape(n, K)
        for k, c in enumerate(cols):
            df[c] = pred[:, k]
        csv = f"{OUT}/{name}{suffix}.csv"
        df.to_csv(csv, index=False, float_format="%.9g", na_rep="")
        manifest["cases"].append({"name": name + suffix, "model": path, "data": csv, "outputs": K,
                                  "expected": cols, "all_trees": all_trees, "best_iteration": best,
                                  "trees_used": n_used, "trees": T, "peer": peer,
                                  "iteration_indptr": indptr is not None})
    print(f"{name}: best_iteration {best}, {used} of {T} trees, "
          f"max |predict_proba - Booster.predict| = {np.max(np.abs(proba.reshape(n, K) - full.reshape(n, K))):.3g}")


case("binary_es", 2, 1)
case("binary_es_parallel2", 2, 2)
case("softprob3_es", 3, 1)

vkey = lambda v: tuple(int(x) for x in v.split("."))
manifest["cases"].sort(key=lambda c: vkey(c["peer"].split()[1]))  # stable: a version's own order
manifest["peers"] = dict(sorted(manifest["peers"].items(), key=lambda kv: vkey(kv[0])))
json.dump(manifest, open(man_path, "w"), indent=1)
print(f"wrote 6 cases to {OUT}/ ({manifest['peers'][ver]}); the manifest has {len(manifest['cases'])}")
