#!/bin/bash
# Boot benchmark of the vigil VM image: time from qemu's start to the `vigil ready` line
# on the console (median of N boots), for the uncompressed vmlinux against the baseline of
# the compressed vmlinuz in the same run, under TCG and, with --kvm, under KVM; the
# smallest -m (MB) that still reaches `vigil ready`; and the image sizes.
#
#   bench/boot.sh [-n N] [--kvm] [--no-mem]     (env: VIGIL_BIN, VIGIL_BUILD)
#
# Prints one line per measure, then RATIO lines. Targets from issue 6: ready within 2.5 s
# under TCG, initramfs at most 8 MB compressed, boots in 96 MB.
set -euo pipefail
source "$(dirname "$0")/../images/lib.sh"

runs=5
kvm=0
mem=1
while [[ $# -gt 0 ]]; do
  case $1 in
    -n) runs=$2; shift 2 ;;
    --kvm) kvm=1; shift ;;
    --no-mem) mem=0; shift ;;
    *) die "unknown argument '$1' (expected -n N, --kvm or --no-mem)" ;;
  esac
done

export VIGIL_IMAGES=$VIGIL_BUILD/images-bench
"$VIGIL_ROOT/images/build-initramfs" >/dev/null 2>&1 || "$VIGIL_ROOT/images/build-initramfs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Boots once; prints the milliseconds from qemu's start to the ready line, or "fail".
# Reads the console as it comes (no polling), so the time is that of the line itself.
# Also appends qemu's CPU time (user + system) at that moment to $work/cpu: on a loaded
# host the wall time mostly measures the other processes, the CPU time much less so.
boot_once() {
  local kernel=$1 mb=$2 accel=$3 t0 line ms=fail stat
  t0=$(date +%s%N)
  coproc QEMU {
    QEMU_ACCEL=$accel QEMU_MEM=$mb exec "$VIGIL_ROOT/images/run-qemu" --kernel "$kernel" \
      --control-port 0 --memtrace-port 0 </dev/null 2>&1
  }
  local pid=$QEMU_PID
  while IFS= read -r -t 30 line <&"${QEMU[0]}"; do
    if [[ $line == "vigil ready"* ]]; then
      ms=$((($(date +%s%N) - t0) / 1000000))
      read -r -a stat <"/proc/$pid/stat"
      echo $(((stat[13] + stat[14]) * 1000 / $(getconf CLK_TCK))) >>"$work/cpu"
      break
    fi
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$ms"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Prints "median min max cpu_median" in ms of $runs boots, or "fail" if one failed.
measure() {
  local kernel=$1 accel=$2 ms all=()
  : >"$work/cpu"
  for ((i = 0; i < runs; i++)); do
    ms=$(boot_once "$kernel" 128 "$accel")
    [[ $ms == fail ]] && { echo fail; return; }
    all+=("$ms")
  done
  # shellcheck disable=SC2046
  echo "$(median "${all[@]}") $(printf '%s\n' "${all[@]}" | sort -n | head -1)" \
    "$(printf '%s\n' "${all[@]}" | sort -n | tail -1) $(median $(cat "$work/cpu"))"
}

report() {
  local label=$1 result=$2
  if [[ $result == fail ]]; then
    echo "$label: FAILED (no 'vigil ready' within 30 s)"
  else
    read -r med lo hi cpu <<<"$result"
    printf '%s: median %d.%03d s (min %d.%03d, max %d.%03d, %d boots); qemu CPU time %d.%03d s\n' \
      "$label" $((med / 1000)) $((med % 1000)) $((lo / 1000)) $((lo % 1000)) \
      $((hi / 1000)) $((hi % 1000)) "$runs" $((cpu / 1000)) $((cpu % 1000))
  fi
}

# RATIO lines for the wall-time medians and the CPU-time medians of two measures.
ratio() {
  [[ $2 == fail || $3 == fail ]] && { echo "RATIO $1: n/a"; return; }
  local a b
  read -r -a a <<<"$2"
  read -r -a b <<<"$3"
  awk -v a="${a[0]}" -v b="${b[0]}" -v ca="${a[3]}" -v cb="${b[3]}" -v l="$1" \
    'BEGIN {printf "RATIO %s: %.2f wall, %.2f qemu CPU\n", l, a / b, ca / cb}'
}

echo "host: $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "initramfs: $(human_size "$VIGIL_IMAGES/initramfs.cpio.gz") compressed" \
  "($(du -sh "$VIGIL_IMAGES/initramfs-root" | cut -f1) unpacked); kernel vmlinuz" \
  "$(human_size "$VIGIL_IMAGES/vmlinuz"), vmlinux $(human_size "$VIGIL_IMAGES/vmlinux")"

tcg_vmlinux=$(measure vmlinux tcg)
report "TCG, vmlinux, qemu start to ready" "$tcg_vmlinux"
tcg_vmlinuz=$(measure vmlinuz tcg)
report "TCG, vmlinuz (baseline), qemu start to ready" "$tcg_vmlinuz"
ratio "TCG vmlinux/vmlinuz" "$tcg_vmlinux" "$tcg_vmlinuz"

if ((kvm)); then
  kvm_vmlinux=$(measure vmlinux kvm)
  report "KVM, vmlinux, qemu start to ready" "$kvm_vmlinux"
  ratio "KVM/TCG vmlinux" "$kvm_vmlinux" "$tcg_vmlinux"
fi

if ((mem)); then
  # Binary search, in steps of 4 MB, between a size known to fail and 128 MB.
  lo=32 hi=128
  while ((hi - lo > 4)); do
    mid=$(((lo + hi) / 2 / 4 * 4))
    if [[ $(boot_once vmlinux "$mid" tcg) == fail ]]; then lo=$mid; else hi=$mid; fi
  done
  echo "smallest -m that reaches ready (TCG, vmlinux, 4 MB steps): $hi MB"
fi
