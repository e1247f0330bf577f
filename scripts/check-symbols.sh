#!/bin/sh
# check-symbols.sh LIB...: fails, naming each one, when a library defines a global symbol
# without the vigil_ prefix (HACKING.md: a program linking libvigil must be free to use any
# other name). libvigil.a is read with nm -g, libvigil.so with nm -D (its dynamic exports).
#
# Names the compiler or the C++ runtime generates, not our code, are excused by ALLOW
# (a grep -E pattern on the whole name):
#   DW.ref.__gxx_personality_v0  a weak hidden pointer the C++ front end emits in every object
#                                with unwind tables (the host side of the .cu files), even with
#                                -fno-exceptions; ld merges it and it is never exported.
#   _init, _fini, __bss_start, _edata, _end   the linker's own markers in a shared object.
set -u
ALLOW=${ALLOW:-'DW\.ref\.__gxx_personality_v0|_init|_fini|__bss_start|_edata|_end'}
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
