#!/usr/bin/python3
"""Before/after: the same workloads with two vigil binaries, in one run, runs interleaved
(A B A B ...) so that a drift in the machine's speed falls on both alike.

usage: bench/ab.py BEFORE_VIGIL AFTER_VIGIL [RUNS]      (from the repository root)

Prints, per workload, the median wall seconds of the whole process and the median of the
command's own `seconds.compute` (its JSON), for each binary, and after/before ratios.
A structural change should leave every ratio within noise (the issue-14 rule: no figure more
than 5% slower). Workload sizes are chosen so that one pass of all takes about a minute on
2 cores; BENCH_AB_SCALE multiplies them."""
import json, os, statistics, subprocess, sys, tempfile, time

before, after = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
scale = float(os.environ.get("BENCH_AB_SCALE", "1"))
PY = "/usr/bin/python3"
tmp = tempfile.mkdtemp(prefix="vigil-ab-")
allow = "age=bench: sampled from the de-identified bundled cohort"


def sh(*a):
    subprocess.run(a, check=True)


n_pred, n_met, n_drift, n_shap = (int(x * scale) for x in (300000, 200000, 100000, 20000))
sh(PY, "bench/explain.py", "gen", str(n_pred), f"{tmp}/cases.csv")
sh(PY, "bench/explain.py", "gen", str(n_shap), f"{tmp}/shap.csv")
sh(PY, "bench/metrics.py", "gen", str(n_met), f"{tmp}/met.csv")
sh(PY, "bench/drift.py", "gen", str(n_drift), "20", "0", f"{tmp}/ref.csv")
sh(PY, "bench/drift.py", "gen", str(n_drift), "20", "0.05", f"{tmp}/cur.csv")

model = "datasets/models/flchain_deep.json"
work = {
    "predict 300k x 300 trees (cpu, 2 threads)":
        ["predict", "--model", model, "--data", f"{tmp}/cases.csv", "--id", "case_id", "--backend", "cpu",
         "--allow-column", allow, "--out", f"{tmp}/p.csv", "--format", "json"],
    "explain TreeSHAP 20k x 300 trees (cpu)":
        ["explain", "--model", model, "--data", f"{tmp}/shap.csv", "--id", "case_id", "--backend", "cpu",
         "--no-store", "--allow-column", allow, "--out", f"{tmp}/s.csv", "--format", "json"],
    "metrics 200k, 3 groups, 200 replicates":
        ["metrics", "--data", f"{tmp}/met.csv", "--score", "score", "--label", "label", "--group", "sex",
         "--group", "age_band", "--group", "site", "--bootstrap", "200", "--seed", "1", "--no-store",
         "--format", "json"],
    "drift 100k vs 100k x 20 features":
        ["drift", "--reference", f"{tmp}/ref.csv", "--current", f"{tmp}/cur.csv", "--format", "json"],
    "drift MMD 2,000 rows, 200 permutations":
        ["drift", "--reference", f"{tmp}/ref.csv", "--current", f"{tmp}/cur.csv", "--mmd", "--mmd-rows", "2000",
         "--permutations", "200", "--format", "json"],
    "suite run (shipped flchain suite)":
        ["suite", "run", "suites/flchain-v2-vs-v1.json", "--db", "DB", "--format", "json"],
    "monitor run (shipped flchain-temporal)":
        ["monitor", "run", "monitors/flchain-temporal.json", "--db", "DB", "--format", "json"],
}


def once(binary, args, tag):
    args = [a.replace("DB", f"{tag}.db") for a in args]
    t = time.perf_counter()
    p = subprocess.run([binary] + args, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode > 1:
        sys.exit(f"{binary} {' '.join(args)}: exit {p.returncode}\n{p.stderr[-2000:]}")
    try:
        comp = json.loads(p.stdout).get("seconds", {}).get("compute")
    except ValueError:
        comp = None
    return wall, comp


print(f"before: {before}\nafter:  {after}\n{runs} interleaved runs each, {os.cpu_count()} CPUs, "
      f"{time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}")
print(f"| workload | before wall | after wall | after/before | before compute | after compute | after/before |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for name, args in work.items():
    res = {"b": [], "a": []}
    once(before, args, f"{tmp}/wb"), once(after, args, f"{tmp}/wa")  # warm-up, page cache
    for r in range(runs):
        res["b"].append(once(before, args, f"{tmp}/b"))
        res["a"].append(once(after, args, f"{tmp}/a"))
    med = {k: statistics.median(w for w, _ in v) for k, v in res.items()}
    cmp = {k: [c for _, c in v if c is not None] for k, v in res.items()}
    cm = {k: statistics.median(v) if v else None for k, v in cmp.items()}
    cstr = (f"{cm['b']:.3f} s | {cm['a']:.3f} s | {cm['a'] / cm['b']:.3f}" if cm["b"] and cm["a"]
            else "— | — | —")
    print(f"| {name} | {med['b']:.3f} s | {med['a']:.3f} s | {med['a'] / med['b']:.3f} | {cstr} |", flush=True)
