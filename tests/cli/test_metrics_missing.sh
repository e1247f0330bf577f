#!/bin/sh
# Missing values per feature of the test set (issue 18): `vigil metrics` stores, for every
# numeric column of the case file it does not use (score, label and groups are not features),
# how many cases lack a value, against pandas (Debian python3-pandas, read_csv with vigil's
# missing set "", "NA", "NaN", "null"); a count of 1..10 (or one leaving 1..10 with a value) is
# withheld; a text column is not a feature; a column numeric in the reader's sample (10000 rows)
# and text after it is still counted, not an error; the report shows the table.
. "$(dirname "$0")/lib.sh"
VIGIL=${VIGIL:-$ROOT/build/vigil}

/usr/bin/python3 - "$T/cases.csv" <<'PY'
import random, sys
random.seed(18)
with open(sys.argv[1], "w") as f:
    f.write("score,label,site,a,b,c,d,note,late\n")
    for i in range(10050):
        p = random.random()
        y = int(random.random() < p)
        b = "" if i < 5 else "%.3f" % random.random()          # 5 missing: withheld
        c = "NA" if i % 100 == 7 else "%.2f" % random.gauss(0, 1)  # 101 missing
        d = ["null", "NaN", ""][i % 3] if i % 400 == 3 else str(i % 9)  # 26 missing
        late = "n/a" if i == 10040 else ("" if i % 1000 == 1 else str(i))  # text after the sample
        f.write("%.4f,%d,%s,%d,%s,%s,%s,%s,%s\n" % (p, y, "AB"[i % 2], i % 7, b, c, d, "x%d" % (i % 5), late))
PY
run "$VIGIL" metrics --data "$T/cases.csv" --score p --label label --no-store --format json
expect_rc 2 "a score column the file lacks"
run "$VIGIL" metrics --data "$T/cases.csv" --score score --label label --group site --bootstrap 0 --format json
expect_rc 0 "metrics with missing features"
RUN=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
/usr/bin/python3 - "$T/out" "$T/cases.csv" <<'PY' || { echo "FAIL: missing counts differ from pandas'"; fails=$((fails + 1)); }
import json, sys
import pandas as pd
d = json.load(open(sys.argv[1]))["missingness"]
df = pd.read_csv(sys.argv[2], keep_default_na=False, na_values=["", "NA", "NaN", "null"], dtype=str)
assert d["n"] == len(df) == 10050, d["n"]
assert list(d["columns"]) == ["a", "b", "c", "d", "late"], list(d["columns"])  # roles and text left out
for col, x in d["columns"].items():
    k = int(df[col].isna().sum())
    if 0 < k < 11:
        assert x["suppressed"] and x["missing"] is None and x["rate"] is None, (col, x)
    else:
        assert not x["suppressed"] and x["missing"] == k and abs(x["rate"] - k / len(df)) < 1e-15, (col, x, k)
assert d["columns"]["c"]["missing"] == 101 and d["columns"]["late"]["missing"] == 11, d
PY
run "$VIGIL" report --run "$RUN" --out "$T/r" --no-plots
expect_rc 1 "report of the run (no criteria: not implementable)"
/usr/bin/python3 - "$T/r/report.md" <<'PY' || { echo "FAIL: the report's missing-value table is wrong"; fails=$((fails + 1)); }
import sys
md = open(sys.argv[1]).read()
sec = md[md.index("Missing values per feature in the test set"):]
for row in ("| a | 0 | 0.0 |", "| b | suppressed (cell-size policy) | suppressed (cell-size policy) |", "| c | 101 | 1.0 |", "| d | 26 | 0.3 |",
            "| late | 11 | 0.1 |"):
    assert row in sec, (row, sec[:600])
assert "| note |" not in sec and "| score |" not in sec
PY

# Column names reach the report through the table: escaped in HTML and Markdown, never markup.
/usr/bin/python3 - "$T/h.csv" <<'PY'
import random, sys
random.seed(2)
with open(sys.argv[1], "w") as f:
    f.write('score,label,"<img src=x onerror=alert(1)>",b|c\n')
    for i in range(300):
        p = random.random()
        f.write("%.3f,%d,%s,%d\n" % (p, random.random() < p, "" if i % 10 == 0 else "1", i))
PY
run "$VIGIL" metrics --data "$T/h.csv" --score score --label label --bootstrap 0 --format json
expect_rc 0 "metrics with hostile column names"
HR=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$VIGIL" report --run "$HR" --out "$T/hr" --no-plots
if grep -q "<img" "$T/hr/report.html" || ! grep -qF '&lt;img src=x onerror=alert(1)&gt;</td><td class="num">30</td>' "$T/hr/report.html" ||
    ! grep -qF '| b\|c | 0 | 0.0 |' "$T/hr/report.md"; then
    echo "FAIL: a feature's name is not escaped in the missing-value table"; fails=$((fails + 1))
fi
# A wide file (issue 19): 5,000 features before the score and the label, every one re-read by
# the missing-value count (each kept name found through the header's hash, no value kept).
# The counts against Python's csv module; a count of 1..10 withheld; a text feature left out.
/usr/bin/python3 - "$T/wide.csv" <<'PY'
import random, sys
random.seed(19)
N, R = 5000, 40
with open(sys.argv[1], "w") as f:
    f.write(",".join("f%d" % j for j in range(N)) + ",note,score,label\n")
    for i in range(R):
        p = random.random()
        row = ["" if (i * 7 + j) % (j % 13 + 2) == 0 else ("NA" if j % 97 == 0 and i < j % 5 else str((i + j) % 10))
               for j in range(N)]
        f.write(",".join(row) + ",x%d,%.4f,%d\n" % (i % 3, p, i % 2))
PY
run "$VIGIL" metrics --data "$T/wide.csv" --score score --label label --bootstrap 0 --no-store --format json
expect_rc 0 "metrics on 5,000 features"
/usr/bin/python3 - "$T/out" "$T/wide.csv" <<'PY' || { echo "FAIL: the wide file's missing counts differ from Python's csv"; fails=$((fails + 1)); }
import csv, json, sys
d = json.load(open(sys.argv[1]))["missingness"]
rows = list(csv.reader(open(sys.argv[2], newline="")))
head, body = rows[0], rows[1:]
assert d["n"] == len(body) == 40, d["n"]
feats = [h for h in head if h.startswith("f")]
assert list(d["columns"]) == feats, (len(d["columns"]), list(d["columns"])[:5])  # note, score, label left out
seen = {"shown": 0, "withheld": 0, "none": 0}
for j, col in enumerate(feats):
    k = sum(r[j] in ("", "NA", "NaN", "null") for r in body)
    x = d["columns"][col]
    if 0 < k < 11 or 0 < len(body) - k < 11:
        assert x["suppressed"] and x["missing"] is None, (col, x, k)
        seen["withheld"] += 1
    else:
        assert not x["suppressed"] and x["missing"] == k and abs(x["rate"] - k / 40) < 1e-15, (col, x, k)
        seen["shown" if k else "none"] += 1
assert min(seen.values()) > 0, seen  # every case of the policy occurs
PY
finish
