#!/bin/sh
# check-symbols.sh LIB...: fails, naming each one, when a library defines a global symbol
# without the vigil_ prefix (HACKING.md: a program linking libvigil must be free to use any
# other name). libvigil.a is read with nm -g, libvigil.so with nm -D (its dynamic exports).
#
# ALLOW (a grep -E pattern on the whole name, empty by default) excuses names the compiler
# generates rather than our code. None is needed today: the host side of the .cu files used to
# add DW.ref.__gxx_personality_v0 (the C++ front end's pointer to its unwinding personality, in
# every object with exception tables); nvcc now gets -Xcompiler -fno-exceptions (the kernels'
# host code throws nothing), so it is gone. libvigil.so exports vigil_* only through
# scripts/libvigil.map, which this checks too.
set -u
ALLOW=${ALLOW:-}
[ $# -gt 0 ] || { echo "usage: check-symbols.sh LIB..." >&2; exit 2; }
bad=0
for lib in "$@"; do
    [ -e "$lib" ] || { echo "check-symbols: $lib: no such file" >&2; exit 2; }
    case $lib in
        *.so*) list=$(nm -D --defined-only "$lib") ;;
        *) list=$(nm -g --defined-only "$lib") ;;
    esac || { echo "check-symbols: nm failed on $lib" >&2; exit 2; }
    # nm prints "addr type name" per symbol and "member.o:" headers for an archive: the member
    # names the object a stray global comes from.
    found=$(printf '%s\n' "$list" | awk -v allow="^($ALLOW)\$" '
        /:$/ { obj = $1; sub(/:$/, "", obj); next }
        NF == 3 && $3 !~ /^vigil_/ && $3 !~ allow { print "  " $3 " (" $2 (obj != "" ? ", " obj : "") ")" }')
    if [ -n "$found" ]; then
        echo "check-symbols: $lib defines globals without the vigil_ prefix:"
        printf '%s\n' "$found"
        bad=1
    else
        echo "check-symbols: $lib: every global is vigil_"
    fi
done
exit $bad
