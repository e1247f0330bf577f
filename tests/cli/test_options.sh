#!/bin/sh
# The option tables (src/cli/options.h) end to end: nearest-option hints, --opt=value and
# --opt value alike, unique prefixes, missing and unexpected values, repeatable options and
# their cap, "--", and the --help option list generated from the same table the parser reads.
. "$(dirname "$0")/lib.sh"

# -- unknown options and the nearest-option hint
run "$VIGIL" drift --bakend cpu --reference x.csv
expect_rc 2 "unknown option"
expect_err "vigil drift: unknown option '--bakend'; did you mean '--backend'?" "hint names the nearest option"
expect_err "see 'vigil help drift'" "points at help"
run "$VIGIL" history --kidn=suite
expect_rc 2 "unknown option with =value"
expect_err "unknown option '--kidn'; did you mean '--kind'?" "hint without the value"
run "$VIGIL" synth --zzzzzzzz 3
expect_rc 2 "far-off unknown option"
expect_err "unknown option '--zzzzzzzz'" "names it"
if grep -q "did you mean" "$T/err"; then echo "FAIL: no hint for a far-off name"; fails=$((fails + 1)); fi
run "$VIGIL" predict -q
expect_rc 2 "unknown short option"; expect_err "unknown option '-q'" "short option named"

# -- --opt=value, --opt value and a unique prefix give the same run
run "$VIGIL" synth --out="$T/a.csv" --rows=40 --seed=7 --drift=label --shift=0.25
expect_rc 0 "--opt=value"
run "$VIGIL" synth --out "$T/b.csv" --rows 40 --seed 7 --drift label --shift 0.25
expect_rc 0 "--opt value"
run "$VIGIL" synth --ou "$T/c.csv" --ro 40 --see 7 --drift label --shi 0.25
expect_rc 0 "unique prefixes"
cmp -s "$T/a.csv" "$T/b.csv" || { echo "FAIL: --opt=value and --opt value differ"; fails=$((fails + 1)); }
cmp -s "$T/a.csv" "$T/c.csv" || { echo "FAIL: prefixes parse differently"; fails=$((fails + 1)); }
[ "$(wc -l <"$T/a.csv")" -eq 41 ] || { echo "FAIL: --rows=40 gave $(wc -l <"$T/a.csv") lines"; fails=$((fails + 1)); }
run "$VIGIL" synth --out "$T/d.csv" --rows 40 --seed 8
cmp -s "$T/a.csv" "$T/d.csv" && { echo "FAIL: --seed=7 was not read"; fails=$((fails + 1)); }
run "$VIGIL" drift --m 1
expect_rc 2 "ambiguous prefix"; expect_err "option '--m' is ambiguous (--mmd, --mmd-rows)" "lists the candidates"

# -- values: missing, unwanted, malformed, restricted
run "$VIGIL" predict --data x.csv --model
expect_rc 2 "missing value"; expect_err "vigil predict: option '--model' needs a value" "names the option"
run "$VIGIL" drift --reference a.csv --mmd=yes
expect_rc 2 "flag with a value"; expect_err "option '--mmd' takes no value" "flag refuses a value"
run "$VIGIL" synth --out "$T/e.csv" --rows=many
expect_rc 2 "integer"; expect_err "--rows expects a non-negative integer, got 'many'" "names the value"
run "$VIGIL" synth --out "$T/e.csv" --shift=-
expect_rc 2 "number"; expect_err "--shift expects a number, got '-'" "names the value"
run "$VIGIL" synth --out "$T/e.csv" --shift -0.5 --rows 5
expect_rc 0 "a value may start with '-'"
run "$VIGIL" drift --reference a.csv --current b.csv --correction=sidak
expect_rc 2 "choice"; expect_err "--correction expects holm, bh or none, got 'sidak'" "lists the choices"

