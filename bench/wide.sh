#!/bin/sh
# Wide files (issue 19): `vigil metrics --data F --score s --label y` on a header of N columns,
# N-2 numeric features f1.. (every 7th value missing) then the score and the label as the last
# two columns, WIDE_ROWS data rows. Wall seconds and peak RSS from GNU time, per N; a run past
# WIDE_TIMEOUT seconds is killed and shown as such. sh bench/wide.sh [build/vigil]
#   WIDE_COLS="10000 100000 1000000" WIDE_ROWS=20 WIDE_TIMEOUT=300
# Results go to bench/out/wide.txt; bench/RESULTS.md ("Wide files (issue 19)") keeps the figures.
set -eu
. "$(dirname "$0")/lib.sh"
COLS=${WIDE_COLS:-10000 100000 1000000}
ROWS=${WIDE_ROWS:-20}
LIMIT=${WIDE_TIMEOUT:-300}
: > "$OUT/wide.txt"
for n in $COLS; do
    F="$TMP/wide_$n.csv"
    awk -v n="$n" -v rows="$ROWS" 'BEGIN { srand(19);
        for (j = 1; j <= n - 2; j++) printf "f%d,", j; printf "s,y\n";
        for (i = 0; i < rows; i++) {
            for (j = 1; j <= n - 2; j++) printf "%s,", ((i + j) % 7 == 0 ? "" : (i * j) % 10);
            printf "%.3f,%d\n", (i % 10) / 10 + 0.05, i % 2 }
    }' > "$F"
    mb=$(du -m "$F" | cut -f1)
    set +e
    VIGIL_DB="$TMP/store.db" /usr/bin/time -f "%e %M" -o "$TMP/time" timeout "$LIMIT" \
        "$VIGIL" metrics --data "$F" --score s --label y --bootstrap 0 --no-store --format json \
        > "$TMP/out" 2> "$TMP/err"
    rc=$?
    set -e
    if [ "$rc" = 124 ]; then
        line=$(tail -1 "$TMP/time" | awk -v n="$n" -v r="$ROWS" -v mb="$mb" -v l="$LIMIT" '{ printf "wide: %d columns x %d rows (%d MB): killed at %d s, peak RSS %.0f MB by then\n", n, r, mb, l, $2 / 1024 }')
    else
        feats=$(/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['missingness']['columns']))" "$TMP/out" 2>/dev/null || echo "?")
        line=$(tail -1 "$TMP/time" | awk -v n="$n" -v r="$ROWS" -v mb="$mb" -v rc="$rc" -v f="$feats" '{ printf "wide: %d columns x %d rows (%d MB): exit %d, %.2f s, peak RSS %.0f MB, %s features counted\n", n, r, mb, rc, $1, $2 / 1024, f }')
    fi
    echo "$line" | tee -a "$OUT/wide.txt"
    rm -f "$F"
done
