# Sourced by bench/*.sh: the binary ($1, else $VIGIL, else build/vigil), the repository root,
# bench/out/ for the figures, a temporary directory removed on exit, Debian's python3 (the peers).
VIGIL=${1:-${VIGIL:-build/vigil}}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out"
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/vigil-bench-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
PY=/usr/bin/python3
