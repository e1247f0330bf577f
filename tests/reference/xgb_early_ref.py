#!/usr/bin/python3
"""Golden predictions for models saved after early stopping (tests/test_model.c, test_early_stopping).

Peer: Debian's python3-xgboost (version in manifest.json). XGBClassifier.fit with
early_stopping_rounds keeps every tree in the saved file and writes
learner.attributes.best_iteration (a string; 1.7 also best_ntree_limit =
(best_iteration + 1) * num_parallel_tree). XGBClassifier.predict_proba then uses the trees of
rounds 0..best_iteration only (each round: num_parallel_tree trees per class); Booster.predict
on the same file uses every tree. Each model gets both: "<name>.csv" (predict_proba, vigil's
default) and "<name>_all.csv" (Booster.predict, vigil's all-trees view).
Run from the repository root:
    /usr/bin/python3 tests/reference/xgb_early_ref.py
"""
import json, os
import numpy as np
import pandas as pd
import xgboost as xgb

OUT = "tests/reference/xgb_early"
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261204)
manifest = {"peer": f"xgboost {xgb.__version__}, numpy {np.__version__}", "cases": []}


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
    path = f"{OUT}/{name}.json"
    clf.save_model(path)
    m = json.load(open(path))
    attrs = m["learner"]["attributes"]
    T = len(m["learner"]["gradient_booster"]["model"]["trees"])
    best = int(attrs["best_iteration"])
    K = n_classes if n_classes > 2 else 1
    used = (best + 1) * parallel * K
    assert used < T, f"{name}: early stopping did not stop early ({used} of {T} trees)"
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
                                  "trees_used": n_used, "trees": T})
    print(f"{name}: best_iteration {best}, {used} of {T} trees, "
          f"max |predict_proba - Booster.predict| = {np.max(np.abs(proba.reshape(n, K) - full.reshape(n, K))):.3g}")


case("binary_es", 2, 1)
case("binary_es_parallel2", 2, 2)
case("softprob3_es", 3, 1)

json.dump(manifest, open(f"{OUT}/manifest.json", "w"), indent=1)
print(f"wrote {len(manifest['cases'])} cases to {OUT}/ ({manifest['peer']})")
