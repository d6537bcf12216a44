# shellcheck shell=sh
# Shared by the tests/trace scripts that trace the running examples/alloc_workload
# (sourced; the caller sets `workload` to its path and `tmp` to its temp dir).
#
# start_workload [ARGS...]: starts the workload with its memtrace port on a free loopback
# port (written to $tmp/port), the control port off, a sampling rate of 0.001 and ARGS
# (a later --set wins); its stdout and stderr go to $tmp/workload.out and
# $tmp/workload.err. Waits up to 10 s for the port. Sets wpid and addr (127.0.0.1:PORT);
# returns 1, after saying FAIL, when no port came.
# stop_workload: kills and reaps it, if it runs (for the EXIT trap too).
wpid=
start_workload() {
  rm -f "$tmp/port"
  "$workload" --set memtrace.listen=127.0.0.1:0 --set control.listen= --port-file "$tmp/port" \
    --set memtrace.sampling_rate=0.001 "$@" > "$tmp/workload.out" 2> "$tmp/workload.err" &
  wpid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
  [ -s "$tmp/port" ] || { echo "FAIL: the workload wrote no port"; return 1; }
  addr=127.0.0.1:$(cat "$tmp/port")
}

stop_workload() {
  [ -n "$wpid" ] || return 0
  kill "$wpid" 2> /dev/null || true
  wait "$wpid" 2> /dev/null || true  # its status is the signal's: not a failure here
  wpid=
}
