#!/bin/sh
# The audit trail against a forger who can write the store (tests/cli/forge_store.py re-seals
# the hash chain after each edit, so plain 'audit verify' passes): a signed checkpoint kept
# outside the store must catch every forgery. Plus keygen/checkpoint/sign/verify, history's
# operator, a read-only store and a new store's mode.
. "$(dirname "$0")/lib.sh"
FORGE="/usr/bin/python3 $ROOT/tests/cli/forge_store.py"
mkdir -p "$T/keys" "$T/store"
export VIGIL_DB="$T/store/vigil.db"
"$VIGIL" synth --out "$T/cases.csv" --rows 400 --seed 3 2>/dev/null
metrics() { "$VIGIL" metrics --data "$T/cases.csv" --score score --label label >/dev/null 2>&1; }
metrics; metrics

run "$VIGIL" audit keygen --out "$T/store/k.pem"; expect_rc 2 "keygen into the store's directory"
expect_err "store's directory" "says why"
run "$VIGIL" audit keygen --out "$T/keys/k.pem"; expect_rc 0 "keygen"
[ "$(stat -c %a "$T/keys/k.pem")" = 600 ] || { echo "FAIL: private key is not 0600"; fails=$((fails+1)); }
run "$VIGIL" audit keygen --out "$T/keys/k.pem"; expect_rc 2 "keygen over an existing key"
"$VIGIL" audit keygen --out "$T/keys/other.pem" >/dev/null 2>&1
PUB="$T/keys/k.pem.pub"
run "$VIGIL" audit checkpoint --key "$T/keys/k.pem" --out "$T/keys/c1.json"; expect_rc 0 "checkpoint"
/usr/bin/python3 -c "import json; d=json.load(open('$T/keys/c1.json')); assert d['tree_size']==4 and len(d['root'])==64 and len(d['signature'])==128" \
    || { echo "FAIL: checkpoint file format"; fails=$((fails+1)); }
metrics
run "$VIGIL" audit sign --run 3 --meaning approved --key "$T/keys/k.pem" --signer "Dr A. Reviewer"; expect_rc 0 "sign"
run "$VIGIL" audit sign --run 3 --meaning maybe --key "$T/keys/k.pem"; expect_rc 2 "sign with an unknown meaning"
run "$VIGIL" audit verify --checkpoint "$T/keys/c1.json" --pubkey "$PUB"; expect_rc 0 "verify against a checkpoint"
expect_out "extended (4 of 7 entries" "names the sizes"
run "$VIGIL" audit verify --checkpoint "$T/keys/c1.json" --pubkey "$T/keys/other.pem.pub"; expect_rc 1 "another key"
expect_out "not by the given public key" "names the key"
sed 's/"tree_size":[^,]*/"tree_size": 3/' "$T/keys/c1.json" > "$T/keys/edited.json"
run "$VIGIL" audit verify --checkpoint "$T/keys/edited.json" --pubkey "$PUB"; expect_rc 1 "an edited checkpoint"
expect_out "signature does not verify" "says so"
echo '{"vigil_checkpoint": 1}' > "$T/keys/bad.json"
run "$VIGIL" audit verify --checkpoint "$T/keys/bad.json" --pubkey "$PUB"; expect_rc 2 "not a checkpoint"
expect_err "\$.tree_size" "names the JSON path"
run "$VIGIL" history --format json; expect_json "d['runs'][0]['operator']['user'] and d['runs'][0]['operator']['uid'] >= 0" "history shows the operator"
cp "$VIGIL_DB" "$T/clean.db"

