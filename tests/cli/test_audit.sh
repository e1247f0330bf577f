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
finish
