#!/usr/bin/python3
"""The attacker of the multi-class block's cell-size policy (tests/cli/test_multiclass.sh).

Reads a `vigil metrics --class-scores --format json` document and derives every count its
numbers give away: a scope's cases, correct and incorrect argmax (accuracy x n), top-k hits and
misses, per class its cases and the rest, TP and FN (sensitivity x n), the argmax count (TP /
PPV), per top-label bin its cases and correct ones. Then, for every partition of a shown total
-- the levels of a group (overall as the total), a scope's classes and its bins (the scope's
cases as the total; its correct and incorrect argmax as TP/FN, TP/FP and per bin) -- the
withheld cells' sum is the total minus the shown cells. It fails
(exit 1, listing what it found) when any derived count, or any such sum, is from 1 to
min_cell - 1.

usage: small_cells_multiclass.py DOC.json
"""
import json
import sys

doc = json.load(open(sys.argv[1]))
mc = doc["min_cell"]
m = doc["multiclass"]
classes = m["class_order"]
found = []


def small(x):
    return x is not None and 0.5 <= x < mc - 0.5


def val(o, key):
    x = o.get(key)
    return x.get("value") if isinstance(x, dict) else x


def counts(scope, n):
    """Every count the scope's numbers give away (None: not given)."""
    c = {"n": n}
    for key, name in (("accuracy", "correct"), ("top_k_accuracy", "hit")):
        v = val(scope, key)
        c[name] = v * n if v is not None and n is not None else None
        c["not_" + name] = n - c[name] if c[name] is not None else None
    for cl in classes:
        x = scope["classes"][cl]
        nc = x["n"]
        c["n:" + cl] = nc
        c["rest:" + cl] = n - nc if nc is not None and n is not None else None
        sens, ppv = val(x, "sensitivity"), val(x, "ppv")
        tp = sens * nc if sens is not None and nc is not None else None
        c["tp:" + cl] = tp
        c["fn:" + cl] = nc - tp if tp is not None else None
        c["pred:" + cl] = tp / ppv if tp is not None and ppv else None
        c["fp:" + cl] = c["pred:" + cl] - tp if c["pred:" + cl] is not None else None
    for b, x in enumerate(scope["calibration_top_label"]):
        c[f"bin{b}"] = x["n"]
        c[f"bin{b}_correct"] = x["accuracy"] * x["n"] if x["accuracy"] is not None and x["n"] is not None else None
        c[f"bin{b}_wrong"] = x["n"] - c[f"bin{b}_correct"] if c[f"bin{b}_correct"] is not None else None
    return c


def check_partition(where, total, parts):
    """total: the shown total (None: withheld); parts: the cells' shown values (None: withheld)."""
    if any(p is None for p in parts) and total is not None:
        rest = total - sum(p for p in parts if p is not None)
        if small(rest):
            found.append(f"{where}: withheld cells sum to {rest:g}")
    if total is None and all(p is not None for p in parts) and parts:
        s = sum(parts)
        if small(s):
            found.append(f"{where}: the cells add up to a withheld total of {s:g}")


overall = counts(m, doc["n"])
scopes = [("overall", m, overall)]
for g, go in m["subgroups"].items():
    lv = {}
    for name, x in go["levels"].items():
        lv[name] = counts(x, x["n"]) if not x["suppressed"] else None
        if lv[name]:
            scopes.append((f"{g}={name}", x, lv[name]))
    for key in overall:
        check_partition(f"{g}: {key}", overall[key], [c[key] if c else None for c in lv.values()])
# a group "a+b" inside each level of a group "a" (or "b"): its levels "x+y" partition level x
levels_of = {g: go["levels"] for g, go in m["subgroups"].items()}
for g, go in m["subgroups"].items():
    parts = g.split("+")
    for pos, a in enumerate(parts):
        if len(parts) < 2 or a not in levels_of:
            continue
        for la, xa in levels_of[a].items():
            total = counts(xa, xa["n"]) if not xa["suppressed"] else None
            kids = [counts(x, x["n"]) if not x["suppressed"] else None
                    for name, x in go["levels"].items() if name.split("+")[pos] == la]
            for key in overall:
                check_partition(f"{g} in {a}={la}: {key}", total[key] if total else None,
                                [kid[key] if kid else None for kid in kids])
for where, scope, c in scopes:
    for key, v in c.items():
        if small(v):
            found.append(f"{where}: {key} = {v:g}")
    check_partition(f"{where}: classes", c["n"], [c["n:" + cl] for cl in classes])
    check_partition(f"{where}: bins", c["n"], [c[f"bin{b}"] for b in range(10)])
    # correct and incorrect argmax over the bins and the classes (TP + FN, TP + FP)
    check_partition(f"{where}: bins correct", c["correct"], [c[f"bin{b}_correct"] for b in range(10)])
    check_partition(f"{where}: bins wrong", c["not_correct"], [c[f"bin{b}_wrong"] for b in range(10)])
    check_partition(f"{where}: classes TP (sensitivity)", c["correct"], [c["tp:" + cl] for cl in classes])
    check_partition(f"{where}: classes FN", c["not_correct"], [c["fn:" + cl] for cl in classes])
    check_partition(f"{where}: classes FP", c["not_correct"], [c["fp:" + cl] for cl in classes])
if found:
    print("\n".join(found[:40]))
    sys.exit(1)
