#!/bin/sh
# Every vigil command in the READMEs runs as written (HACKING: "every example in a README runs").
# From each ```sh block of README.md and the folders' README.md files, every command line that
# starts with `build/vigil` or `vigil` (backslash continuations joined) runs in order, per file,
# in a scratch directory that links the repository's folders (so the relative paths hold) with
# its own store. A command may exit 0 or 1 (a criterion failed or a drift alarm: both are the
# documented outcomes of the bundled examples); 2 (usage or input error) or 3 fails the test,
# and so does a README with no runnable command at all where it has vigil lines. Lines holding
# a placeholder (`...`, `<`, `N`) are examples of a shape, not commands, and are skipped.
. "$(dirname "$0")/lib.sh"

extract() { # README -> one command per line
    awk '
        /^ *```(sh|bash)/ { inblk = 1; next }
        /^ *```/          { inblk = 0; next }
        inblk {
            line = $0; sub(/^ +/, "", line)
            if (cont != "") { line = cont " " line; cont = "" }
            if (line ~ /\\$/) { sub(/\\$/, "", line); cont = line; next }
            print line
        }' "$1"
}

for readme in README.md suites/README.md monitors/README.md reports/README.md datasets/README.md; do
    [ -f "$ROOT/$readme" ] || continue
    W="$T/$(echo "$readme" | tr '/.' '__')"
    mkdir -p "$W"
    for d in datasets suites monitors reports tests; do ln -s "$ROOT/$d" "$W/$d"; done
    mkdir -p "$W/build" && ln -s "$VIGIL" "$W/build/vigil"
    extract "$ROOT/$readme" | grep -E '^(build/vigil|vigil) ' >"$W/commands" || true
    n=0
    while IFS= read -r cmd; do
        case "$cmd" in *...*|*'<'*) continue ;; esac
        # strip a trailing comment; `vigil` is the installed name of build/vigil
        c=$(printf '%s' "$cmd" | sed -e 's/[[:space:]]#[^"]*$//' -e 's|^vigil |build/vigil |')
        n=$((n + 1))
        (cd "$W" && VIGIL_DB="$W/vigil.db" eval "$c") >"$W/out.$n" 2>"$W/err.$n" </dev/null
        rc=$?
        if [ "$rc" -gt 1 ]; then
            echo "FAIL: $readme: '$cmd' exited $rc: $(head -c 400 "$W/err.$n")"
            fails=$((fails + 1))
        fi
    done <"$W/commands"
    if [ -s "$W/commands" ] && [ "$n" = 0 ]; then
        echo "FAIL: $readme: vigil lines but none runnable"; fails=$((fails + 1))
    fi
done
finish
