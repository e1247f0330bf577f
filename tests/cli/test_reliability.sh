#!/bin/sh
# Faults and load (issue 9): kill -9 at many points, concurrent writers, a full disk.
#  - kill loop: suites and monitors killed at 14 points from 0.02 s to 1.3 s; afterwards every
#    stored run is whole (completed, with a verdict) or marked interrupted, the audit chain
#    verifies, and the runs committed before are still there with the same digests;
#  - 8 monitors and 2 suites at once on one store: every run lands, none reports a locked db;
#  - a full disk (file-size limit) and an unwritable store path: exit 3/2, no partial run.
. "$(dirname "$0")/lib.sh"
S="$ROOT/suites/flchain-v2-vs-v1.json"
M1="$ROOT/monitors/flchain-temporal.json"
M2="$ROOT/monitors/flchain-stable.json"
DB="$T/k.db"
PY=/usr/bin/python3

run "$VIGIL" suite run "$S" --db "$DB" --format json
expect_rc 0 "a first complete suite run"
"$VIGIL" history --db "$DB" --format json > "$T/before.json"

i=0
for d in 0.02 0.05 0.1 0.15 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1.1 1.3; do
    i=$((i + 1))
    if [ $((i % 3)) = 0 ]; then cmd="monitor run $M1"; else cmd="suite run $S"; fi
    "$VIGIL" $cmd --db "$DB" >/dev/null 2>&1 &
    pid=$!
    sleep "$d"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
run "$VIGIL" audit verify --db "$DB"
expect_rc 0 "the audit chain verifies after 14 kills"
run "$VIGIL" history --db "$DB" --format json
expect_rc 0 "history after the kills"
$PY - "$T/before.json" "$T/out" <<'PY' || { echo "FAIL: the store after kill -9 is not whole"; fails=$((fails + 1)); }
import json, sys
before = {r["id"]: r for r in json.load(open(sys.argv[1]))["runs"]}
after = {r["id"]: r for r in json.load(open(sys.argv[2]))["runs"]}
for i, r in before.items():   # nothing committed is lost or changed
    assert after[i] == r, (i, r, after.get(i))
for r in after.values():      # whole, or marked interrupted; never half
    assert r["status"] in ("completed", "interrupted"), r
    if r["status"] == "completed":
        assert r["passed"] in (True, False) and r["finished_at"], r
    else:
        assert not r.get("finished_at"), r
# a process killed before it began its run leaves nothing; most kills land inside a run
assert len(before) + 10 <= len(after) <= len(before) + 14, (len(before), len(after))
assert any(r["status"] == "interrupted" for r in after.values()), "no kill landed inside a run"
PY

# Concurrency: 8 monitors (two monitor files, so some wait on the per-monitor lock) and 2
# suites at once on one store.
DB2="$T/c.db"
pids=""
for k in 1 2 3 4; do
    "$VIGIL" monitor run "$M1" --db "$DB2" >"$T/m1_$k.out" 2>"$T/m1_$k.err" &
    pids="$pids $!"
    "$VIGIL" monitor run "$M2" --db "$DB2" >"$T/m2_$k.out" 2>"$T/m2_$k.err" &
    pids="$pids $!"
done
for k in 1 2; do
    "$VIGIL" suite run "$S" --db "$DB2" >"$T/s_$k.out" 2>"$T/s_$k.err" &
    pids="$pids $!"
done
bad=0
for p in $pids; do
    wait "$p"
    r=$?
    [ "$r" -le 1 ] || bad=$((bad + 1))
done
[ "$bad" = 0 ] || { echo "FAIL: $bad concurrent runs exited with 2 or 3: $(cat "$T"/*.err | head -c 600)"; fails=$((fails + 1)); }
if cat "$T"/m1_*.err "$T"/m2_*.err "$T"/s_*.err | grep -qi "locked"; then
    echo "FAIL: 'database is locked' reached the user"; fails=$((fails + 1))
