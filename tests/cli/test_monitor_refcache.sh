#!/bin/sh
# vigil monitor run with a separate reference file ($.reference_data.path): the reference
# statistics are cached under the file's byte digest, the monitor file's text and the reference
# window, and a hit leaves the file unparsed (monitors/README.md, "The reference cache";
# tests/test_monitor.c checks that no table was loaded). Checked here: the second night's
# document is the first night's to the byte (minus seconds, run id, cache.hit, lock), and a
# fresh store's; the run records the file's SHA-256 (sha256sum) on a hit as on a parse and the
# store verifies; an entry replaced outside vigil is not used; an edited reference file misses
# and rebuilds (a fresh store's numbers on the edited file), then hits; another missing-value
# list misses; min_samples over the reference rows refuses the night; a monitor whose label
# drift reads the reference rows keeps parsing them (the value-keyed cache) and its label block.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

$PY - "$T" <<'PY'
import sys
import numpy as np
t = sys.argv[1]
for name, shift, seed, n in (("ref.csv", 0.0, 1, 1500), ("cur.csv", 0.15, 2, 1300)):
    rng = np.random.default_rng(seed)
    with open(f"{t}/{name}", "w") as f:
        f.write("day,a,b,tied,grp,score,label\n")
        for i in range(n):
            a = rng.normal() + shift
            b = "NA" if rng.random() < 0.05 else "%.3f" % rng.exponential()
            tied = int(rng.random() < 0.3)          # a 0/1 column: the permutation p
            grp = "xyz"[int(rng.random() * 3)]
            p = 1 / (1 + np.exp(-(0.5 * a - 1.5)))
            f.write("%d,%.6f,%s,%d,%s,%.6f,%d\n" % (2 if name == "cur.csv" else 1, a, b, tied, grp, p,
                                                    rng.random() < p))
PY

mon() { # NAME EXTRA_JSON
    cat > "$T/$1.json" <<EOF
{ "name": "$1",
  "data": { "path": "$T/cur.csv",
            "columns": { "time": "day", "score": "score", "label": "label", "features": ["a", "b", "tied", "grp"] },
            "types": { "grp": "categorical" } },
  "reference_data": { "path": "$T/ref.csv" },
  "windows": { "current": { "from": 2, "to": 2 } },
  "cusum": false, "cbpe": false, "performance": false, "label_drift": false, "prediction_drift": true ${2:+, $2} }
EOF
}
# the document without what differs between two runs of one night
strip() { grep -v '"load":\|"compute":\|"write":\|"run_id":\|"hit":\|"lock":' "$1"; }
same() { # A B WHAT
    if ! strip "$1" > "$T/a.txt" || ! strip "$2" > "$T/b.txt" || ! cmp -s "$T/a.txt" "$T/b.txt"; then
        echo "FAIL: $3: the documents differ"
        diff "$T/a.txt" "$T/b.txt" | head -20
        fails=$((fails + 1))
    fi
}

mon feat
run "$VIGIL" monitor run "$T/feat.json" --format json --db "$T/m.db"
expect_rc 1 "night 1 (a shifted feature alarms)"
expect_json "d['cache']['hit'] is False and d['cache']['key'].startswith('monitor-ref:')" "night 1 builds the reference statistics"
expect_json "d['windows']['reference']['n'] == 1500 and d['windows']['reference']['path'].endswith('ref.csv')" "night 1 reference window"
expect_json "d['features']['b']['missing_ref'] > 0 and d['features']['b']['n_ref'] + d['features']['b']['missing_ref'] == 1500" "night 1 missing_ref"
cp "$T/out" "$T/n1.json"
run "$VIGIL" monitor run "$T/feat.json" --format json --db "$T/m.db"
expect_rc 1 "night 2"
expect_json "d['cache']['hit'] is True" "night 2 takes the reference statistics from the cache"
cp "$T/out" "$T/n2.json"
same "$T/n1.json" "$T/n2.json" "night 2 (cache hit, reference file not parsed) against night 1"
/usr/bin/python3 -c "import json,sys; a, b = (json.load(open(p))['cache']['key'] for p in sys.argv[1:]); assert a == b" "$T/n1.json" "$T/n2.json" \
    || { echo "FAIL: the two nights' cache keys differ"; fails=$((fails + 1)); }
run "$VIGIL" monitor run "$T/feat.json" --format json --db "$T/fresh.db"
expect_json "d['cache']['hit'] is False" "a fresh store builds"
same "$T/n1.json" "$T/out" "a fresh store's night against the cached night"

