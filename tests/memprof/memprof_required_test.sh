#!/bin/sh
# -Dmemprof=enabled is a promise: when libunwind or libdw is missing, `meson setup` fails
# and names the missing one, instead of quietly building without memprof.
#   tests/memprof/memprof_required_test.sh MESON SOURCE_ROOT
# For each of the two, this runs `meson setup -Dmemprof=enabled` on the tree in a temp dir
# with pkg-config's search path replaced by a copy of the system's that lacks that one .pc
# file, and expects a failure whose error names it. A last setup with -Dmemprof=auto and
# libdw hidden must succeed with memprof off: it shows that the hidden file, and nothing
# else, made the first ones fail. Skips (77) without pkg-config or the two .pc files.
set -u
meson=$1
src=$2
command -v pkg-config >/dev/null || { echo "SKIP: pkg-config is not installed"; exit 77; }
pc_path=$(pkg-config --variable pc_path pkg-config) || { echo "SKIP: pkg-config has no pc_path"; exit 77; }
for name in libunwind libdw; do
  pkg-config --exists "$name" || { echo "SKIP: $name.pc not found (install libunwind-dev libdw-dev)"; exit 77; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# $dir/pc-NAME: every .pc file of the system's search path but NAME.pc (the first one found
# for each name wins, as in pkg-config).
hide() {
  mkdir "$dir/pc-$1"
  old_ifs=$IFS
  IFS=:
  for d in $pc_path; do
    [ -d "$d" ] || continue
    for f in "$d"/*.pc; do
      [ -e "$f" ] || continue
      base=${f##*/}
      [ "$base" = "$1.pc" ] || [ -e "$dir/pc-$1/$base" ] || ln -s "$f" "$dir/pc-$1/$base"
    done
  done
  IFS=$old_ifs
}

# setup NAME OPTION LOG: meson setup with NAME.pc hidden; returns meson's status.
setup() {
  PKG_CONFIG_LIBDIR="$dir/pc-$1" PKG_CONFIG_PATH='' "$meson" setup "$dir/build-$1-$2" "$src" \
    -Dmemprof="$2" -Dallocator=mimalloc -Db_sanitize=none -Dbench=false >"$3" 2>&1
}

for name in libunwind libdw; do
  hide "$name"
  if setup "$name" enabled "$dir/$name.log"; then
    cat "$dir/$name.log"
    fail "-Dmemprof=enabled configured without $name"
  fi
  grep -q "ERROR: Dependency \"$name\" not found" "$dir/$name.log" ||
    { cat "$dir/$name.log"; fail "the error does not name $name"; }
  echo "ok: -Dmemprof=enabled without $name: $(grep ERROR: "$dir/$name.log" | head -n 1)"
done

setup libdw auto "$dir/auto.log" || { cat "$dir/auto.log"; fail "-Dmemprof=auto without libdw"; }
grep -Eq "memprof +: +False" "$dir/auto.log" ||
  { cat "$dir/auto.log"; fail "-Dmemprof=auto without libdw did not turn memprof off"; }
echo "ok: -Dmemprof=auto without libdw configures, memprof off"
