#!/bin/sh
# Checks an installed vigil (make install-test runs `make install DESTDIR=$1 PREFIX=$2`
# first): every file is where vigil.pc says, each public header compiles on its own against the
# installed include directory, and tests/install/app.c builds with nothing but
# `pkg-config --cflags --libs vigil`, once against libvigil.a and once against libvigil.so,
# and runs. Any missing file, header, flag or library fails the test.
set -u
dest=${1:?usage: run.sh DESTDIR PREFIX}
prefix=${2:?usage: run.sh DESTDIR PREFIX}
: "${CC:=cc}"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(awk '/define VIGIL_VERSION_(MAJOR|MINOR|PATCH) / { v = v s $3; s = "." } END { print v }' \
    "$root/include/vigil/version.h")
major=${version%%.*}
lib=$dest$prefix/lib
inc=$dest$prefix/include
work=$dest/.install-test
mkdir -p "$work"
fails=0
fail() { echo "FAIL: install: $*"; fails=$((fails + 1)); }

for f in "$prefix/bin/vigil" "$prefix/lib/libvigil.a" "$prefix/lib/libvigil.so" \
         "$prefix/lib/libvigil.so.$major" "$prefix/lib/libvigil.so.$version" \
         "$prefix/lib/pkgconfig/vigil.pc"; do
    [ -e "$dest$f" ] || fail "$f is not installed"
done
for h in "$root"/include/vigil/*.h; do
    h=${h##*/}
    if [ ! -f "$inc/vigil/$h" ]; then fail "include/vigil/$h is not installed"; continue; fi
    # Only the installed tree on the include path: a public header that reaches into src/
    # or needs a dependency's header fails here.
    printf '#include <vigil/%s>\n' "$h" | $CC -std=c11 -fsyntax-only -I"$inc" -x c - \
        2>"$work/hdr.err" || { fail "<vigil/$h> does not compile alone"; cat "$work/hdr.err"; }
done
soname=$(readelf -d "$lib/libvigil.so.$version" 2>/dev/null | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libvigil.so.$major" ] || fail "SONAME is '$soname', expected libvigil.so.$major"

# pkg-config as an application would use it; the sysroot maps the .pc file's /usr/... paths
# into the staging directory.
PKG_CONFIG_PATH=$lib/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$dest
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
pcv=$(pkg-config --modversion vigil) || fail "pkg-config cannot read vigil.pc"
[ "$pcv" = "$version" ] || fail "vigil.pc says version '$pcv', version.h says '$version'"
cflags=$(pkg-config --cflags vigil)
libs=$(pkg-config --libs vigil)
slibs=$(pkg-config --static --libs vigil)

# Shared: -lvigil finds libvigil.so; the binary needs libvigil.so.MAJOR at run time.
if $CC -std=c11 $cflags -o "$work/app_shared" "$here/app.c" $libs -lm 2>"$work/cc.err"; then
    readelf -d "$work/app_shared" | grep -q "NEEDED.*libvigil.so.$major" ||
        fail "app_shared does not load libvigil.so.$major"
    out=$(LD_LIBRARY_PATH=$lib "$work/app_shared") || fail "app_shared failed: $out"
    [ "$out" = "vigil $version auroc 0.75" ] || fail "app_shared printed '$out'"
else
    fail "cannot build against libvigil.so with '$cflags $libs'"; cat "$work/cc.err"
fi
# Static: libvigil.a and the private dependencies vigil.pc lists (-l:libvigil.a so the
# shared library next to it is not picked).
slibs_a=$(printf '%s\n' "$slibs" | sed 's/-lvigil\b/-l:libvigil.a/')
if $CC -std=c11 $cflags -o "$work/app_static" "$here/app.c" $slibs_a 2>"$work/cc.err"; then
    readelf -d "$work/app_static" | grep -q 'libvigil' && fail "app_static still loads libvigil.so"
    out=$("$work/app_static") || fail "app_static failed: $out"
    [ "$out" = "vigil $version auroc 0.75" ] || fail "app_static printed '$out'"
else
    fail "cannot build against libvigil.a with '$cflags $slibs_a'"; cat "$work/cc.err"
fi

if [ "$fails" -gt 0 ]; then echo "install: $fails failed"; exit 1; fi
echo "install: ok (headers, libvigil.a, libvigil.so.$version, vigil.pc; static and shared app)"