# the run records the reference file's digest on a hit as on a parse (the bytes it stands for)
want=$(sha256sum "$T/ref.csv" | cut -d' ' -f1)
n=$($PY -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(' '.join(r[0] for r in c.execute(\"select sha256 from run_files where role = 'reference' order by run_id\")))" "$T/m.db")
[ "$n" = "$want $want" ] || { echo "FAIL: the reference file's digest recorded: '$n', expected '$want' twice"; fails=$((fails + 1)); }
run "$VIGIL" audit verify --db "$T/m.db"
expect_rc 0 "the cache entry and both nights verify"

# an entry replaced outside vigil (its window's rows 1500 -> 1499, the blob still well formed)
# is not the value the audit log recorded: not used, the statistics rebuilt from the file
cp "$T/m.db" "$T/tamper.db"
$PY - "$T/tamper.db" <<'PY'
import sqlite3, struct, sys
c = sqlite3.connect(sys.argv[1])
(key, v), = c.execute("select key, value from cache").fetchall()
v = bytearray(v)
assert v[:6] == b"VMRF1\x00" and struct.unpack("<Q", v[6:14])[0] == 1500
v[6:14] = struct.pack("<Q", 1499)
c.execute("update cache set value = ? where key = ?", (bytes(v), key))
c.commit()
PY
run "$VIGIL" monitor run "$T/feat.json" --format json --db "$T/tamper.db"
expect_json "d['cache']['hit'] is False" "a cache entry replaced outside vigil is not used"
same "$T/n1.json" "$T/out" "the night after a replaced entry (rebuilt from the file)"

# an edited reference file (one value) changes the digest: a miss, the statistics rebuilt
sed -i '2s/^1,[^,]*,/1,9.5,/' "$T/ref.csv"
run "$VIGIL" monitor run "$T/feat.json" --format json --db "$T/m.db"
expect_json "d['cache']['hit'] is False" "an edited reference file misses"
cp "$T/out" "$T/n3.json"
run "$VIGIL" monitor run "$T/feat.json" --format json --db "$T/fresh2.db"
same "$T/n3.json" "$T/out" "the rebuilt statistics are a fresh store's on the edited file"
$PY -c "
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a['features']['a']['tests']['wasserstein'] != b['features']['a']['tests']['wasserstein'], 'Wasserstein unchanged by the edit'" "$T/n1.json" "$T/n3.json" \
    || { echo "FAIL: the edit did not reach the numbers"; fails=$((fails + 1)); }
run "$VIGIL" monitor run "$T/feat.json" --format json --db "$T/m.db"
expect_json "d['cache']['hit'] is True" "the edited file's statistics cached in turn"
same "$T/n3.json" "$T/out" "the edited file's cached night"

# what shapes the statistics is in the key: another missing-value list misses (and b's
# missing count changes, as the parse gives)
mon miss '"min_samples": 10'
sed -i 's/"types": { "grp": "categorical" } }/"types": { "grp": "categorical" }, "missing": ["NA", "0.500"] }/' "$T/miss.json"
run "$VIGIL" monitor run "$T/miss.json" --format json --db "$T/m.db"
expect_json "d['cache']['hit'] is False" "another missing-value list misses"
cp "$T/out" "$T/miss1.json"
run "$VIGIL" monitor run "$T/miss.json" --format json --db "$T/m.db"
expect_json "d['cache']['hit'] is True" "and hits the next night"
same "$T/miss1.json" "$T/out" "the missing-value list's cached night"

# min_samples over the reference rows: the night refused, naming it (exit 2)
mon big '"min_samples": 1501'
run "$VIGIL" monitor run "$T/big.json" --db "$T/m.db"
expect_rc 2 "min_samples over the reference rows"
expect_err "fewer than min_samples = 1501" "names min_samples"

# label drift reads the reference rows: the file is parsed each night, the label block kept
mon lab '"label_drift": true'
sed -i 's/"label_drift": false, //' "$T/lab.json"
run "$VIGIL" monitor run "$T/lab.json" --format json --db "$T/m.db"
cp "$T/out" "$T/lab1.json"
expect_json "d['label']['n_ref'] == 1500" "label drift night 1"
run "$VIGIL" monitor run "$T/lab.json" --format json --db "$T/m.db"
expect_json "d['cache']['hit'] is True and d['label']['n_ref'] == 1500" "label drift night 2: the value-keyed cache, the rows parsed"
same "$T/lab1.json" "$T/out" "label drift's second night"

finish
