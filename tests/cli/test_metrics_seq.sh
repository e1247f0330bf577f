#!/bin/sh
# Sequestration (issue 18): vigil metrics --train-ids FILE[:COLUMN] stores how many cases of the
# test set have an id that also occurs in the training file (sequestration.overlap: a count,
# never the ids; 1..10 withheld), records the training file with the run, warns on stderr, and
# the report shows the overlap with a warning when it is not 0. The counts are checked against
# Python's csv module and set intersection on the same files.
. "$(dirname "$0")/lib.sh"
VIGIL=${VIGIL:-$ROOT/build/vigil}
TEST="$ROOT/datasets/flchain/test.csv"
TRAIN="$ROOT/datasets/flchain/train.csv"

peer() { # peer TEST_FILE TEST_COL TRAIN_FILE TRAIN_COL: cases of the test set whose id is in training
    /usr/bin/python3 -c "import csv,sys; a={r[sys.argv[4]] for r in csv.DictReader(open(sys.argv[3]))}; print(sum(r[sys.argv[2]] in a for r in csv.DictReader(open(sys.argv[1]))))" "$@"
}

# The bundled split: disjoint.
run "$VIGIL" metrics --data "$TEST" --score score --label death_5y --train-ids "$TRAIN:case_id" --bootstrap 0 --format json
expect_rc 0 "metrics with --train-ids"
expect_json "d['sequestration']['overlap'] == $(peer "$TEST" case_id "$TRAIN" case_id) == 0 and d['sequestration']['key'] == 'case_id'" "the bundled split shares no case"
expect_json "d['training_data']['rows'] == 4607 and len(d['training_data']['sha256']) == 64" "the training file's digest is recorded"
if grep -q "not sequestered" "$T/err"; then echo "FAIL: a warning for a disjoint split"; fails=$((fails + 1)); fi
SEQ0=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")

# A training file that holds 30 of the test cases, its id column named differently (--id).
/usr/bin/python3 - "$TEST" "$TRAIN" "$T/train30.csv" "$T/train4.csv" <<'PY'
import csv, sys
test = [r["case_id"] for r in csv.DictReader(open(sys.argv[1]))]
train = [r["case_id"] for r in csv.DictReader(open(sys.argv[2]))]
for path, k in ((sys.argv[3], 30), (sys.argv[4], 4)):
    with open(path, "w") as f:
        f.write("pid,x\n")
        for i in train[:200] + test[100:100 + k]:
            f.write("%s,1\n" % i)
PY
run "$VIGIL" metrics --data "$TEST" --score score --label death_5y --id case_id --train-ids "$T/train30.csv:pid" --bootstrap 0 --format json
expect_rc 0 "an overlap is a warning, not a failure"
expect_json "d['sequestration']['overlap'] == $(peer "$TEST" case_id "$T/train30.csv" pid) == 30 and not d['sequestration']['overlap_suppressed']" "30 shared cases counted"
expect_err "30 cases of the test set have an id that also occurs in the training ids" "the overlap is warned about"
if grep -q "FLC" "$T/out" "$T/err"; then echo "FAIL: a case id is printed"; fails=$((fails + 1)); fi
SEQ30=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
/usr/bin/python3 - "$VIGIL_DB" <<'PY' || { echo "FAIL: a case id is stored"; fails=$((fails + 1)); }
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (body,) in db.execute("select body from documents"):
    assert "FLC0" not in body
PY

# 4 shared cases: a small cell, withheld everywhere.
run "$VIGIL" metrics --data "$TEST" --score score --label death_5y --id case_id --train-ids "$T/train4.csv:pid" --bootstrap 0 --format json
expect_rc 0 "a small overlap"
expect_json "d['sequestration']['overlap'] is None and d['sequestration']['overlap_suppressed'] is True" "4 shared cases withheld"
expect_err "1 to 10 (withheld, small cell) cases of the test set" "the warning does not print the small count"
SEQ4=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")

# The report: the count with a warning when it is not 0.
for r in "$SEQ0" "$SEQ30" "$SEQ4"; do
    run "$VIGIL" report --run "$r" --out "$T/r$r" --no-plots
    expect_rc 1 "report of run $r (no criteria)"
done
grep -qF 'Cases shared between test and training data (by case\_id): 0.' "$T/r$SEQ0/report.md" ||
    { echo "FAIL: the report does not show the zero overlap"; fails=$((fails + 1)); }
grep -qF 'Test set overlaps the training data:** 30 cases of the test set have an id (case\_id)' "$T/r$SEQ30/report.md" ||
    { echo "FAIL: the report does not warn about 30 shared cases: $(grep -n 'overlap\|shared' "$T/r$SEQ30/report.md")"; fails=$((fails + 1)); }
grep -qF 'Test set overlaps the training data:** 1 to 10 cases of the test set (the count is withheld' "$T/r$SEQ4/report.md" ||
    { echo "FAIL: the report does not warn about a withheld overlap"; fails=$((fails + 1)); }
/usr/bin/python3 -c "
import json, sys
e0, e30, e4 = (json.load(open('$T/r%s/evidence.json' % r))['sequestration'] for r in ('$SEQ0', '$SEQ30', '$SEQ4'))
assert e0 == {'key': 'case_id', 'overlap': 0, 'overlap_withheld': False, 'warning': False}, e0
assert e30['overlap'] == 30 and e30['warning'] and e4['overlap'] is None and e4['overlap_withheld'] and e4['warning'], (e30, e4)
" || { echo "FAIL: evidence.json lacks the sequestration count"; fails=$((fails + 1)); }
grep -q "train_ids" "$T/r$SEQ30/report.md" || { echo "FAIL: the training file is not in the lineage"; fails=$((fails + 1)); }

