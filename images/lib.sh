# shellcheck shell=bash
# Shared steps of the image builders. Source it from a script that has `set -euo pipefail`.
#
# Paths: VIGIL_ROOT is the source tree, VIGIL_BUILD the meson build directory (default
# $VIGIL_ROOT/build), VIGIL_IMAGES where images go (default $VIGIL_BUILD/images).

VIGIL_ROOT=${VIGIL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
VIGIL_BUILD=${VIGIL_BUILD:-$VIGIL_ROOT/build}
VIGIL_IMAGES=${VIGIL_IMAGES:-$VIGIL_BUILD/images}

# The NIC drivers the VM images carry. virtio_pci is not a dependency of virtio_net in
# modules.dep, so it is named here.
VIGIL_MODULES=${VIGIL_MODULES:-"virtio_pci virtio_net e1000"}

say() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Prints the path of the vigil executable: $VIGIL_BIN, or the one meson built.
find_vigil() {
  local c
  for c in "${VIGIL_BIN:-}" "$VIGIL_BUILD/appliance/vigil" "$VIGIL_BUILD/vigil"; do
    if [[ -n $c && -x $c && -f $c ]]; then
      printf '%s\n' "$c"
      return 0
    fi
  done
  die "no vigil executable in $VIGIL_BUILD (run 'meson compile -C $VIGIL_BUILD' or set VIGIL_BIN)"
}

# Prints the kernel release to use: $KVER, or the newest one with both a vmlinuz and
# modules. Installs Debian's linux-image-amd64 when there is none.
find_kernel_release() {
  if [[ -n ${KVER:-} ]]; then
    [[ -f /boot/vmlinuz-$KVER ]] || die "KVER=$KVER: no /boot/vmlinuz-$KVER"
    printf '%s\n' "$KVER"
    return 0
  fi
  local rel
  rel=$(newest_kernel_release)
  if [[ -z $rel ]]; then
    say "no kernel in /boot: installing linux-image-amd64 with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y linux-image-amd64 >&2
    rel=$(newest_kernel_release)
    [[ -n $rel ]] || die "linux-image-amd64 installed no /boot/vmlinuz-*"
  fi
  printf '%s\n' "$rel"
}

newest_kernel_release() {
  local f rel
  for f in $(ls -1v /boot/vmlinuz-* 2>/dev/null | tac); do
    rel=${f#/boot/vmlinuz-}
    if [[ -f /lib/modules/$rel/modules.dep ]]; then
      printf '%s\n' "$rel"
      return 0
    fi
  done
}

# Copies $1 and every shared library it needs (ldd), plus the dynamic loader, into the
# staging root $2 at the same paths. Symlinks are resolved: the image holds plain files.
copy_with_libraries() {
  local exe=$1 root=$2 lib
  for lib in $(ldd "$exe" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
    strip --strip-unneeded "$root$lib" 2>/dev/null || true
    printf '%s\n' "$lib"
  done
}

# Copies a library that vigil loads with dlopen ($1, e.g. libdw.so.1), and the libraries it
# needs, into the staging root $2. Prints their paths; false when this machine has no $1.
copy_dlopened() {
  local lib
  lib=$(ldconfig -p | awk -v n="$1" '$1 == n && /x86-64/ {print $NF; exit}')
  [[ -n $lib ]] || return 1
  mkdir -p "$2$(dirname "$lib")"
  cp -L "$lib" "$2$lib"
  strip --strip-unneeded "$2$lib" 2>/dev/null || true
  printf '%s\n' "$lib"
  copy_with_libraries "$lib" "$2"
}

# For a vigil with the memtrace port (it names libunwind.so.8, which it loads when a trace
# client connects): copies libunwind and libdw (the symbolizer's) into the staging root $2.
# Prints the paths of the libraries copied.
copy_trace_libraries() {
  local vigil=$1 root=$2
  grep -q -a -F 'libunwind.so.8' "$vigil" || return 0
  copy_dlopened libunwind.so.8 "$root" || die "no libunwind.so.8 here (apt-get install libunwind8)"
  copy_dlopened libdw.so.1 "$root" ||
    say "note: no libdw.so.1 here; traces will name frames by module and offset"
}

# Copies the modules named in $VIGIL_MODULES and everything they need from
# /lib/modules/$1 into the staging root $2, uncompressed (finit_module on this kernel
# refuses compressed ones), and writes a modules.dep and a modules.alias holding only their
# lines (with the aliases, vigil as PID 1 loads only the drivers of the devices present).
# Prints the module paths.
copy_modules() {
  local rel=$1 root=$2 src=/lib/modules/$1 name line path dep out
  local -A wanted=()
  for name in $VIGIL_MODULES; do
    line=$(grep -E "(^|/)${name//_/[_-]}\.ko(\.[a-z]+)?:" "$src/modules.dep" | head -1) ||
      die "module $name is not in $src/modules.dep"
    for path in ${line/:/ }; do wanted[$path]=1; done
  done
  out=$root/lib/modules/$rel
  mkdir -p "$out"
  : >"$out/modules.dep"
  while IFS= read -r line; do
    path=${line%%:*}
    [[ -n ${wanted[$path]:-} ]] || continue
    mkdir -p "$out/$(dirname "${path%.ko*}")"
    uncompress_module "$src/$path" "$out/${path%.ko*}.ko"
    dep=${line#*:}
    dep=$(printf '%s' "$dep" | sed -E 's/\.ko\.(gz|xz|zst)/.ko/g')
    printf '%s:%s\n' "${path%.ko*}.ko" "$dep" >>"$out/modules.dep"
    printf '%s\n' "${path%.ko*}.ko"
  done <"$src/modules.dep"
  # The aliases of the copied modules ('-' and '_' alike in module names, as the kernel has it).
  sed -E 's|:.*||; s|.*/||; s|\.ko.*||; s|-|_|g' "$out/modules.dep" | sort -u >"$out/names"
  awk 'NR == FNR {have[$1] = 1; next}
       $1 == "alias" && NF == 3 {name = $3; gsub(/-/, "_", name); if (name in have) print}' \
    "$out/names" "$src/modules.alias" >"$out/modules.alias"
  rm -f "$out/names"
}

uncompress_module() {
  case $1 in
    *.ko) cp "$1" "$2" ;;
    *.ko.xz) xz -dc "$1" >"$2" ;;
    *.ko.gz) gzip -dc "$1" >"$2" ;;
    *.ko.zst) zstd -qdc "$1" >"$2" ;;
    *) die "unknown module format: $1" ;;
  esac
}

