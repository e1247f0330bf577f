# Sourced by bench/*.sh: the binary ($1, else $VIGIL, else build/vigil), the repository root,
# bench/out/ for the figures, a temporary directory removed on exit, Debian's python3 (the peers).
VIGIL=${1:-${VIGIL:-build/vigil}}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out"
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/vigil-bench-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
PY=/usr/bin/python3

# bench_suite_json B OUT: the shipped flchain suite on $TMP/cases.csv (bench/explain.py gen), its
# models and training file from this checkout, 3 group columns, B bootstrap replicates, as OUT
# (bench/suite.sh and bench/mpi_suite.sh time it).
bench_suite_json() {
    $PY - "$ROOT" "$TMP" "$1" "$2" <<'PY'
import json, sys
root, tmp, b, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
s = json.load(open(f"{root}/suites/flchain-v2-vs-v1.json"))
for k in ("candidate", "predecessor"):
    s["model"][k] = f"{root}/datasets/models/" + s["model"][k].rsplit("/", 1)[1]
s["data"]["path"] = f"{tmp}/cases.csv"
s["data"]["columns"]["groups"] = ["sex", "age_band", "flc_grp"]
s["training_data"]["path"] = f"{root}/datasets/flchain/train.csv"
s["bootstrap"] = b
json.dump(s, open(out, "w"), indent=1)
PY
}