# -- repeatable options and their cap; "--" ends the options
set --; i=0; while [ $i -lt 33 ]; do set -- "$@" --allow-column "c$i=why"; i=$((i + 1)); done
run "$VIGIL" predict "$@" --model m --data d --out o
expect_rc 2 "list cap"; expect_err "at most 32 --allow-column options" "names the cap"
run "$VIGIL" history -- --kind
expect_rc 2 "after --"; expect_err "unexpected argument '--kind'" "-- ends the options"
run "$VIGIL" audit --format=json
expect_rc 2 "positional still required"; expect_err "missing subcommand (expected verify, keygen, checkpoint or sign)" "audit needs a subcommand"

# -- the commands converted from getopt: the hint, --opt=value, a missing value, table help
D="$ROOT/datasets"
OK="--allow-column=age=public-research-cohort"
run "$VIGIL" replay --shadw shadow_score
expect_rc 2 "replay: unknown option"; expect_err "vigil replay: unknown option '--shadw'; did you mean '--shadow'?" "replay: hint"
run "$VIGIL" replay --model="$D/models/flchain_v2.json" --data="$D/flchain/test.csv" --shadow=shadow_score \
    --id=case_id --max-ids=2 --tolerance=1e-6 --no-store $OK --format=json
expect_rc 1 "replay: --opt=value"
expect_json "len(d['disagreeing_ids']) == 2 and d['disagreeing_ids'][0].startswith('FLC')" "replay: --max-ids=2 and --id=case_id read"
run "$VIGIL" replay --model m --data d --shadow
expect_rc 2 "replay: missing value"; expect_err "vigil replay: option '--shadow' needs a value" "replay: names it"
run "$VIGIL" replay --tolerance=-1 --model m --data d --shadow s
expect_rc 2 "replay: range checked after parsing"; expect_err "vigil replay: --tolerance must be >= 0" "replay: tolerance"
run "$VIGIL" replay --help
expect_out "  --max-ids N    disagreeing ids listed (default 20)" "replay: help lists the table's options"
expect_out "Exit status: 0 reproduced" "replay: epilogue kept"

R="$ROOT/tests/reference/shap"
run "$VIGIL" explain --bakground x.csv
expect_rc 2 "explain: unknown option"; expect_err "vigil explain: unknown option '--bakground'; did you mean '--background'?" "explain: hint"
run "$VIGIL" explain --model="$D/models/flchain_mlp.json" --data="$R/mlp_rows.csv" --background="$R/mlp_background.csv" \
    --out="$T/k.csv" --mlp-method=kernel --samples=64 --seed=3 --no-store $OK --format=json
expect_rc 0 "explain: --opt=value"
expect_json "d['kernel_shap']['samples'] == 64 and d['method'].startswith('KernelSHAP')" "explain: --samples=64 and --mlp-method=kernel read"
run "$VIGIL" explain --model m --data d --out
expect_rc 2 "explain: missing value"; expect_err "vigil explain: option '--out' needs a value" "explain: names it"
run "$VIGIL" explain --samples=0 --model m --data d --out o
expect_rc 2 "explain: --samples 0 given"; expect_err "vigil explain: --samples must be at least 16" "explain: a given 0 is not the default"
set --; i=0; while [ $i -lt 17 ]; do set -- "$@" --group "g$i"; i=$((i + 1)); done
run "$VIGIL" explain "$@" --model m --data d --out o
expect_rc 2 "explain: group cap"; expect_err "vigil explain: at most 16 --group columns" "explain: names the cap"
run "$VIGIL" explain --help
expect_out "  --mlp-method M  MLP: auto (default: exact up to 12 features), exact (up to 20) or" "explain: help lists the table's options"
expect_out "completeness.max_abs_error is the largest" "explain: epilogue kept"

F="$ROOT/tests/bad_inputs/files"
run "$VIGIL" metrics --lable y
expect_rc 2 "metrics: unknown option"; expect_err "vigil metrics: unknown option '--lable'; did you mean '--label'?" "metrics: hint"
run "$VIGIL" metrics --data="$F/good.csv" --score=score --label=y --threshold=0.3 --threshold=0.3 --bootstrap=0 \
    --seed=9 --no-store --format=json
