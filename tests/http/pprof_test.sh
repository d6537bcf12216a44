#!/bin/sh
# /debug/pprof on the running examples/alloc_workload, judged by `go tool pprof`:
#   - `go tool pprof -top http://127.0.0.1:PORT/debug/pprof/heap?seconds=3` lists alloc_big
#     and alloc_small first (inuse_space, the heap default), and /debug/pprof/allocs
#     defaults to alloc_space;
#   - while that profile is taken: a scrape of /metrics is answered (200), a real Prometheus
#     scraping every second keeps up == 1 through the window (when prometheus is
#     installed), the memtrace port closes a client at once, and a second profile gets 409
#     naming the HTTP port;
#   - while a port-4242 client traces, a profile gets 409 naming the memtrace port;
#   - a client that goes away mid-window ends the session: the next profile starts at once;
#   - seconds=0, 301 and x get 400.
# The workload runs with batches of 2000 and 50 ms sleeps, so that leak_some (once a batch)
# stays below the 256 blocks alloc_small keeps alive per thread, and a 0.01 sampling rate.
# Exit 77 (skipped) when go or curl is missing.
# usage: pprof_test.sh ALLOC_WORKLOAD
set -eu
workload=$1
. "$(dirname "$0")/lib.sh"
for tool in go curl nc; do
  command -v $tool > /dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
tmp=$(mktemp -d)
wpid= bg= prom_pid=
cleanup() {
  [ -n "$bg" ] && kill $bg 2> /dev/null
  [ -n "$prom_pid" ] && kill "$prom_pid" 2> /dev/null && wait "$prom_pid" 2> /dev/null
  [ -n "$wpid" ] && kill "$wpid" 2> /dev/null && wait "$wpid" 2> /dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp" GOCACHE="$tmp/gocache" GOPATH="$tmp/gopath" GOPROXY=off GOTOOLCHAIN=local
export GOFLAGS= PPROF_TMPDIR="$tmp"
fail=0

"$workload" --set http.listen=127.0.0.1:0 --set memtrace.listen=127.0.0.1:0 --set control.listen= \
  --set memtrace.sampling_rate=0.003 --set interval=1s --batch 2000 --sleep-us 50000 \
  > "$tmp/workload.out" 2> "$tmp/workload.err" &
wpid=$!
hport=$(log_port "$tmp/workload.err" "HTTP port") || { echo "FAIL: no HTTP port"; exit 1; }
mport=$(log_port "$tmp/workload.err" "memtrace") || { echo "FAIL: no memtrace port"; exit 1; }
base="http://127.0.0.1:$hport"
# status URL [MAX_TIME]: the HTTP status of a GET (body in $tmp/body).
status() { curl -s -o "$tmp/body" -w '%{http_code}' --max-time "${2:-20}" "$1" || true; }

command -v prometheus > /dev/null && start_prometheus "$tmp" "127.0.0.1:$hport"
# A first short profile warms the symbolizer's caches.
[ "$(status "$base/debug/pprof/allocs?seconds=1")" = 200 ] || { echo "FAIL: warm-up profile"; fail=1; }

# Prometheus has scraped once before the window opens.
if [ -n "$prom_pid" ]; then
  for _ in $(seq 60); do [ "$(prom_query 'up{job="vigil"}' 2> /dev/null)" = 1 ] && break; sleep 0.25; done
fi

# --- the heap profile, and what else happens during its window.
go tool pprof -top "$base/debug/pprof/heap?seconds=3" > "$tmp/top" 2> "$tmp/pprof.err" &
bg=$!
sleep 1
s=$(status "$base/metrics")
[ "$s" = 200 ] && grep -q '^vigil_memory_total_bytes' "$tmp/body" \
  && echo "PASS: /metrics answered during a profile" || { echo "FAIL: /metrics during a profile: $s"; fail=1; }
s=$(status "$base/debug/pprof/heap?seconds=1")
[ "$s" = 409 ] && grep -q "HTTP port $hport" "$tmp/body" \
  && echo "PASS: a second profile: 409 $(cat "$tmp/body")" || { echo "FAIL: second profile: $s $(cat "$tmp/body")"; fail=1; }
n=$(timeout 2 nc 127.0.0.1 "$mport" < /dev/null | wc -c)
[ "$n" -eq 0 ] && echo "PASS: the memtrace port closes a client at once during a profile" \
  || { echo "FAIL: the memtrace port sent $n bytes during a profile"; fail=1; }
wait $bg || { echo "FAIL: go tool pprof: $(cat "$tmp/pprof.err")"; fail=1; }
bg=
if [ -n "$prom_pid" ]; then
  # The 3 s window just ended: every scrape in the last 3 s went through.
  n=$(prom_query 'count_over_time(up{job="vigil"}[3s])')
  low=$(prom_query 'min_over_time(up{job="vigil"}[3s])')
  [ "${n:-0}" -ge 2 ] && [ "$low" = 1 ] \
    && echo "PASS: Prometheus scraped $n times during the profile, up == 1 each time" \
    || { echo "FAIL: Prometheus during the profile: $n scrapes, min up '$low'"; fail=1; }
fi
grep -q '^Type: inuse_space' "$tmp/top" || { echo "FAIL: heap is not inuse_space"; fail=1; }
# In use: alloc_big keeps 4096 blocks per thread and alloc_small frees each block at once
# (examples/alloc_workload.cpp), so alloc_big leads and alloc_small is not near the top.
first=$(awk '/flat%/ { getline; print $NF; exit }' "$tmp/top")
case "$first" in
  *alloc_big*) echo "PASS: go tool pprof -top heap?seconds=3 (inuse_space) leads with $first" ;;
  *) echo "FAIL: inuse_space leads with '$first'"; cat "$tmp/top"; fail=1 ;;
