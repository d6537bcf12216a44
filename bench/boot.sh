#!/bin/bash
# Boot benchmark of the vigil VM image: time from qemu's start to the `vigil ready` line
# on the console (median of N boots), for the uncompressed vmlinux against the baseline of
# the compressed vmlinuz in the same run, under TCG and, with --kvm, under KVM; the
# smallest -m (MB) in which the VM really works; and the image sizes.
#
#   bench/boot.sh [-n N] [--kvm] [--no-mem] [--mem-only]   (env: VIGIL_BIN, VIGIL_BUILD)
#
# "Really works" at a size means: `vigil ready`, a 1 s capture of the memtrace port (the
# tracing session reserves its ring and symbolizes), `l` answered on the control port, and
# then `shutdown` makes run-qemu exit 0. Reaching `vigil ready` alone is not enough: below
# that size the kernel can still run out of memory later ("System is deadlocked on
# memory"). The smallest size is found by bisection in 1 MB steps, and reported with the
# size below it that failed, as the baseline.
#
# The floor: a baseline initramfs, built here, whose /init is a tiny static C program that
# mounts devtmpfs, prints `vigil ready (baseline)` on the console and powers off. It boots
# the same vmlinux with the same qemu command, so vigil's image is compared with what the
# kernel alone costs (RATIO vigil/baseline; target at most 1.2).
#
# Prints one line per measure, then RATIO lines. Targets: ready within 1.2x the baseline
# under TCG, initramfs at most 4 MB compressed (8 MB with --with-http), boots in 96 MB.
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
    --mem-only) mem=2; shift ;;
    *) die "unknown argument '$1' (expected -n N, --kvm, --no-mem or --mem-only)" ;;
  esac
done

export VIGIL_IMAGES=$VIGIL_BUILD/images-bench
"$VIGIL_ROOT/images/build-initramfs" >/dev/null 2>&1 || "$VIGIL_ROOT/images/build-initramfs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The baseline image (see the header), in $work/baseline beside a link to the same kernel.
build_baseline() {
  local dir=$work/baseline
  mkdir -p "$dir/root/dev"
  cat >"$dir/init.c" <<'C'
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>
int main(void) {
  mount("devtmpfs", "/dev", "devtmpfs", 0, 0);
  int fd = open("/dev/console", O_WRONLY);
  static const char line[] = "vigil ready (baseline)\n";
  if (fd >= 0) write(fd, line, sizeof line - 1);
  sync();
  reboot(RB_POWER_OFF);
  return 0;
}
C
  gcc -static -Os -s -o "$dir/root/init" "$dir/init.c" || return 1
  make_cpio "$dir/root" "$dir/initramfs.cpio.gz" gzip
  ln -sf "$VIGIL_IMAGES/vmlinux" "$dir/vmlinux"
  ln -sf "$VIGIL_IMAGES/vmlinuz" "$dir/vmlinuz"
}

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
      # run-qemu keeps qemu as its child: the CPU time is the child's, not the script's.
      read -r -a stat <"/proc/$(pgrep -P "$pid" -x qemu-system-x86 | head -1)/stat" || stat=()
      echo $(((${stat[13]:-0} + ${stat[14]:-0}) * 1000 / $(getconf CLK_TCK))) >>"$work/cpu"
      break
    fi
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$ms"
}

# True iff the VM works in $1 MB (see the header). The console goes to $work/mem-$1.log.
works_in() {
  local mb=$1 log=$work/mem-$1.log cp mp pid rc=1
  cp=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mp=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  QEMU_MEM=$mb "$VIGIL_ROOT/images/run-qemu" --control-port "$cp" --memtrace-port "$mp" \
    </dev/null >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do
    grep -q '^vigil ready' "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q '^vigil ready' "$log"; then
    timeout 1 nc -d 127.0.0.1 "$mp" >"$work/mem.ctf" 2>/dev/null || true
    if [[ $(printf 'l\n' | timeout 5 nc -q 2 127.0.0.1 "$cp" 2>/dev/null) == ok:* ]]; then
      printf 'shutdown\n' | timeout 5 nc -q 2 127.0.0.1 "$cp" >/dev/null 2>&1 || true
      for _ in $(seq 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null && rc=0
  [[ -s $work/mem.ctf ]] || rc=1
  rm -f "$work/mem.ctf"
  return "$rc"
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

if ((mem < 2)); then
  tcg_vmlinux=$(measure vmlinux tcg)
  report "TCG, vmlinux, qemu start to ready" "$tcg_vmlinux"
  tcg_vmlinuz=$(measure vmlinuz tcg)
  report "TCG, vmlinuz, qemu start to ready" "$tcg_vmlinuz"
  ratio "TCG vmlinux/vmlinuz" "$tcg_vmlinux" "$tcg_vmlinuz"
  if build_baseline; then
    tcg_base=$(VIGIL_IMAGES=$work/baseline measure vmlinux tcg)
    report "TCG, vmlinux, baseline initramfs (static /init), qemu start to ready" "$tcg_base"
    ratio "TCG vigil/baseline initramfs (target 1.2)" "$tcg_vmlinux" "$tcg_base"
  else
    echo "baseline initramfs: FAILED to build (gcc -static needs libc6-dev)"
  fi

  if ((kvm)); then
    kvm_vmlinux=$(measure vmlinux kvm)
    report "KVM, vmlinux, qemu start to ready" "$kvm_vmlinux"
    ratio "KVM/TCG vmlinux" "$kvm_vmlinux" "$tcg_vmlinux"
  fi
fi

if ((mem)); then
  # Bisection between a size that fails and one that works, each checked first.
  lo=32 hi=256
  if works_in "$lo"; then
    echo "smallest -m that works: $lo MB or less (the search's floor)"
  elif ! works_in "$hi"; then
    echo "smallest -m that works: FAILED even in $hi MB (console: see below)"
    tail -20 "$work/mem-$hi.log"
  else
    while ((hi - lo > 1)); do
      mid=$(((lo + hi) / 2))
      if works_in "$mid"; then hi=$mid; else lo=$mid; fi
    done
    why=$(grep -m1 -E 'Kernel panic|Out of memory|deadlocked' "$work/mem-$lo.log" | tr -d '\r' || true)
    echo "smallest -m that works (TCG, vmlinux, ready + trace + control + shutdown): $hi MB;" \
      "$lo MB fails${why:+: $why}"
    awk -v h="$hi" 'BEGIN {printf "RATIO smallest -m / 96 MB target: %.2f (%s)\n", h / 96,
      h <= 96 ? "met" : "MISSED"}'
  fi
fi