expect_rc 0 "metrics: --opt=value"
expect_json "d['threshold']['value'] == 0.3 and d['bootstrap']['replicates'] == 0 and d['bootstrap']['seed'] == 9" "metrics: --threshold=, --bootstrap=, --seed= read"
run "$VIGIL" metrics --score score --label y --data
expect_rc 2 "metrics: missing value"; expect_err "vigil metrics: option '--data' needs a value" "metrics: names it"
run "$VIGIL" metrics --data d --score s --label y --min-cell=0
expect_rc 2 "metrics: --min-cell 0 given"; expect_err "vigil metrics: --min-cell must be at least 1" "metrics: a given 0 is not the default"
run "$VIGIL" metrics --data d --score s --label y --threshold=high
expect_rc 2 "metrics: threshold number"; expect_err "vigil metrics: --threshold expects a number, got 'high'" "metrics: names the value"
run "$VIGIL" metrics --help
expect_out "  --lowess-bootstrap M  bootstrap Eavg/E50/E90/Emax as well (auto, on or off): one lowess" "metrics: help lists the table's options"
expect_out "JSON: n, prevalence" "metrics: epilogue kept"

run "$VIGIL" monitor run --lock-timout 3 x.json
expect_rc 2 "monitor: unknown option"; expect_err "vigil monitor: unknown option '--lock-timout'; did you mean '--lock-timeout'?" "monitor: hint"
run "$VIGIL" monitor run "$ROOT/monitors/flchain-stable.json" --db="$T/m.db" --lock-timeout=5 --threads=2 --format=json
expect_rc 0 "monitor: --opt=value"
expect_json "d['run_id'] == 1 and d['lock'].startswith('$T/m.db.monitor-')" "monitor: --db= read (the lock sits beside it)"
run "$VIGIL" monitor run "$ROOT/monitors/flchain-stable.json" --now=2026-13-01
expect_rc 2 "monitor: --now= read"; expect_err "vigil monitor: --now expects a date YYYY-MM-DD, got '2026-13-01'" "monitor: names the value"
run "$VIGIL" monitor run x.json --lock-timeout=1e9
expect_rc 2 "monitor: range"; expect_err "vigil monitor: --lock-timeout must be from 0 to 604800 seconds, got '1e9'" "monitor: the value as typed"
run "$VIGIL" monitor run x.json --db
expect_rc 2 "monitor: missing value"; expect_err "vigil monitor: option '--db' needs a value" "monitor: names it"
run "$VIGIL" monitor run
expect_rc 2 "monitor: no file"; expect_err "vigil monitor: monitor run needs a monitor file (M.json)" "monitor: file required"
run "$VIGIL" monitor --help
expect_out "  --lock-timeout S  seconds to wait for another run of the same monitor (default 600)" "monitor: help lists the table's options"
expect_out "exit status: 0 no drift" "monitor: epilogue kept"

