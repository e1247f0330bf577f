#!/bin/sh
# Nightly monitor benchmark (issue 17's goal: 1,000,000 current cases x 50 features with cached
# reference statistics in <= 2 s on 2 cores): sh bench/monitor.sh [build/vigil]
# A reference file and a current file of N cases x 50 numeric features (seeded normal, a 0.02 SD
# shift in f0), a calibrated score and its 0/1 label. Two monitors on them: every feature only
# (prediction/label drift, CUSUM, CBPE and performance off) and the defaults with the score,
# label and a threshold. Each runs two nights: the first builds and caches the reference
# statistics, the second reads them from the store's cache. Whole-process wall, CPU (user +
# system) and peak RSS (GNU time), and vigil's own load / compute seconds. No peer: the drift
# benchmarks time the tests against scipy, NannyML and Evidently.
# BENCH_MONITOR_N overrides the number of cases per file.
set -eu
. "$(dirname "$0")/lib.sh"
case $VIGIL in /*) ;; *) VIGIL=$(pwd)/$VIGIL ;; esac
N=${BENCH_MONITOR_N:-1000000}
cd "$TMP"
$PY - "$N" <<'PY'
import json, sys
import numpy as np, pandas as pd
n = int(sys.argv[1])
for name, shift, seed, day in (("ref.csv", 0.0, 1, 1), ("cur.csv", 0.02, 2, 2)):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 50)).astype(np.float32)
    X[:, 0] += shift
    p = 1 / (1 + np.exp(-(0.4 * X[:, 0] + 0.3 * X[:, 1] - 2.0)))
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(50)])
    df.insert(0, "day", day)
    df["score"] = p
    df["label"] = (rng.random(n) < p).astype(np.int8)
    df.to_csv(name, index=False, float_format="%.6f")
feats = [f"f{j}" for j in range(50)]
base = {"data": {"path": "cur.csv", "columns": {"time": "day", "score": "score", "label": "label", "features": feats}},
        "reference_data": {"path": "ref.csv"}, "windows": {"current": {"from": 2, "to": 2}}, "alpha": 0.01}
only = dict(base, name="features-only", cusum=False, cbpe=False, performance=False, prediction_drift=False,
            label_drift=False)
json.dump(only, open("features.json", "w"))
json.dump(dict(base, name="defaults", threshold=0.2), open("defaults.json", "w"))
PY
night() { # monitor file, label
    /usr/bin/time -v "$VIGIL" monitor run "$1" --db "$TMP/m.db" --format json >"$TMP/o.json" 2>"$TMP/t.txt" || [ $? -le 1 ]
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/t.txt")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/t.txt")
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.1f", s }' "$TMP/t.txt")
    $PY - "$TMP/o.json" "$2" "$wall" "$cpu" "$rss" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["seconds"]
print("| %s | %s | %s | %s s | %.1f s | %.1f s | %d MB |" % (sys.argv[2], "hit" if d["cache"]["hit"] else "built",
      sys.argv[3], sys.argv[4], s["load"], s["compute"], int(sys.argv[5]) // 1024))
PY
}
{
    echo "vigil monitor run, $N current x $N reference cases x 50 features, $(nproc) CPUs, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1 /proc/loadavg)"
    echo
    echo "| monitor | reference statistics | wall | CPU | load (JSON) | compute (JSON) | peak RSS |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    night features.json "50 features only, night 1"
    night features.json "50 features only, night 2"
    night defaults.json "defaults (score, label, threshold), night 1"
    night defaults.json "defaults (score, label, threshold), night 2"
    echo
    echo "load at the end $(cut -d' ' -f1 /proc/loadavg)"
} | tee "$OUT/monitor.txt"