esac
# The same profile by allocated bytes: alloc_big and alloc_small first (3:1 by design).
go tool pprof -top -sample_index=alloc_space "$tmp"/pprof.*.pb.gz > "$tmp/top_alloc" 2> "$tmp/pprof.err" \
  || { echo "FAIL: the saved heap profile: $(cat "$tmp/pprof.err")"; fail=1; }
first=$(awk '/flat%/ { getline; print $NF; getline; print $NF; exit }' "$tmp/top_alloc" | tr '\n' ' ')
case "$first" in
  *alloc_big*alloc_small*) echo "PASS: the heap profile by alloc_space: $first" ;;
  *) echo "FAIL: alloc_space top two are '$first'"; cat "$tmp/top_alloc"; fail=1 ;;
esac
go tool pprof -top "$base/debug/pprof/allocs?seconds=1" > "$tmp/allocs" 2> "$tmp/pprof.err" \
  || { echo "FAIL: allocs: $(cat "$tmp/pprof.err")"; fail=1; }
grep -q '^Type: alloc_space' "$tmp/allocs" && echo "PASS: allocs defaults to alloc_space" \
  || { echo "FAIL: allocs type"; head -12 "$tmp/allocs"; fail=1; }

# --- a port-4242 client holds the session.
nc -d 127.0.0.1 "$mport" > /dev/null &  # -d: reads nothing from stdin, sends no EOF
bg=$!
sleep 0.5
s=$(status "$base/debug/pprof/heap?seconds=1")
[ "$s" = 409 ] && grep -q "memtrace port $mport" "$tmp/body" \
  && echo "PASS: while 4242 traces: 409 $(cat "$tmp/body")" || { echo "FAIL: during a 4242 trace: $s $(cat "$tmp/body")"; fail=1; }
kill $bg 2> /dev/null
bg=
sleep 0.5

# --- a client that leaves mid-window.
s=$(status "$base/debug/pprof/heap?seconds=20" 1)
t0=$(date +%s)
s=$(status "$base/debug/pprof/heap?seconds=1")
[ "$s" = 200 ] && [ $(($(date +%s) - t0)) -lt 5 ] \
  && echo "PASS: a client leaving mid-window ended its session" || { echo "FAIL: after a client left: $s"; fail=1; }

# --- bad windows.
for n in 0 301 x -1; do
  s=$(status "$base/debug/pprof/heap?seconds=$n")
  [ "$s" = 400 ] || { echo "FAIL: seconds=$n: $s"; fail=1; }
done
[ $fail -eq 0 ] && echo "PASS: seconds=0, 301, x and -1: 400 ($(cat "$tmp/body"))"

kill "$wpid" && wait "$wpid" || { echo "FAIL: workload exit status"; fail=1; }
wpid=
exit $fail