fi
run "$VIGIL" history --db "$DB2" --format json
$PY -c "
import json, sys
r = json.load(open('$T/out'))['runs']
assert len(r) == 10 and all(x['status'] == 'completed' for x in r), r
assert sum(x['kind'] == 'suite' for x in r) == 2
" || { echo "FAIL: not every concurrent run landed"; fails=$((fails + 1)); }
run "$VIGIL" audit verify --db "$DB2"
expect_rc 0 "audit chain after concurrent writers"

# A full disk: the file-size limit stops the store from growing (SIGXFSZ ignored, so writes
# fail with EFBIG as on a full disk). Exit 3, the message names the store, the run is marked
# failed, and the chain still verifies.
DB3="$T/f.db"
(trap '' XFSZ; ulimit -f 100; "$VIGIL" suite run "$S" --db "$DB3" >"$T/out" 2>"$T/err"; echo $? > "$T/rc")
rc=$(cat "$T/rc")
expect_rc 3 "suite on a full disk"
expect_err "f.db" "the full store is named"
run "$VIGIL" history --db "$DB3" --format json
expect_json "all(r['status'] in ('failed', 'interrupted') for r in d['runs'])" "no completed half run on a full disk"
run "$VIGIL" audit verify --db "$DB3"
expect_rc 0 "audit chain after a full disk"

# A store that cannot be created.
run "$VIGIL" suite run "$S" --db "$T/no/such/dir/v.db"
expect_rc 2 "a store in a missing directory"
expect_err "no/such/dir/v.db" "the store path is named"
# A read-only store. Root may write a 0444 file, so as root the check runs as an unprivileged
# user through a user namespace (unshare -U); where that is not possible it is skipped, visibly.
RO=$(mktemp -d /tmp/vigil-ro-XXXXXX)
chmod 755 "$RO"
cp "$DB2" "$RO/ro.db"
chmod 444 "$RO/ro.db"
as_user=""
if [ "$(id -u)" = 0 ]; then
    if unshare -U true 2>/dev/null; then as_user="unshare -U"; else as_user="skip"; fi
fi
if [ "$as_user" != skip ]; then
    before=$(sha256sum "$RO/ro.db")
    run $as_user "$VIGIL" suite run "$S" --db "$RO/ro.db"
    [ "$rc" = 2 ] || [ "$rc" = 3 ] || { echo "FAIL: read-only store: exit $rc, expected 2 or 3"; fails=$((fails + 1)); }
    expect_err "ro.db" "the read-only store is named"
    expect_err "read-only" "the message says read-only"
    [ "$(sha256sum "$RO/ro.db")" = "$before" ] || { echo "FAIL: the read-only store changed"; fails=$((fails + 1)); }
else
    echo "SKIP: read-only store check (running as root without user namespaces)"
fi
rm -rf "$RO"

# Allowed roots: with VIGIL_ROOTS set, every path a suite or monitor names must resolve (after
# "..", "." and symbolic links) inside one of them.
run env VIGIL_ROOTS="$ROOT" "$VIGIL" suite run "$S" --db "$T/roots.db"
expect_rc 0 "the shipped suite stays inside the repository root"
mkdir -p "$T/root/suites"
ln -s "$ROOT/datasets" "$T/root/datasets"
sed 's|"\.\./datasets/|"../datasets/|g' "$S" > "$T/root/suites/s.json"
run env VIGIL_ROOTS="$T/root" "$VIGIL" suite run "$T/root/suites/s.json" --db "$T/roots.db"
expect_rc 2 "a symbolic link out of the allowed root is refused"
expect_err "outside the allowed roots" "the escape is named"
expect_err "\$.model.candidate" "the JSON path is named"
run env VIGIL_ROOTS="$T/root" "$VIGIL" monitor run "$M2" --db "$T/roots.db"
expect_rc 2 "a monitor outside the allowed roots is refused"
expect_err "\$.data.path" "the monitor's JSON path is named"
finish
