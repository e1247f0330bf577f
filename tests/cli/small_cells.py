#!/usr/bin/python3
"""An attacker for the cell-size policy (tests/cli/test_metrics.sh): from a vigil metrics JSON,
try to derive a count of 1..10 -- cases, events, non-events, TP/FP/FN/TN at each threshold (from
the rates shown and their denominators; a level's events also from its threshold rows or its
reliability bins when its prevalence is withheld) -- either shown outright or as a total minus the shown
parts: per group (the overall total) and per nested partition (an intersection 'a+b' inside
each shown level of 'a' and of 'b'). Exit 1 and list the leaks when one is found.
usage: small_cells.py METRICS.json"""
import json, sys
d = json.load(open(sys.argv[1]))
def counts(s, T):
    """dict of derivable counts of a scope (None where not shown)."""
    n = s.get("n"); prev = s.get("prevalence")
    c = {"n": n}
    ev = round(prev * n) if (prev is not None and n is not None) else None
    # a withheld prevalence may still follow from other numbers the level shows: a threshold row
    # (selection rate, PPV, NPV give TP+FP, TP, TN, then FN), or reliability bins that are all
    # shown (their events add up)
    for th in (s.get("thresholds") or []) if ev is None and n is not None else []:
        sel, ppv, npv = th.get("selection_rate"), th.get("ppv"), th.get("npv")
        if None not in (sel, ppv, npv):
            pos = round(sel * n); tp = round(ppv * pos); tn = round(npv * (n - pos))
            ev = tp + (n - pos - tn)
            break
    bins = [b for b in ((s.get("calibration") or {}).get("reliability") or []) if b.get("n") != 0]
    if ev is None and bins and all(b.get("n") is not None and b.get("observed") is not None for b in bins):
        ev = sum(round(b["observed"] * b["n"]) for b in bins)
    c["events"] = ev; c["nonevents"] = (n - ev) if ev is not None else None
    ths = s.get("thresholds") or [{}] * T
    for t, th in enumerate(ths[:T]):
        tpr, fpr = th.get("tpr"), th.get("fpr")
        tp = round(tpr * ev) if (tpr is not None and ev is not None) else None
        fp = round(fpr * (n - ev)) if (fpr is not None and ev is not None) else None
        c[f"tp{t}"] = tp; c[f"fn{t}"] = (ev - tp) if tp is not None else None
        c[f"fp{t}"] = fp; c[f"tn{t}"] = (n - ev - fp) if fp is not None else None
    return c
T = len(d.get("thresholds", []))
overall = counts({"n": d["n"], "prevalence": d["prevalence"], "thresholds": d.get("thresholds")}, T)
leaks = []
def check(total, parts, where):
    for k, tv in total.items():
        if tv is None: continue
        shown = [p[k] for p in parts if p[k] is not None]
        hidden = [p for p in parts if p[k] is None]
        if hidden:
            der = tv - sum(shown)
            if 1 <= der <= 10: leaks.append((where, k, der, len(hidden)))
    for p in parts:
        for k, v in p.items():
            if v is not None and 1 <= v <= 10: leaks.append((where, k, v, "shown"))
sg = d["subgroups"]
lv = {g: {name: counts(s, T) for name, s in v["levels"].items()} for g, v in sg.items()}
for g in sg: check(overall, list(lv[g].values()), g)
for g in sg:
    if "+" not in g: continue
    comps = g.split("+")
    for i, a in enumerate(comps):
        if a not in lv: continue
        for P, tot in lv[a].items():
            parts = [c for name, c in lv[g].items() if name.split("+")[i] == P]
            check(tot, parts, f"{g} within {a}={P}")
print("LEAKS" if leaks else "no derivable small count", leaks[:10])
sys.exit(1 if leaks else 0)
