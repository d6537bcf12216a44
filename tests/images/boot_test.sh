#!/bin/bash
# Boot test: builds the initramfs, boots it under qemu (TCG, user networking), waits for
# `vigil ready` on the console, then from the host:
#   - `l` on the forwarded control port answers `ok: *:info`;
#   - the forwarded memtrace port streams a valid trace (its info packet first), whose
#     stacks name vigil's functions (the image's /init keeps its symbol table);
#   - an influx-tcp output pointed at a receiver on the host (10.0.2.2, the gateway of
#     user networking) delivers points;
#   - `shutdown` powers the VM off and run-qemu exits 0 within a few seconds, with no panic;
#   - only the drivers of the devices present load: the kernel logs no e1000 in that VM,
#     and a second VM with an e1000 NIC (and no virtio one) comes up and answers `l`.
# A check whose feature this build of vigil lacks (found by running it on the host first)
# is skipped with that reason. On failure the console log is printed.
#
#   tests/images/boot_test.sh        (env: VIGIL_BIN, VIGIL_BUILD, QEMU_ACCEL)
set -euo pipefail
source "$(dirname "$0")/common.sh"

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed"
vigil=$(find_vigil)
export VIGIL_IMAGES=$VIGIL_BUILD/images-test
console=$T_WORK/console.log

show_console() {
  echo "---- console log ($console) ----"
  cat "$console" 2>/dev/null || true
  echo "---- end of console log ----"
}

if ! "$VIGIL_ROOT/images/build-initramfs" >"$T_WORK/build.log" 2>&1; then
  cat "$T_WORK/build.log"
  fail "images/build-initramfs"
  finish
fi
pass "images/build-initramfs built $(human_size "$VIGIL_IMAGES/initramfs.cpio.gz")"

# What this build serves decides the VM's config: an output kind vigil refuses at start-up
# would stop the boot.
eval "$(probe_features "$vigil")"
start_sink "$T_WORK/vm.sink"
params=()
if ((HAVE_PUSH)); then
  output="{kind=\"influx-tcp\",url=\"tcp://10.0.2.2:$SINK_PORT\"}"
  params+=(vigil.set=interval=1s "vigil.set=outputs=[$output]")
fi
# Sample about every 20th word, so that the control commands sent while tracing surely
# appear in the trace.
params+=(vigil.set=memtrace.sampling_rate=0.05)
# The kernel's driver messages on the console, to see which drivers loaded.
params+=(loglevel=7)
control_port=$(free_port)
memtrace_port=$(free_port)
"$VIGIL_ROOT/images/run-qemu" --control-port "$control_port" --memtrace-port "$memtrace_port" \
  -- "${params[@]}" </dev/null >"$console" 2>&1 &
qemu_pid=$!
T_PIDS+=("$qemu_pid")

if ! wait_for_match "$console" '^vigil ready' 40; then
  fail "no 'vigil ready' on the console within 40 s"
  show_console
  finish
fi
pass "$(grep -m1 '^vigil ready' "$console" | tr -d '\r')"

if ((HAVE_CONTROL)); then
  reply=$(control 127.0.0.1 "$control_port" l)
  if [[ $reply == "ok: *:info" ]]; then
    pass "control port answers 'l' with 'ok: *:info'"
  else
    fail "control port answered 'l' with '$reply', expected 'ok: *:info'"
  fi
else
  skip "control port: this build of vigil does not serve it (no answer on the host either)"
fi