# A suite's $.data.train_ids: the same count in the suite's sequestration block (beside the
# drift gate's distinct_files), the training ids recorded with the run; monitors refuse the key.
suite() { # suite OUT TRAIN_IDS
    /usr/bin/python3 - "$ROOT/suites/flchain-v2-vs-v1.json" "$1" "$2" "$ROOT" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
root = sys.argv[4]
s["model"] = {k: root + "/datasets/models/" + v.split("/")[-1] for k, v in s["model"].items()}
s["data"]["path"] = root + "/datasets/flchain/test.csv"
s["training_data"]["path"] = root + "/datasets/flchain/train.csv"
s["data"]["train_ids"] = sys.argv[3]
s["bootstrap"] = 0
s["criteria"] = [c for c in s["criteria"] if c["rule"] not in ("non_inferior",)][:3]
json.dump(s, open(sys.argv[2], "w"))
PY
}
suite "$T/s30.json" "$T/train30.csv:pid"
run "$VIGIL" suite run "$T/s30.json" --format json
expect_rc 0 "suite with \$.data.train_ids"
SS=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
/usr/bin/python3 - "$VIGIL_DB" "$SS" <<'PY' || { echo "FAIL: the suite's stored sequestration block is wrong"; fails=$((fails + 1)); }
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
body = db.execute("select body from documents where run_id=? and name='result'", (int(sys.argv[2]),)).fetchone()[0]
sq = json.loads(body)["sequestration"]
assert sq["overlap"] == 30 and sq["key"] == "case_id" and sq["train_ids_column"] == "pid", sq
assert sq["distinct_files"] is True and sq["train_ids"]["rows"] == 230 and len(sq["train_ids"]["sha256"]) == 64, sq
assert "FLC0" not in body
PY
expect_err "30 cases of the test set have an id that also occurs in the training ids" "the suite warns about the overlap"
run "$VIGIL" report --run "$SS" --out "$T/rs" --no-plots
grep -qF 'Test set overlaps the training data:** 30 cases' "$T/rs/report.md" ||
    { echo "FAIL: the suite report does not warn about the overlap"; fails=$((fails + 1)); }
# $.data.delimiter applies to the training ids too (as metrics --delimiter does to --train-ids)
sed 's/,/;/g' "$ROOT/datasets/flchain/test.csv" > "$T/test_semi.csv"
sed 's/,/;/g' "$T/train30.csv" > "$T/train30_semi.csv"
/usr/bin/python3 -c "
import json; s = json.load(open('$T/s30.json')); s['data']['path'] = '$T/test_semi.csv'; s['data']['delimiter'] = ';'
s['data']['train_ids'] = '$T/train30_semi.csv:pid'; json.dump(s, open('$T/s30semi.json', 'w'))"
run "$VIGIL" suite run "$T/s30semi.json" --format json
expect_rc 0 "a ';'-separated suite with \$.data.train_ids"
expect_json "d['sequestration']['overlap'] == 30" "the ';' training ids are read at ';'"
suite "$T/sbad.json" "$T/train30.csv:case_id"
run "$VIGIL" suite run "$T/sbad.json" --format json
expect_rc 2 "suite whose training ids lack the column"
expect_err "no column 'case_id' (named by the id column of \$.data.train_ids in $T/sbad.json)" "names the suite's key"
/usr/bin/python3 -c "
import json; s = json.load(open('$T/s30.json')); del s['data']['columns']['id']; json.dump(s, open('$T/snoid.json', 'w'))"
run "$VIGIL" suite run "$T/snoid.json"
expect_rc 2 "train_ids without columns.id"
expect_err "snoid.json: \$.data.train_ids: needs the case file's id column (\$.data.columns.id) to compare with" "says what it needs"
/usr/bin/python3 -c "
import json; m = json.load(open('$ROOT/monitors/flchain-stable.json')); m['data']['train_ids'] = 'x.csv:id'
m['data']['path'] = '$ROOT/datasets/flchain/' + m['data']['path'].split('/')[-1]
json.dump(m, open('$T/m.json', 'w'))"
run "$VIGIL" monitor run "$T/m.json"
expect_rc 2 "a monitor with train_ids"
expect_err "\$.data.train_ids: monitors do not check sequestration" "monitors refuse the key, not ignore it"

# Usage and input errors name what is wrong.
run "$VIGIL" metrics --data "$TEST" --score score --label death_5y --train-ids "$TRAIN" --no-store
expect_rc 2 "--train-ids without a column"
expect_err "needs an id column: FILE:COLUMN, or --id COL" "says how to name the id column"
run "$VIGIL" metrics --data "$TEST" --score score --label death_5y --id case_id --no-store
expect_rc 2 "--id alone"
expect_err "--id is only used with --train-ids" "--id alone is refused, not ignored"
run "$VIGIL" metrics --data "$TEST" --score score --label death_5y --train-ids "$T/train30.csv:case_id" --no-store
expect_rc 2 "training file without the column"
expect_err "no column 'case_id' (named by the id column of --train-ids)" "names the training file's missing column"
run "$VIGIL" metrics --data "$TEST" --score score --label death_5y --train-ids "$T/nope.csv:case_id" --no-store
expect_rc 2 "no training file"
expect_err "--train-ids '$T/nope.csv'" "names the training file"
finish
