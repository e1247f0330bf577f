#!/usr/bin/python3
"""Golden confusion counts for the report's confusion table (tests/cli/test_report.sh, issue 18).

Peer: scikit-learn 1.2.1, sklearn.metrics.confusion_matrix on datasets/flchain/test.csv with
the case flagged when score >= threshold (vigil's convention), at the thresholds the CLI test's
`vigil metrics` runs use (0.2, the test's operating threshold, and 0.9, where a cell holds fewer
than 11 cases and the report must withhold the row). Counts from 1 to 10 are written here only
as the peer's output (this file is a test input, never part of a report).

Run from the repository root:  /usr/bin/python3 tests/reference/confusion_ref.py
"""
import json
import pandas as pd
import sklearn
from sklearn.metrics import confusion_matrix

d = pd.read_csv("datasets/flchain/test.csv")
out = {"peer": "scikit-learn %s confusion_matrix" % sklearn.__version__, "data": "datasets/flchain/test.csv",
       "score": "score", "label": "death_5y", "thresholds": {}}
for t in (0.2, 0.9):
    tn, fp, fn, tp = confusion_matrix(d["death_5y"], (d["score"] >= t).astype(int), labels=[0, 1]).ravel()
    out["thresholds"][repr(t)] = {"tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn), "n": int(len(d))}
json.dump(out, open("tests/reference/confusion/flchain_test.json", "w"), indent=1)
print(json.dumps(out, indent=1))
