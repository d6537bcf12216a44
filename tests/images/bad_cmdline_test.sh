#!/bin/bash
# A bad boot parameter gets a clear error on the console and a power-off with exit status
# 2 (run-qemu exits 2, as vigil does for a bad config), never a kernel panic: PID 1 must
# not exit.
# Two cases: a malformed vigil.ipv4 (caught by the boot-parameter parser) and a bad
# vigil.set value (caught by the config loader, the same path as --set).
#
#   tests/images/bad_cmdline_test.sh   (env: VIGIL_BIN, VIGIL_BUILD, QEMU_ACCEL)
set -euo pipefail
source "$(dirname "$0")/common.sh"

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed"
export VIGIL_IMAGES=$VIGIL_BUILD/images-test
if ! "$VIGIL_ROOT/images/build-initramfs" >"$T_WORK/build.log" 2>&1; then
  cat "$T_WORK/build.log"
  fail "images/build-initramfs"
  finish
fi

# Boots with the extra kernel words "$@" (after --), expects run-qemu to exit 2 by itself
# within 40 s with the fixed string $1 on the console.
expect_poweroff() {
  local name=$1 expected=$2 console=$T_WORK/$1.log status=0
  shift 2
  timeout 40 "$VIGIL_ROOT/images/run-qemu" --control-port 0 --memtrace-port 0 "$@" \
    </dev/null >"$console" 2>&1 || status=$?
  if ((status == 2)) && grep -qF -- "$expected" "$console" &&
    grep -q '^vigil: powering off (exit status 2)' "$console" &&
    grep -q '^run-qemu: vigil powered off with exit status 2' "$console" &&
    ! grep -q 'Kernel panic' "$console"; then
    pass "$name: '$expected' on the console, then power-off with status 2"
  else
    fail "$name: run-qemu status $status (124: timeout); expected 2, '$expected' and a power-off"
    cat "$console"
  fi
}

expect_poweroff bad-ipv4 \
  "vigil: /proc/cmdline:1:" --ipv4 10.0.2.300/24
if grep -qF "vigil.ipv4=10.0.2.300/24: '10.0.2.300' is not an IPv4 address" "$T_WORK/bad-ipv4.log"; then
  pass "bad-ipv4: the error names the word and the bad address"
else
  fail "bad-ipv4: the error does not name the word and the bad address"
fi

expect_poweroff bad-set \
  "vigil: bad config: --set interval=10: interval: expected" -- vigil.set=interval=10
if grep -q '^vigil: exited with status 2' "$T_WORK/bad-set.log"; then
  pass "bad-set: the exit status is reported before the power-off"
else
  fail "bad-set: no 'vigil: exited with status 2' line"
fi

finish