# each forgery re-seals the chain (plain verify passes) and fails against the checkpoint
forged() { # WHAT ARG DESCRIPTION MESSAGE
    cp "$T/clean.db" "$VIGIL_DB"; rm -f "$VIGIL_DB-wal" "$VIGIL_DB-shm"
    $FORGE "$VIGIL_DB" "$1" "$2"
    run "$VIGIL" audit verify --checkpoint "$T/keys/c1.json" --pubkey "$PUB"; expect_rc 1 "$3 against the checkpoint"
    expect_out "$4" "$3: names what failed"
}
cp "$T/clean.db" "$VIGIL_DB"; rm -f "$VIGIL_DB-wal" "$VIGIL_DB-shm"; $FORGE "$VIGIL_DB" verdict 1
run "$VIGIL" audit verify; expect_rc 0 "the forger's re-sealed chain verifies without a checkpoint"
forged verdict 1 "a forged verdict" "does not extend the checkpoint"
forged metric 2 "a forged metric" "does not extend the checkpoint"
forged delete 1 "a deleted run" "does not extend the checkpoint"
forged truncate 5 "a truncation" "were removed"
forged verdict 3 "a forged verdict of a signed run" "electronic signature"
# the report takes the checkpoints too (issue 19: a re-sealed store's report said "verified"):
# the clean store extends c1 (verified, the checkpoint named), the forged one does not (broken,
# NOT IMPLEMENTABLE), while without the checkpoint the forged chain alone still verifies
cp "$T/clean.db" "$VIGIL_DB"; rm -f "$VIGIL_DB-wal" "$VIGIL_DB-shm"
run "$VIGIL" report --run 1 --out "$T/rc0" --no-plots --checkpoint "$T/keys/c1.json" --pubkey "$PUB" --format json
expect_json "d['audit_ok'] is True" "report: the clean store extends the checkpoint"
/usr/bin/python3 -c "import json; a=json.load(open('$T/rc0/evidence.json'))['audit']; assert a['ok'] and len(a['checkpoints']) == 1 and a['checkpoints'][0]['ok'] and a['checkpoints'][0]['tree_size'] == 4, a" \
    || { echo "FAIL: the report's evidence does not name the verified checkpoint"; fails=$((fails+1)); }
grep -q "still extends each of the 1 signed checkpoint" "$T/rc0/report.md" || { echo "FAIL: the report does not say it checked the checkpoint"; fails=$((fails+1)); }
$FORGE "$VIGIL_DB" verdict 1
run "$VIGIL" report --run 1 --out "$T/rc1" --no-plots --format json
expect_json "d['audit_ok'] is True" "report: the re-sealed chain alone verifies (why a checkpoint is needed)"
grep -q "keep a signed checkpoint outside the store" "$T/rc1/report.md" || { echo "FAIL: the report does not say the chain alone cannot show a re-seal"; fails=$((fails+1)); }
run "$VIGIL" report --run 1 --out "$T/rc2" --no-plots --checkpoint "$T/keys/c1.json" --pubkey "$PUB" --format json
expect_rc 1 "report of a forged store with the checkpoint: not implementable"
expect_json "d['audit_ok'] is False and d['implementable'] is False" "report: the forged store does not extend the checkpoint"
grep -q "AUDIT CHAIN BROKEN" "$T/rc2/report.md" && grep -q "does not extend checkpoint 1" "$T/rc2/report.md" ||
    { echo "FAIL: the forged store's report does not say the checkpoint failed"; fails=$((fails+1)); }
run "$VIGIL" report --run 1 --out "$T/rc3" --no-plots --checkpoint "$T/keys/c1.json"; expect_rc 2 "report --checkpoint without --pubkey"
# a fork: an older copy of the store grows a different history past the checkpoint
cp "$T/clean.db" "$VIGIL_DB"; rm -f "$VIGIL_DB-wal" "$VIGIL_DB-shm"; $FORGE "$VIGIL_DB" truncate 6
metrics; metrics; metrics
run "$VIGIL" audit verify --checkpoint "$T/keys/c1.json" --pubkey "$PUB"; expect_rc 1 "a fork"
expect_out "does not extend the checkpoint" "a fork: names what failed"

