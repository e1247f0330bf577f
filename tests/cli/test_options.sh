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
expect_rc 2 "positional still required"; expect_err "missing subcommand (expected 'verify')" "audit needs verify"

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
expect_out "  --no-plots  do not run gnuplot (each plot gets a note instead)" "report help lists --no-plots"

# -- the generated help: every command's option list comes from its table
for c in predict drift history audit synth suite report; do
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
for c in predict drift history audit synth report; do
    "$VIGIL" help "$c" | sed -n 's/^  \(--[a-z-]*\).*/\1/p' | while read -r o; do
        "$VIGIL" "$c" "$o" >/dev/null 2>"$T/e1"
        if grep -q "unknown option" "$T/e1"; then echo "FAIL: $c: help lists $o, the parser refuses it"; exit 1; fi
    done || fails=$((fails + 1))
done
# suite: each subcommand knows the options listed under its heading
for sub in run diff; do
    "$VIGIL" help suite | sed -n "/^$sub options:/,/^\$/s/^  \(--[a-z-]*\).*/\1/p" | while read -r o; do
        "$VIGIL" suite "$sub" "$o" >/dev/null 2>"$T/e1"
        grep -q "needs a value" "$T/e1" || { echo "FAIL: suite $sub: help lists $o, the parser refuses it"; exit 1; }
    done || fails=$((fails + 1))
done
finish
