#!/bin/sh
# CSV reading: 1,000,000 rows x 50 numeric columns, vigil's reader against pandas.read_csv
# (Debian python3-pandas), same file, same machine, same run. Peak memory from GNU time.
set -eu
B=${BENCH_OUT:-bench/out}; BIN=${BENCH_BIN:-build/bench}
ROWS=${CSV_ROWS:-1000000}
mkdir -p "$B"
F="$B/numeric_${ROWS}x50.csv"
if [ ! -s "$F" ]; then
    echo "csv: generating $F" >&2
    awk -v rows="$ROWS" 'BEGIN { srand(42);
        for (j = 1; j <= 50; j++) printf "%sc%d", (j > 1 ? "," : ""), j; printf "\n";
        for (i = 0; i < rows; i++) { for (j = 1; j <= 50; j++) printf "%s%.6f", (j > 1 ? "," : ""), (rand() - 0.5) * 200; printf "\n" } }' > "$F"
fi
MB=$(du -m "$F" | cut -f1)
cat "$F" > /dev/null # warm the page cache for both readers alike
/usr/bin/time -f "%e %M" -o "$B/csv_vigil.time" "$BIN/csv_read" "$F" > "$B/csv_vigil.out"
/usr/bin/time -f "%e %M" -o "$B/csv_pandas.time" /usr/bin/python3 -c "
import sys, time, pandas as pd
t = time.time(); d = pd.read_csv(sys.argv[1]); dt = time.time() - t
print(f'rows={len(d)} cols={d.shape[1]} seconds={dt:.3f} pandas={pd.__version__}')" "$F" > "$B/csv_pandas.out"
vs=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' "$B/csv_vigil.out"); ps=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' "$B/csv_pandas.out")
vm=$(cut -d' ' -f2 "$B/csv_vigil.time"); pm=$(cut -d' ' -f2 "$B/csv_pandas.time")
tb=$(sed 's/.*table_bytes=\([0-9]*\).*/\1/' "$B/csv_vigil.out")
awk -v mb="$MB" -v vs="$vs" -v ps="$ps" -v vm="$vm" -v pm="$pm" -v tb="$tb" -v pv="$(sed 's/.*pandas=//' "$B/csv_pandas.out")" 'BEGIN {
  printf "csv: file %d MB, %s\n", mb, "1M rows x 50 numeric columns";
  printf "csv: vigil  parse %.2f s = %.0f MB/s, peak RSS %.0f MB (%.2fx the %.0f MB double table)\n", vs, mb / vs, vm / 1024, vm * 1024 / tb, tb / 1048576;
  printf "csv: pandas %s parse %.2f s = %.0f MB/s, peak RSS %.0f MB\n", pv, ps, mb / ps, pm / 1024;
  printf "csv: vigil/pandas throughput ratio %.2fx, memory ratio %.2fx\n", ps / vs, vm / pm }' | tee "$B/csv.txt"
