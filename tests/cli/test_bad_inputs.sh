#!/bin/sh
# The bad-input catalogue (tests/bad_inputs/catalogue.txt): every malformed input gets its exact
# exit status and a message containing the recorded fragment (which names the file, line and
# column, the JSON path or the offending value). Never a crash, never exit 3, never a number.
# BAD_INPUTS_SHOW=1 prints what each line actually gets (to review a new line).
. "$(dirname "$0")/lib.sh"
F="$ROOT/tests/bad_inputs/files"
R="$ROOT"
V="$VIGIL"
A="--allow-column age=public-research-cohort"
n=0

while IFS="|" read -r id want frag cmd; do
    case "$id" in '#'* | '') continue ;; esac
    n=$((n + 1))
    rm -rf "$T/rep" "$T/v.db"* "$T/p.csv" "$T/s.csv"
    eval "$cmd" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "${BAD_INPUTS_SHOW:-0}" = 1 ]; then
        printf '%s\t%s\t%s\n' "$id" "$rc" "$(head -1 "$T/err" | sed "s|$ROOT|\$R|g; s|$T|\$T|g")"
        continue
    fi
    if [ "$rc" != "$want" ]; then
        echo "FAIL: $id: exit $rc, expected $want: $(head -c 300 "$T/err")"
        fails=$((fails + 1))
        continue
    fi
    f=$(printf '%s' "$frag" | sed "s|\\\$R|$ROOT|g; s|\\\$F|$F|g; s|\\\$T|$T|g")
    if [ -n "$f" ] && ! grep -qF -- "$f" "$T/err"; then
        echo "FAIL: $id: stderr lacks '$f': $(head -c 300 "$T/err")"
        fails=$((fails + 1))
    fi
    if grep -q "AddressSanitizer\|runtime error\|Segmentation" "$T/err"; then
        echo "FAIL: $id: crashed: $(head -c 300 "$T/err")"
        fails=$((fails + 1))
    fi
done < "$ROOT/tests/bad_inputs/catalogue.txt"
[ "$n" -ge 60 ] || { echo "FAIL: only $n catalogue cases (at least 60)"; fails=$((fails + 1)); }
finish
