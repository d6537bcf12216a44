#!/bin/bash
# images/run-qemu's exit status tells how the VM ended (see its header):
#   - `shutdown` on the forwarded control port: 0, "vigil stopped cleanly";
#   - a bad boot parameter: 2, vigil's error and "exit status 2";
#   - a kernel panic, twice: no init at all (rdinit=/nonexistent) and a PID 1 that exits
#     (rdinit=the dynamic loader, which prints its usage and exits 127): 126;
#   - qemu that cannot start (the control port's forward is taken): 127.
# Runs under TCG; skips (77) without qemu or without an installed kernel.
#
#   tests/images/exit_status_test.sh   (env: VIGIL_BIN, VIGIL_BUILD, QEMU_ACCEL)
set -euo pipefail
source "$(dirname "$0")/common.sh"

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed"
if [[ -z ${KVER:-} && -z $(newest_kernel_release) ]]; then
  skip_all "no kernel in /boot with modules (install linux-image-amd64)"
fi
export VIGIL_IMAGES=$VIGIL_BUILD/images-test
if ! "$VIGIL_ROOT/images/build-initramfs" >"$T_WORK/build.log" 2>&1; then
  cat "$T_WORK/build.log"
  fail "images/build-initramfs"
  finish
fi

# Checks that the run logged in $2 ended with status $3 and that its log holds each fixed
# string in $4...; prints the log otherwise.
expect_run() {
  local name=$1 log=$2 want=$3 got=$4 s missing=""
  shift 4
  for s in "$@"; do grep -qF -- "$s" "$log" || missing+=" '$s'"; done
  if [[ $got == "$want" && -z $missing ]]; then
    pass "$name: run-qemu exited $got: $(grep -m1 '^run-qemu: ' "$log")"
  else
    fail "$name: run-qemu exited $got (want $want; 124: timeout)${missing:+, missing$missing}"
    cat "$log"
  fi
}

# Boots with run-qemu's arguments "$@", no ports forwarded, and waits up to 60 s for it to
# end by itself. Sets RC.
run_alone() {
  local log=$1
  shift
  RC=0
  timeout 60 "$VIGIL_ROOT/images/run-qemu" --control-port 0 --memtrace-port 0 "$@" \
    </dev/null >"$log" 2>&1 || RC=$?
}

# 1. A clean stop: `shutdown` over the forwarded control port.
log=$T_WORK/clean.log
port=$(free_port)
"$VIGIL_ROOT/images/run-qemu" --control-port "$port" --memtrace-port 0 </dev/null >"$log" 2>&1 &
qemu_pid=$!
T_PIDS+=("$qemu_pid")
if wait_for_match "$log" '^vigil ready' 60; then
  reply=$(control 127.0.0.1 "$port" shutdown)
  rc=timeout
  for _ in $(seq 200); do
    if ! kill -0 "$qemu_pid" 2>/dev/null; then
      rc=0
      wait "$qemu_pid" || rc=$?
      break
    fi
    sleep 0.1
  done
  expect_run clean-stop "$log" 0 "$rc" "vigil: powering off (exit status 0)" \
    "run-qemu: vigil stopped cleanly and powered off"
  [[ $reply == ok* ]] || fail "clean-stop: 'shutdown' got the reply '$reply'"
else
  fail "clean-stop: no 'vigil ready' on the console within 60 s"
  cat "$log"
fi

# 2. A bad boot parameter: vigil's error, then its status 2.
run_alone "$T_WORK/bad-param.log" --ipv4 10.0.2.300/24
expect_run bad-boot-parameter "$T_WORK/bad-param.log" 2 "$RC" \
  "'10.0.2.300' is not an IPv4 address" "vigil: powering off (exit status 2)" \
  "run-qemu: vigil powered off with exit status 2"

# 3. Kernel panics: no init, and a PID 1 that exits.
run_alone "$T_WORK/no-init.log" -- rdinit=/nonexistent
expect_run panic-no-init "$T_WORK/no-init.log" 126 "$RC" "Kernel panic" \
  "run-qemu: the VM ended without an exit status from vigil"
loader=/lib64/ld-linux-x86-64.so.2
if [[ -f $VIGIL_IMAGES/initramfs-root$loader ]]; then
  run_alone "$T_WORK/init-exits.log" -- "rdinit=$loader"
  expect_run panic-init-exits "$T_WORK/init-exits.log" 126 "$RC" "Attempted to kill init" \
    "run-qemu: the VM ended without an exit status from vigil"
else
  skip "panic-init-exits: the image has no $loader"
fi

# 4. qemu cannot start: the control port's host side is taken.
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True)
time.sleep(60)' >"$T_WORK/taken.port" &
T_PIDS+=($!)
wait_for_match "$T_WORK/taken.port" '^[0-9]+$' 5 || true
run_alone "$T_WORK/qemu-fails.log" --control-port "$(cat "$T_WORK/taken.port")"
expect_run qemu-fails "$T_WORK/qemu-fails.log" 127 "$RC" "run-qemu: qemu failed with status 1"

finish
