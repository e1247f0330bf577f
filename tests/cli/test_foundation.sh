#!/bin/sh
# Help, version, usage errors, history and audit end to end, including tampering with the
# store through the sqlite3 shell.
. "$(dirname "$0")/lib.sh"

run "$VIGIL" --version; expect_rc 0 "--version"; expect_out "vigil 0.1.0" "--version names the version"
expect_out "backends: cpu" "--version names the backends"
run "$VIGIL" help; expect_rc 0 "help"; expect_out "history" "help lists commands"
run "$VIGIL" help audit; expect_rc 0 "help audit"; expect_out "usage: vigil audit verify" "help CMD"
run "$VIGIL" help catalogue; expect_rc 0 "help catalogue"
expect_out "auroc" "the catalogue lists the AUROC"; expect_out "calibration_slope" "the catalogue lists the slope"
expect_out "DeLong" "the catalogue names each CI method"
run "$VIGIL" metrics --help; expect_out "vigil help catalogue" "metrics --help points at the catalogue"
run "$VIGIL" history --help; expect_rc 0 "CMD --help"; expect_out "usage: vigil history" "--help on stdout"
run "$VIGIL"; expect_rc 2 "no command"
run "$VIGIL" histroy; expect_rc 2 "unknown command"; expect_err "did you mean 'history'?" "suggests nearest"
run "$VIGIL" history --bogus; expect_rc 2 "unknown option"; expect_err "see 'vigil help history'" "points at help"
run "$VIGIL" history --format xml; expect_rc 2 "bad format"; expect_err "unknown format 'xml'" "names the format"
run "$VIGIL" history --db "$T/none.db"; expect_rc 2 "missing store"; expect_err "no run store at" "says no store"
[ -e "$T/none.db" ] && { echo "FAIL: listing created a store"; fails=$((fails+1)); }
run "$VIGIL" audit; expect_rc 2 "audit without subcommand"

# The history table prints a stored name escaped: a case file named with a terminal escape
# (the run takes its name from the file) must not reach the terminal raw.
esc="$T/cases$(printf '\033')[31m.csv"
"$VIGIL" synth --out "$esc" --rows 300 --seed 5 2>/dev/null
run "$VIGIL" metrics --data "$esc" --score score --label label --db "$T/esc.db"; expect_rc 0 "metrics on an odd file name"
run "$VIGIL" history --db "$T/esc.db"; expect_rc 0 "history of it"
if grep -q "$(printf '\033')" "$T/out"; then echo "FAIL: a raw escape byte reached the history table"; fails=$((fails + 1)); fi
expect_out 'cases\x1B[31m.csv' "the history table shows the name escaped"

# synth: same seed, same bytes; different seed, different bytes
run "$VIGIL" synth --out "$T/a.csv" --rows 500 --seed 7; expect_rc 0 "synth"
run "$VIGIL" synth --out "$T/b.csv" --rows 500 --seed 7; expect_rc 0 "synth again"
cmp -s "$T/a.csv" "$T/b.csv" || { echo "FAIL: synth is not deterministic"; fails=$((fails+1)); }
run "$VIGIL" synth --out "$T/c.csv" --rows 500 --seed 8
cmp -s "$T/a.csv" "$T/c.csv" && { echo "FAIL: synth ignores the seed"; fails=$((fails+1)); }
[ "$(wc -l < "$T/a.csv")" -eq 501 ] || { echo "FAIL: synth row count"; fails=$((fails+1)); }
run "$VIGIL" synth --out "$T/d.csv" --drift sideways; expect_rc 2 "synth bad drift"; expect_err "unknown drift 'sideways'" "names it"
run "$VIGIL" synth --out "$T/d.csv" --missing 1.5; expect_rc 2 "synth bad rate"; expect_err "missing rate 1.5" "names it"

# A store with runs (the test helper program writes them through the library), then tampering.
"$VIGIL" synth --out "$T/cases.csv" --rows 2000 --seed 3 2>/dev/null
run "$VIGIL" metrics --data "$T/cases.csv" --score score --label label --format json
expect_rc 0 "metrics stores a run"
expect_json "d['run_id'] == 1" "metrics prints its run_id"
if true; then
    run "$VIGIL" metrics --data "$T/cases.csv" --score score --label label --format json
    expect_rc 0 "metrics stores a run"
    run "$VIGIL" history --format json; expect_rc 0 "history json"
    expect_json "len(d['runs']) == 2 and d['runs'][0]['status'] == 'completed' and d['runs'][0]['kind'] == 'metrics'" "history lists both runs"
    expect_json "set(d['runs'][0]) >= {'id','kind','name','started_at','finished_at','status','passed'}" "history keys"
    run "$VIGIL" history; expect_rc 0 "history table"; expect_out "completed" "table shows status"
    run "$VIGIL" audit verify; expect_rc 0 "audit on an untouched store"; expect_out "audit chain verified" "says verified"
    command -v sqlite3 >/dev/null || { echo "FAIL: the sqlite3 shell is missing (make deps installs it)"; fails=$((fails+1)); }
    if command -v sqlite3 >/dev/null; then
        sqlite3 "$VIGIL_DB" "UPDATE metrics SET value = value + 0.01 WHERE run_id = 1 AND name = (SELECT name FROM metrics WHERE run_id = 1 LIMIT 1)"
        run "$VIGIL" audit verify; expect_rc 1 "audit after an edit"; expect_out "run 1: its stored results" "names the run"
        run "$VIGIL" audit verify --format json; expect_json "d['ok'] is False and d['first_bad'] > 0" "json verdict"
    fi
fi
finish