if ((HAVE_MEMTRACE)); then
  capture_memtrace 127.0.0.1 "$memtrace_port" "$T_WORK/vm.ctf" 3 &
  capture_pid=$!
  sleep 1
  for _ in 1 2 3; do control 127.0.0.1 "$control_port" l >/dev/null; done
  wait "$capture_pid" || true
  if valid_trace "$T_WORK/vm.ctf"; then
    pass "memtrace port streams a valid trace ($(stat -c %s "$T_WORK/vm.ctf") bytes)"
    tool=$VIGIL_BUILD/tools/vigil-trace
    if [[ -x $tool ]]; then
      "$tool" flamegraph "$T_WORK/vm.ctf.repaired" >"$T_WORK/vm.folded" 2>&1 || true
      if grep -q 'vigil::' "$T_WORK/vm.folded"; then
        pass "the VM's trace names vigil's functions ($(grep -c 'vigil::' "$T_WORK/vm.folded") stacks)"
      else
        fail "the VM's trace names no vigil:: function (is /init stripped?)"
        head -c 1500 "$T_WORK/vm.folded"
      fi
    else
      skip "function names in the VM's trace: no vigil-trace in this build"
    fi
  else
    fail "memtrace port: no valid trace ($(stat -c %s "$T_WORK/vm.ctf") bytes)"
    cat "$T_WORK/vm.ctf.summary" 2>/dev/null || true
  fi
else
  skip "memtrace port: this build of vigil does not stream (nothing on the host either)"
fi

if ((HAVE_PUSH)); then
  if wait_for_match "$T_WORK/vm.sink" '.' 8 && sleep 0.5 && (($(influx_lines "$T_WORK/vm.sink") > 0)); then
    pass "points arrived at the host receiver via 10.0.2.2 ($(influx_lines "$T_WORK/vm.sink") lines)"
  else
    fail "no Influx lines from the VM at the host receiver"
    head -c 2000 "$T_WORK/vm.sink"
  fi
else
  skip "metrics push: this build of vigil sends no points (none on the host either)"
fi

if ((HAVE_CONTROL)); then
  reply=$(control 127.0.0.1 "$control_port" shutdown)
  status=0
  for _ in $(seq 100); do
    kill -0 "$qemu_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$qemu_pid" 2>/dev/null; then
    fail "qemu still runs 10 s after 'shutdown' (reply '$reply')"
    show_console
  else
    wait "$qemu_pid" || status=$?
    if ((status == 0)) && grep -q '^run-qemu: vigil stopped cleanly' "$console" &&
      ! grep -q 'Kernel panic' "$console"; then
      pass "'shutdown' powered the VM off, run-qemu exited 0"
    else
      fail "after 'shutdown': run-qemu exit status $status (console below)"
      show_console
    fi
  fi
else
  skip "shutdown over the control port: no control port in this build"
fi

if grep -q 'virtio_net virtio[0-9]* eth0\|virtio-pci' "$console" && ! grep -q 'e1000' "$console"; then
  pass "the virtio VM loaded its NIC's drivers and not e1000's"
else
  fail "the virtio VM's kernel log names e1000, or no virtio device"
  show_console
fi

# A VM with an e1000 NIC: vigil must load e1000 (and not stop for want of a NIC).
e1000_console=$T_WORK/console-e1000.log
control_port=$(free_port)
"$VIGIL_ROOT/images/run-qemu" --nic e1000 --control-port "$control_port" --memtrace-port 0 \
  -- loglevel=7 </dev/null >"$e1000_console" 2>&1 &
qemu_pid=$!
T_PIDS+=("$qemu_pid")
if wait_for_match "$e1000_console" '^vigil ready' 40 && grep -q 'e1000.*eth0' "$e1000_console"; then
  if ((HAVE_CONTROL)); then
    reply=$(control 127.0.0.1 "$control_port" l)
    if [[ $reply == "ok: *:info" ]]; then
      pass "the e1000 VM loaded e1000 and answers 'l'"
    else
      fail "the e1000 VM answered 'l' with '$reply'"
    fi
    control 127.0.0.1 "$control_port" shutdown >/dev/null || true
  else
    pass "the e1000 VM loaded e1000 and is ready"
  fi
else
  fail "the e1000 VM: no 'vigil ready' with an e1000 eth0 within 40 s"
  cat "$e1000_console"
fi

if ((T_FAILED > 0)); then show_console; fi
finish