# a store the user may only read (a user other than root is needed to take the write away)
cp "$T/clean.db" "$VIGIL_DB"; rm -f "$VIGIL_DB-wal" "$VIGIL_DB-shm"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
    chmod 755 "$T" "$T/store" "$T/keys"; chmod 644 "$VIGIL_DB" "$T/keys/c1.json"
else
    AS=""; chmod a-w "$VIGIL_DB" "$T/store"
fi
if $AS test -r "$VIGIL"; then
    run $AS "$VIGIL" audit verify --checkpoint "$T/keys/c1.json" --pubkey "$PUB"; expect_rc 0 "verify a read-only store"
    run $AS "$VIGIL" history; expect_rc 0 "history of a read-only store"
fi
chmod u+w "$T/store" "$VIGIL_DB"

# a new store is 0600 even when created through a dangling symlink or a file: URI
ln -s "$T/store/through-link.db" "$T/link.db"
VIGIL_DB="$T/link.db" metrics
[ "$(stat -c %a "$T/store/through-link.db")" = 600 ] || { echo "FAIL: store made through a symlink is not 0600"; fails=$((fails+1)); }
VIGIL_DB="file:$T/store/uri.db" metrics
[ "$(stat -c %a "$T/store/uri.db" 2>/dev/null)" = 600 ] || { echo "FAIL: store made from a file: URI is not 0600"; fails=$((fails+1)); }
# monitors write a signed checkpoint after each night ($.checkpoint): two nights, two new files
# (0600, never over one another) that verify; a forged alarm after them fails against both
mkdir -p "$T/mon/store" "$T/mon/ckpts"
MDB="$T/mon/store/vigil.db"
mon() { # FILE CHECKPOINT_JSON
    /usr/bin/python3 - "$ROOT" "$1" "$2" <<'EOF'
import json, sys
root, out, ck = sys.argv[1:]
m = json.load(open(root + "/monitors/flchain-temporal.json"))
m["data"]["path"] = root + "/datasets/flchain/cases.csv"
m.pop("on_alarm", None)
if ck: m["checkpoint"] = json.loads(ck)
json.dump(m, open(out, "w"), indent=1)
EOF
}
mon "$T/mon/m.json" '{"key": "../keys/k.pem", "out": "ckpts"}'
run "$VIGIL" monitor run "$T/mon/m.json" --db "$MDB" --format json; expect_rc 1 "night 1 (an alarm; 3 audit entries: begin, cached reference, end) with a checkpoint"
expect_json "d['checkpoint']['written'] is True and d['checkpoint']['tree_size'] == 3 and d['checkpoint']['file'].startswith('$T/mon/ckpts/flchain-temporal-')" "night 1: the checkpoint said in the JSON"
run "$VIGIL" monitor run "$T/mon/m.json" --db "$MDB"; expect_rc 1 "night 2"
[ ! -s "$T/err" ] || { echo "FAIL: a written checkpoint logged: $(head -c 300 "$T/err")"; fails=$((fails+1)); }
set -- "$T"/mon/ckpts/*.json
[ $# = 2 ] || { echo "FAIL: two nights wrote $# checkpoints"; fails=$((fails+1)); }
for c in "$@"; do [ "$(stat -c %a "$c")" = 600 ] || { echo "FAIL: $c is not 0600"; fails=$((fails+1)); }; done
run "$VIGIL" audit verify --db "$MDB" --checkpoint "$1" --checkpoint "$2" --pubkey "$PUB"; expect_rc 0 "both nights' checkpoints verify"
expect_out "extended (3 of 5 entries" "night 1's checkpoint: the tree after night 1"
expect_out "extended (5 of 5 entries" "night 2's checkpoint: the tree after night 2"
cp "$MDB" "$T/mon/clean.db"; rm -f "$MDB-wal" "$MDB-shm"
$FORGE "$MDB" verdict 1
run "$VIGIL" audit verify --db "$MDB"; expect_rc 0 "the forged alarm re-sealed verifies without a checkpoint"
run "$VIGIL" audit verify --db "$MDB" --checkpoint "$1" --checkpoint "$2" --pubkey "$PUB"; expect_rc 1 "a forged alarm against the nights' checkpoints"
expect_out "does not extend the checkpoint" "names what failed"
cp "$T/mon/clean.db" "$MDB"; rm -f "$MDB-wal" "$MDB-shm"

# refused when the file loads, before a night runs (nothing stored): a missing key, a file that
# is not a private key, a key in the store's directory, a missing directory, an unknown key
nights() { "$VIGIL" history --kind monitor --db "$MDB" --format json | /usr/bin/python3 -c "import json,sys; print(len(json.load(sys.stdin)['runs']))"; }
refused() { # CHECKPOINT_JSON MESSAGE WHAT
    mon "$T/mon/bad.json" "$1"
    run "$VIGIL" monitor run "$T/mon/bad.json" --db "$MDB"; expect_rc 2 "$3"
    expect_err "$2" "$3: says why"
    [ "$(nights)" = 2 ] || { echo "FAIL: $3: a night was stored"; fails=$((fails+1)); }
}
cp "$T/keys/k.pem" "$T/mon/store/k.pem"
refused '{"key": "../keys/nope.pem", "out": "ckpts"}' "\$.checkpoint.key: key '$T/mon/../keys/nope.pem': cannot open" "a missing key"
refused '{"key": "../keys/k.pem.pub", "out": "ckpts"}' "not a PEM private key" "a public key for the private one"
refused '{"key": "store/k.pem", "out": "ckpts"}' "is in the run store's directory" "a key in the store's directory"
refused '{"key": "../keys/k.pem", "out": "nope"}' "\$.checkpoint.out: '$T/mon/nope': No such file or directory" "a missing directory"
refused '{"key": "../keys/k.pem", "out": "ckpts", "signer": "x"}' "\$.checkpoint: unknown key 'signer'" "an unknown key"

# a checkpoint that fails after the night is stored loses nothing: the night is stored, stderr
# and $.checkpoint say why, the exit status is the night's. The directory goes while the night
# waits for its lock (held here by flock(1)), after the file was checked.
mkdir -p "$T/mon/late"
mon "$T/mon/late.json" '{"key": "../keys/k.pem", "out": "late"}'
LOCK=$("$VIGIL" monitor run "$T/mon/late.json" --db "$MDB" --verbose 2>&1 >/dev/null | sed -n 's/^vigil monitor: lock //p')
flock "$LOCK" sh -c "while [ ! -e '$T/mon/go' ]; do sleep 0.05; done" &
held=$!
# (each wait gives up after 30 s, so a broken run fails the test rather than hanging it)
i=0; while { ! [ -e "$LOCK" ] || flock -n "$LOCK" true; } && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
"$VIGIL" monitor run "$T/mon/late.json" --db "$MDB" --format json --verbose >"$T/out" 2>"$T/err" &
late=$!
i=0; while ! grep -q "^vigil monitor: lock" "$T/err" && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
rm -r "$T/mon/late"; touch "$T/mon/go"
wait $held; wait $late; rc=$?
expect_rc 1 "a failed checkpoint: the night's exit status (an alarm)"
expect_err "warning: the night's checkpoint was not written: checkpoint '$T/mon/late/flchain-temporal-" "says so on stderr"
expect_err "(the night is stored as run" "says the night is stored"
expect_json "d['checkpoint']['written'] is False and 'No such file or directory' in d['checkpoint']['error']" "and in the JSON"
[ "$(nights)" = 4 ] || { echo "FAIL: the night with the failed checkpoint was not stored"; fails=$((fails+1)); }
run "$VIGIL" audit verify --db "$MDB" --checkpoint "$1" --checkpoint "$2" --pubkey "$PUB"; expect_rc 0 "the store still extends the earlier checkpoints"
finish