# -- suite (a table per subcommand) and report
run "$VIGIL" suite run suites/none.json --bakend cpu
expect_rc 2 "suite: unknown option"
expect_err "vigil suite: unknown option '--bakend'; did you mean '--backend'?" "suite hint"
run "$VIGIL" suite diff 1 2 --threads 2
expect_rc 2 "suite diff: run's option refused"
expect_err "vigil suite: unknown option '--threads'" "diff has a table of its own"
run "$VIGIL" suite --format=xml run suites/none.json
expect_rc 2 "suite: --opt=value before the subcommand"
expect_err "vigil suite: unknown format 'xml' (expected 'table' or 'json')" "suite --format=value read"
run "$VIGIL" suite diff 1 2 --db="$T/none.db"
expect_rc 2 "suite diff --db=value"; expect_err "$T/none.db" "suite --db=value read"
run "$VIGIL" suite run suites/none.json --threads
expect_rc 2 "suite: missing value"; expect_err "vigil suite: option '--threads' needs a value" "suite names the option"
run "$VIGIL" suite run suites/none.json --threads=many
expect_rc 2 "suite: integer"; expect_err "--threads expects a non-negative integer, got 'many'" "suite names the value"
run "$VIGIL" suite stop
expect_rc 2 "suite: unknown subcommand"; expect_err "unknown subcommand 'stop' (run, diff)" "suite names it"
run "$VIGIL" report --run 1 --out "$T/r" --no-plts
expect_rc 2 "report: unknown option"
expect_err "vigil report: unknown option '--no-plts'; did you mean '--no-plots'?" "report hint"
run "$VIGIL" report --run=1 --out="$T/r" --db="$T/none.db"
expect_rc 2 "report --opt=value"; expect_err "vigil report: error: no run store at '$T/none.db'" "report --db=value read"
run "$VIGIL" report --run 1 --out
expect_rc 2 "report: missing value"; expect_err "vigil report: option '--out' needs a value" "report names the option"
run "$VIGIL" report --run 1 --out "$T/r" --no-plots=yes
expect_rc 2 "report: flag with a value"; expect_err "option '--no-plots' takes no value" "report flag refuses a value"
run "$VIGIL" suite --help
expect_rc 0 "suite --help"
expect_out "run options:" "suite help has run's table"
expect_out "diff options:" "suite help has diff's table"
expect_out "  --threads N  CPU threads (default: all cores)" "suite help lists --threads from the table"
run "$VIGIL" report --help
expect_rc 0 "report --help"
expect_out "  --no-plots      do not run gnuplot (each plot gets a note instead)" "report help lists --no-plots"

# -- the generated help: every command's option list comes from its table
for c in predict drift history audit synth replay explain metrics monitor suite report; do
    run "$VIGIL" help "$c"; cp "$T/out" "$T/help1"
    run "$VIGIL" "$c" --help; expect_rc 0 "$c --help"
    cmp -s "$T/out" "$T/help1" || { echo "FAIL: 'vigil help $c' and '$c --help' differ"; fails=$((fails + 1)); }
    expect_out "usage: vigil $c" "$c help starts with the usage"
done
run "$VIGIL" drift --help
expect_out "  --alpha A          significance level (default 0.01)" "aligned option line"
expect_out "                     permutation's sums on the GPU), cpu or cuda (default auto)" "continuation indented"
expect_out "  --allow-column C=WHY  let column C through the PHI guard, with a justification" "long head"
# the epilogue follows the option list
awk '/^  --format F/ { f = NR } /^Exit status: 0 no drift/ { e = NR } END { exit !(f && e > f) }' "$T/out" ||
    { echo "FAIL: drift help: the epilogue is not after the options"; fails=$((fails + 1)); }
# each option the help lists is one the parser knows (a missing value, not an unknown option)
for c in predict drift history synth replay explain metrics monitor report; do
    sub=; [ "$c" = monitor ] && sub=run # its options are those of 'monitor run'
    "$VIGIL" help "$c" | sed -n 's/^  \(--[a-z-]*\).*/\1/p' | while read -r o; do
        "$VIGIL" "$c" $sub "$o" >/dev/null 2>"$T/e1"
        if grep -q "unknown option" "$T/e1"; then echo "FAIL: $c: help lists $o, the parser refuses it"; exit 1; fi
    done || fails=$((fails + 1))
done
# suite and audit: each subcommand knows the options listed under its heading
for cs in "suite run" "suite diff" "audit verify" "audit keygen" "audit checkpoint" "audit sign"; do
    c=${cs% *} sub=${cs#* }
    n=$("$VIGIL" help "$c" | sed -n "/^$sub options:/,/^\$/s/^  \(--[a-z-]*\).*/\1/p" | wc -l)
    [ "$n" -gt 0 ] || { echo "FAIL: $c help has no '$sub options:' list"; fails=$((fails + 1)); }
    "$VIGIL" help "$c" | sed -n "/^$sub options:/,/^\$/s/^  \(--[a-z-]*\).*/\1/p" | while read -r o; do
        "$VIGIL" "$c" "$sub" "$o" >/dev/null 2>"$T/e1"
        grep -q "needs a value" "$T/e1" || { echo "FAIL: $c $sub: help lists $o, the parser refuses it"; exit 1; }
    done || fails=$((fails + 1))
done
finish
