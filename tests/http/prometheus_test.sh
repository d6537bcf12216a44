#!/bin/sh
# /metrics judged by the real tools: `promtool check metrics` on a scrape of the running
# vigil, then a real Prometheus (started here on free loopback ports, 1 s scrape interval,
# its own temporary storage) read back through its HTTP query API:
#   - up == 1;
#   - vigil_memory_total_bytes{host="…"} equals MemTotal of /proc/meminfo, in bytes;
#   - the memory series stop after `Mmemory:disable` (the others go on) and come back after
#     `Mmemory:enable`.
# Prometheus runs with --query.lookback-delta=2s, so a series that stops is gone from
# instant queries 2 s later (vigil's samples carry their poll time).
# Exit 77 (skipped) when a tool is missing.
# usage: prometheus_test.sh VIGIL
set -eu
vigil=$1
. "$(dirname "$0")/lib.sh"
for tool in promtool prometheus curl python3 nc; do
  command -v $tool > /dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
tmp=$(mktemp -d)
vpid= ppid=
cleanup() {
  [ -n "$vpid" ] && kill "$vpid" 2> /dev/null && wait "$vpid" 2> /dev/null
  [ -n "$ppid" ] && kill "$ppid" 2> /dev/null && wait "$ppid" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0

"$vigil" --set http.listen=127.0.0.1:0 --set control.listen=127.0.0.1:0 --set memtrace.listen= \
  --set interval=1s --set hostname=prom-test > /dev/null 2> "$tmp/vigil.err" &
vpid=$!
hport=$(log_port "$tmp/vigil.err" "HTTP port") || { echo "FAIL: no HTTP port"; cat "$tmp/vigil.err"; exit 1; }
cport=$(log_port "$tmp/vigil.err" "control port") || { echo "FAIL: no control port"; exit 1; }
sleep 1.5  # a first poll

# --- promtool on a scrape.
curl -sf "http://127.0.0.1:$hport/metrics" > "$tmp/scrape" || { echo "FAIL: scrape"; exit 1; }
if promtool check metrics < "$tmp/scrape" > "$tmp/promtool.out" 2>&1; then
  echo "PASS: promtool check metrics: no problem ($(grep -c '^# TYPE' "$tmp/scrape") families)"
else
  echo "FAIL: promtool check metrics:"; cat "$tmp/promtool.out"; fail=1
fi
[ -s "$tmp/promtool.out" ] && { echo "FAIL: promtool printed:"; cat "$tmp/promtool.out"; fail=1; }
# Every built-in field is declared in its source's table: no fallback help.
if grep '^# HELP .* Field .* of ' "$tmp/scrape"; then
  echo "FAIL: fields without a declared kind and help (above)"; fail=1
fi
grep -q '^# TYPE vigil_net_rx_bytes_total counter$' "$tmp/scrape" || { echo "FAIL: net rx not a counter"; fail=1; }
grep -q '^# TYPE vigil_memory_total_bytes gauge$' "$tmp/scrape" || { echo "FAIL: memory total not a gauge"; fail=1; }
# The trace port's counters, a lost free record included (none lost here). A build without
# the allocator hook (the sanitizer builds) has no trace port and none of them.
if grep -q '^vigil_pipeline_trace_samples_total' "$tmp/scrape"; then
  for c in trace_samples trace_drops trace_free_lost; do
    grep -q "^vigil_pipeline_${c}_total{host=\"prom-test\"} 0 " "$tmp/scrape" || { echo "FAIL: no $c counter"; fail=1; }
  done
else
  echo "note: no trace counters (this vigil has no memtrace port)"
fi

# --- a real Prometheus.
start_prometheus "$tmp" "127.0.0.1:$hport"
ppid=$prom_pid
query() { prom_query "$1"; }
# wait_for EXPR WANT SECONDS: until the query prints WANT ("" for an empty result).
wait_for() {
  i=0
  while [ $i -lt $(($3 * 4)) ]; do
    got=$(query "$1" 2> /dev/null || echo "<query failed>")
    [ "$got" = "$2" ] && return 0
    sleep 0.25
    i=$((i + 1))
  done
  echo "FAIL: $1: got '$got', expected '$2'"
  return 1
}

mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
mem_bytes=$((mem_kb * 1024))
if wait_for 'up{job="vigil"}' 1 15; then echo "PASS: up == 1"; else fail=1; tail -5 "$tmp/prometheus.log"; fi
q='vigil_memory_total_bytes{host="prom-test"}'
if wait_for "$q" "$mem_bytes" 10; then echo "PASS: $q = $mem_bytes (MemTotal)"; else fail=1; fi

[ "$(control "$cport" 'Mmemory:disable')" = ok ] || { echo "FAIL: Mmemory:disable"; fail=1; }
if wait_for "$q" "" 8; then echo "PASS: the memory series stopped after Mmemory:disable"; else fail=1; fi
[ -n "$(query 'vigil_load_load1{host="prom-test"}')" ] || { echo "FAIL: the other series stopped too"; fail=1; }
[ "$(control "$cport" 'Mmemory:enable')" = ok ] || { echo "FAIL: Mmemory:enable"; fail=1; }
if wait_for "$q" "$mem_bytes" 8; then echo "PASS: the memory series came back after Mmemory:enable"; else fail=1; fi
wait_for 'up{job="vigil"}' 1 2 || fail=1

kill "$vpid" && wait "$vpid" || { echo "FAIL: vigil's exit status"; fail=1; }
vpid=
exit $fail
