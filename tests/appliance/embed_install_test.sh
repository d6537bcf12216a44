#!/bin/sh
# vigil used outside its tree: `meson install --destdir` into a temp dir, then build
# examples/embed.cpp there with plain c++ and pkg-config, run it (it stops its Monitor and
# checks the stop callback ran and uv_loop_close() returned 0), and check that the library
# leaves malloc alone. With a memprof build, the same program built with vigil-memprof
# defines malloc (the opt-in hook) and still stops cleanly.
#   tests/appliance/embed_install_test.sh MESON BUILD_DIR EMBED_CPP
set -u
meson=$1
build=$2
embed_cpp=$3
for tool in pkg-config c++ nm readelf; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$meson" install -C "$build" --no-rebuild --quiet --destdir "$dir/root" >"$dir/install.log" 2>&1 ||
  { cat "$dir/install.log"; fail "meson install --destdir"; }
pc=$(find "$dir/root" -name vigil.pc | head -n 1)
[ -n "$pc" ] || fail "no vigil.pc installed"
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
for f in libvigil.a libvigil.so; do
  [ -e "$libdir/$f" ] || fail "$f is not installed in $libdir"
done
hdr=$(find "$dir/root" -path '*/include/vigil/appliance/monitor.h' | head -n 1)
[ -n "$hdr" ] || fail "include/vigil/appliance/monitor.h is not installed"
echo "installed: $(cd "$dir/root" && find . -name 'libvigil*' -o -name '*.pc' | sort | tr '\n' ' ')"

# The sysroot maps the .pc files' /usr/local paths into the destdir, as an installed tree.
pc_run() { PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dir/root" pkg-config "$@"; }
flags=$(pc_run --cflags --libs vigil) || fail "pkg-config --cflags --libs vigil"
# Every installed header compiles (all in one file) against the installed tree alone.
incdir=$(dirname "$(dirname "$hdr")")
(cd "$incdir" && find . -name '*.h' | sort | sed 's|^\./\(.*\)$|#include "\1"|') >"$dir/all.cpp"
# shellcheck disable=SC2086
c++ -std=c++20 -fsyntax-only "$dir/all.cpp" $(pc_run --cflags vigil) 2>"$dir/cc.log" ||
  { cat "$dir/cc.log"; fail "the installed headers do not compile on their own"; }
echo "$(wc -l <"$dir/all.cpp") installed headers compile together"
echo "c++ -std=c++20 embed.cpp -o embed $flags"
# shellcheck disable=SC2086
c++ -std=c++20 "$embed_cpp" -o "$dir/embed" $flags 2>"$dir/cc.log" ||
  { cat "$dir/cc.log"; fail "out-of-tree build against vigil.pc"; }
for exe in "$dir/embed" "$build/examples/embed"; do
  if nm --defined-only "$exe" | grep -qwE 'T (malloc|free)'; then
    fail "$exe defines malloc: the library pulled in the allocator hook"
  fi
done
if readelf -d "$dir/embed" "$libdir/libvigil.so" | grep NEEDED | grep -q mimalloc; then
  fail "embed or libvigil.so needs libmimalloc, which replaces malloc process-wide"
fi
LD_LIBRARY_PATH="$libdir" "$dir/embed" 0.3 >"$dir/run.log" 2>&1 ||
  { cat "$dir/run.log"; fail "the out-of-tree embed exited $?"; }
cat "$dir/run.log"
grep -q "uv_loop_close returned 0" "$dir/run.log" || fail "no clean uv_loop_close"
echo "PASS: embed built out of tree against vigil.pc, no malloc of its own, clean stop"

[ -e "$pcdir/vigil-memprof.pc" ] || { echo "no vigil-memprof.pc (build without memprof)"; exit 0; }
flags=$(pc_run --cflags --libs vigil-memprof) || fail "pkg-config --cflags --libs vigil-memprof"
echo "c++ -std=c++20 embed.cpp -o embed-memprof $flags"
# shellcheck disable=SC2086
c++ -std=c++20 "$embed_cpp" -o "$dir/embed-memprof" $flags 2>"$dir/cc.log" ||
  { cat "$dir/cc.log"; fail "out-of-tree build against vigil-memprof.pc"; }
nm --defined-only "$dir/embed-memprof" | grep -qw 'T malloc' ||
  fail "embed built with vigil-memprof does not define malloc"
LD_LIBRARY_PATH="$libdir" "$dir/embed-memprof" 0.3 >"$dir/run.log" 2>&1 ||
  { cat "$dir/run.log"; fail "embed with vigil-memprof exited $?"; }
grep -q "uv_loop_close returned 0" "$dir/run.log" || fail "no clean uv_loop_close (memprof)"
echo "PASS: embed built with vigil-memprof defines malloc and stops cleanly"
