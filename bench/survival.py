"""Data for bench/survival.sh: N subjects with a follow-up time (exponential event and
censoring times, about 40% censored by H = 5), an event flag, a predicted 5-year risk and a
4-level site. Usage: python3 bench/survival.py N OUT.csv"""
import sys
import numpy as np

n, out = int(sys.argv[1]), sys.argv[2]
g = np.random.default_rng(16)
x = g.normal(size=n)
t = g.exponential(1 / (0.1 * np.exp(0.8 * x)))
c = g.exponential(1 / 0.08, size=n)
time = np.maximum(np.round(np.minimum(t, c), 2), 0.01)  # two decimals: tied times
event = (t <= c).astype(int)
risk = np.round(1 - np.exp(-0.1 * np.exp(0.9 * x + g.normal(scale=0.3, size=n)) * 5), 4)
site = np.array(["a", "b", "c", "d"])[g.integers(0, 4, size=n)]
with open(out, "w") as f:
    f.write("id,time,event,risk,site\n")
    for i in range(n):
        f.write(f"{i + 1},{time[i]:.2f},{event[i]},{risk[i]:.4f},{site[i]}\n")