# Writes a compressed newc cpio of the directory $1 to $2, owned by root, in a stable
# order. $3 is the compressor: gzip (default), zstd or xz; the kernel recognizes each.
# zstd -19 is about 15 % smaller than gzip -9 and unpacks faster; xz is smaller still but
# unpacks slower under TCG.
make_cpio() {
  local root=$1 out=$2 compress=(gzip -9n)
  case ${3:-gzip} in
    gzip) ;;
    zstd) compress=(zstd -19 -q -c) ;;
    xz) compress=(xz -9 --check=crc32 -c) ;;
    *) die "unknown compressor '$3' (expected gzip, zstd or xz)" ;;
  esac
  (cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
    cpio --null --create --format=newc --owner=0:0 --reproducible --quiet) |
    "${compress[@]}" >"$out.tmp"
  mv "$out.tmp" "$out"
}

# Extracts the uncompressed ELF kernel from a bzImage ($1) into $2: finds each
# compressed-stream signature in the file and keeps the first that decompresses to an
# ELF. Booting the ELF directly (PVH) saves the in-guest decompression, about 2 s of TCG.
extract_vmlinux() {
  local in=$1 out=$2 fmt magic tool off
  for fmt in "xz:\xfd7zXZ\x00:xz -dcq" "gzip:\x1f\x8b\x08:gzip -dcq" \
    "zstd:\x28\xb5\x2f\xfd:zstd -dcq" "lzma:\x5d\x00\x00\x00:xz -F lzma -dcq"; do
    IFS=: read -r _ magic tool <<<"$fmt"
    command -v "${tool%% *}" >/dev/null || continue
    for off in $(LC_ALL=C grep -aboP "$magic" "$in" | cut -d: -f1); do
      tail -c +$((off + 1)) "$in" | $tool >"$out.tmp" 2>/dev/null || true
      if [[ $(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ') == 7f454c46 ]]; then
        mv "$out.tmp" "$out"
        return 0
      fi
    done
  done
  rm -f "$out.tmp"
  return 1
}

human_size() { numfmt --to=iec --suffix=B "$(stat -c %s "$1")"; }
