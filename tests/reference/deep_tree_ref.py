#!/usr/bin/python3
"""Degenerate chain trees at vigil's depth limit (issue 19; README "Model formats"), and the
golden margins and SHAP values of XGBoost for the one at the limit.

The model (binary:logistic, 4 features f0..f3, base_score 0.5) has two trees: a chain of DEPTH
splits (node k at depth k splits on f{k % 4} at threshold (k // 4 + 1) / (DEPTH // 4 + 2); its
left child is a leaf, its right child the next split; the last split has two leaves; missing
values go left at even k, right at odd k; covers consistent: each leaf 1) and a stump on f0.
Cases: seeded uniform values in [0, 1) with some missing, plus rows that reach the bottom.

  deep_tree_ref.py model DEPTH OUT.json   write the model (pure Python: the CLI test builds
                                          the limit's model and the one a level deeper)
  deep_tree_ref.py cases OUT.csv          write the cases
  deep_tree_ref.py golden                 with XGBoost, write tests/reference/deep_tree/
                                          goldens.json: Booster.predict(output_margin=True)
                                          and pred_contribs of the model at DEPTH = 2048

Peer: Debian's python3-xgboost 1.7.4 (the version is recorded in goldens.json). Run from the
repository root: /usr/bin/python3 tests/reference/deep_tree_ref.py golden
"""
import json
import math
import os
import random
import sys

LIMIT = 2048  # VIGIL_TREE_MAX_DEPTH (src/model/forest.h)
F = 4


def chain(depth):
    n = 2 * depth + 1
    left, right, feat, cond, dflt, hess = ([0] * n for _ in range(6))
    # nodes: split k is node 2k (k < depth); its left leaf node 2k + 1; its right child 2k + 2
    # (the next split, or the bottom leaf 2 * depth)
    for k in range(depth):
        s, lf = 2 * k, 2 * k + 1
        left[s], right[s] = lf, 2 * k + 2
        feat[s] = k % F
        cond[s] = (k // F + 1) / (depth // F + 2)
        dflt[s] = 1 if k % 2 == 0 else 0
        hess[s] = depth - k + 1.0
        left[lf] = right[lf] = -1
        cond[lf] = round(0.1 * math.sin(k + 1), 6)
        hess[lf] = 1.0
    b = 2 * depth
    left[b] = right[b] = -1
    cond[b] = 0.05
    hess[b] = 1.0
    return left, right, feat, cond, dflt, hess


def tree(tid, left, right, feat, cond, dflt, hess):
    n = len(left)
    parents = [2147483647] * n
    for i in range(n):
        for c in (left[i], right[i]):
            if c >= 0:
                parents[c] = i
    return {"base_weights": cond, "categories": [], "categories_nodes": [], "categories_segments": [],
            "categories_sizes": [], "default_left": dflt, "id": tid, "left_children": left,
            "loss_changes": [0.0] * n, "parents": parents, "right_children": right, "split_conditions": cond,
            "split_indices": [max(f, 0) for f in feat], "split_type": [0] * n, "sum_hessian": hess,
            "tree_param": {"num_deleted": "0", "num_feature": str(F), "num_nodes": str(n),
                           "size_leaf_vector": "0"}}


def model(depth):
    stump = ([1, -1, -1], [2, -1, -1], [0, 0, 0], [0.5, -0.2, 0.3], [1, 0, 0], [2.0, 1.0, 1.0])
    trees = [tree(0, *chain(depth)), tree(1, *stump)]
    return {"learner": {"attributes": {}, "feature_names": ["f%d" % j for j in range(F)],
                        "feature_types": ["float"] * F,
                        "gradient_booster": {"model": {"gbtree_model_param": {"num_parallel_tree": "1",
                                                                              "num_trees": str(len(trees)),
                                                                              "size_leaf_vector": "0"},
                                                       "tree_info": [0] * len(trees), "trees": trees},
                                             "name": "gbtree"},
                        "learner_model_param": {"base_score": "5E-1", "boost_from_average": "1",
                                                "num_class": "0", "num_feature": str(F), "num_target": "1"},
                        "objective": {"name": "binary:logistic", "reg_loss_param": {"scale_pos_weight": "1"}}},
            "version": [1, 7, 4]}


def cases():
    rng = random.Random(20261204)
    rows = []
    for i in range(60):
        rows.append(["" if rng.random() < 0.08 else "%.6f" % rng.random() for _ in range(F)])
    rows.append(["1"] * F)                       # every split sent right: the bottom leaf
    rows.append(["0.999", "1", "", "1"])         # a missing f2 at odd and even splits
    rows.append(["0"] * F)                       # left at the root
    return [["case_id"] + ["f%d" % j for j in range(F)]] + [["c%d" % i] + r for i, r in enumerate(rows)]


def write_cases(path):
    with open(path, "w") as f:
        f.write("".join(",".join(r) + "\n" for r in cases()))


def main():
    what = sys.argv[1]
    if what == "model":
        with open(sys.argv[3], "w") as f:
            json.dump(model(int(sys.argv[2])), f)
    elif what == "cases":
        write_cases(sys.argv[2])
    elif what == "golden":
        import numpy as np
        import xgboost as xgb
        out = "tests/reference/deep_tree"
        os.makedirs(out, exist_ok=True)
        mpath, cpath = "/tmp/vigil-deep-tree-model.json", "/tmp/vigil-deep-tree-cases.csv"
        with open(mpath, "w") as f:
            json.dump(model(LIMIT), f)
        rows = cases()
        X = np.array([[float(v) if v != "" else np.nan for v in r[1:]] for r in rows[1:]], dtype=np.float32)
        b = xgb.Booster(model_file=mpath)
        d = xgb.DMatrix(X, missing=np.nan, feature_names=rows[0][1:])
        margin = b.predict(d, output_margin=True)
        contrib = b.predict(d, pred_contribs=True)
        with open(out + "/goldens.json", "w") as f:
            json.dump({"peer": "xgboost %s, numpy %s" % (xgb.__version__, np.__version__), "depth": LIMIT,
                       "ids": [r[0] for r in rows[1:]], "margin": [float(v) for v in margin],
                       "contribs": [[float(v) for v in r] for r in contrib]}, f, indent=1)
        os.remove(mpath)
    else:
        sys.exit("usage: deep_tree_ref.py model DEPTH OUT.json | cases OUT.csv | golden")


if __name__ == "__main__":
    main()
