#!/usr/bin/python3
"""An attacker for the cell-size policy of the human-in-the-loop block (tests/cli/test_metrics.sh):
from a `vigil metrics --decision` JSON, derive the two-way counts each shown scope gives away
(flags, overridden flags, acted-on non-flags, decision x outcome, flag x outcome, decisions) from
its rates and n, and the team_vs_model tables' n and discordant counts, and look for a count of 1..10 shown outright or as a total minus the shown
parts: per group (the overall total) and inside each level of a group that another nests in
('a+b' in 'a'). Exit 1 and list the leaks.
usage: small_cells_human.py METRICS.json"""
import json, sys
d = json.load(open(sys.argv[1]))
h = d["human"]
MC = d["min_cell"]


def v(x):
    return x["value"] if isinstance(x, dict) else None


def counts(s, n, flat):
    """the derivable counts of a scope, None where not shown"""
    g = (lambda k: v(s.get(k))) if flat else (lambda k: v(s[k.split("_")[0]][k.split("_", 1)[1]]) if k.startswith(("team_", "model_")) else v(s.get(k)))
    c = {}
    fr, of, on = g("flag_rate"), g("override_of_flags"), g("override_of_nonflags")
    if n is None or fr is None:
        return None
    flags = round(fr * n)
    c["flags"], c["nonflags"] = flags, n - flags
    c["f1d0"] = round(of * flags) if of is not None else None
    c["f0d1"] = round(on * (n - flags)) if on is not None else None
    ts, ms, mp = g("team_sensitivity"), g("model_sensitivity"), g("model_ppv")
    c["f1y1"] = round(mp * flags) if mp is not None else None
    ev = round(c["f1y1"] / ms) if (ms and c["f1y1"] is not None) else None
    c["events"] = ev
    c["d1y1"] = round(ts * ev) if (ts is not None and ev is not None) else None
    # the team against the model on the same cases: each table's n and discordant counts
    for k in ("sensitivity", "specificity"):
        t = s.get("team_vs_model_" + k) if flat else s.get("team_vs_model", {}).get(k)
        if t is not None:
            c[f"tvm_{k}_n"] = t["n"]
            c[f"tvm_{k}_team_only"] = t["discordant_team_only"]
            c[f"tvm_{k}_model_only"] = t["discordant_model_only"]
    return c


leaks = []


def check(total, parts, where):
    if total is None:
        return
    for k, t in total.items():
        if t is None:
            continue
        shown = [p[k] for p in parts if p is not None and p.get(k) is not None]
        for x in shown:
            if 1 <= x < MC:
                leaks.append(f"{where}: {k} = {x} shown")
        hidden = t - sum(shown)
        if len(shown) < len(parts) and 1 <= hidden < MC:
            leaks.append(f"{where}: {k} of the withheld levels = {hidden} (total minus shown)")


overall = counts(h, h["n"], False)
groups = {g: {l: (counts(x, x["n"], True) if not x["withheld"] else None) for l, x in s["levels"].items()}
          for g, s in h["subgroups"].items()}
for g, lv in groups.items():
    check(overall, list(lv.values()), g)
for inner, ilv in groups.items():
    if "+" not in inner:
        continue
    for outer in inner.split("+"):
        if outer not in groups:
            continue
        pos = inner.split("+").index(outer)
        for ol, oc in groups[outer].items():
            parts = [c for l, c in ilv.items() if l.split("+")[pos] == ol]
            check(oc, parts, f"{inner} in {outer}={ol}")
if leaks:
    print("\n".join(leaks))
    sys.exit(1)
