#!/usr/bin/python3
"""An attacker for the survival block's cell-size policy (tests/cli/test_survival.sh): from a
vigil metrics JSON, walk every survival block (overall and each subgroup level's) and derive the
counts it shows or implies -- its subjects, events by the horizon, censored before it, event-free
past it, and per calibration risk group its subjects, its events and the subjects without one
(n - events) -- and exit 1 listing any from 1 to min_cell - 1.
usage: small_cells_survival.py METRICS.json [MIN_CELL]"""
import json, sys
d = json.load(open(sys.argv[1]))
mc = int(sys.argv[2]) if len(sys.argv) > 2 else 11
leaks = []
def small(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < mc
def block(s, where):
    if not isinstance(s, dict) or s.get("withheld"):
        return
    for k in ("n", "events_by_horizon", "censored_before_horizon", "event_free_past_horizon"):
        if small(s.get(k)):
            leaks.append("%s: %s = %s" % (where, k, s[k]))
    cal = s.get("calibration") or {}
    for j, g in enumerate(cal.get("groups") or []):
        n, e = g.get("n"), g.get("events_by_horizon")
        for k, v in (("n", n), ("events", e), ("without an event", None if None in (n, e) else n - e)):
            if small(v):
                leaks.append("%s: risk group %d: %s = %s" % (where, j + 1, k, v))
block(d.get("survival"), "overall")
for gname, g in (d.get("subgroups") or {}).items():
    for lname, lv in (g.get("levels") or {}).items():
        block(lv.get("survival"), "%s = %s" % (gname, lname))
if leaks:
    print("\n".join(leaks))
    sys.exit(1)
