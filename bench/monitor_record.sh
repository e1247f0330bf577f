#!/bin/sh
# The monitor record (issue 17): `vigil report --monitor` and `vigil monitor export` over 365
# stored nights of a monitor with 10 features (40 cases a night, a seeded feed). No peer: the
# goal is the issue's (the report over 365 nights <= 2 s). Usage: sh bench/monitor_record.sh
# [VIGIL]; figures in $BENCH_OUT/monitor_record.txt (default bench/out).
set -u
V=${1:-${VIGIL:-build/vigil}}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
OUT=${BENCH_OUT:-bench/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
W=$(mktemp -d /tmp/vigil-bench-record-XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 3
/usr/bin/python3 - <<'PY'
import datetime, random
random.seed(1)
d0 = datetime.date(2025, 1, 1)
feats = ["f%d" % i for i in range(10)]
with open("feed.csv", "w") as f:
    f.write("day," + ",".join(feats) + ",score,label\n")
    for k in range(400):
        day = d0 + datetime.timedelta(days=k)
        for i in range(40):
            s = random.random() * 0.4 + 0.01
            f.write("%s,%s,%.4f,%d\n" % (day, ",".join("%.4f" % random.gauss(0, 1) for _ in feats), s, random.random() < s))
with open("m.json", "w") as f:
    f.write('{ "name": "bench", "data": { "path": "feed.csv", "columns": { "time": "day", "label": "label", '
            '"score": "score", "features": [%s] } }, "windows": { "reference": { "from": "2025-01-01", '
            '"to": "2025-01-31" }, "current": { "last_days": 1 } }, "min_samples": 20, '
            '"prediction_drift": true, "label_drift": true }\n' % ", ".join('"%s"' % x for x in feats))
PY
export VIGIL_DB="$W/v.db"
d=0
while [ $d -lt 365 ]; do
    "$V" monitor run m.json --now "$(date -u -d "2025-02-01 + $d days" +%F)" >/dev/null 2>&1
    d=$((d + 1))
done
t() { /usr/bin/time -f "%e s, %M KB peak" "$@" 2>&1 >/dev/null | tail -1; }
{
    echo "monitor record, 365 nights x 10 features: $(nproc) cores"
    echo "  report --monitor --no-plots: $(t "$V" report --monitor bench --out r1 --no-plots)"
    echo "  report --monitor (plots):    $(t "$V" report --monitor bench --out r2) ($(ls r2/plot-*.svg 2>/dev/null | wc -l) plots)"
    echo "  monitor export openmetrics:  $(t "$V" monitor export bench --format openmetrics)"
    echo "  monitor export csv:          $(t "$V" monitor export bench --format csv)"
} | tee "$OUT/monitor_record.txt"
