#!/bin/sh
# Benchmark of vigil-trace report on a trace of at least 1 M events (bench_trace_model's
# server-shaped trace: 2000 call paths, 1.2 M events):
#   - size: the HTML file against the trace (target: at most 1/10);
#   - time to interactive in headless Chromium (target: within 2 s), against a baseline page
#     that holds the same script with a tiny trace, loaded in the same browser in the same
#     run; medians of 5 loads, with min..max.
# usage: bench/report.sh [BUILD_DIR]   (needs chromium, chromedriver, python3-selenium)
set -eu
build=${1:-build}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
"$build/bench/bench_trace_model" --write "$tmp/big.ctf" 600000
events=$("$build/tools/vigil-trace" summary "$tmp/big.ctf" | sed -n 's/^events: alloc=\([0-9]*\).* collect=\([0-9]*\)$/\1 \2/p' | awk '{ print $1 + $2 }')
start=$(date +%s.%N)
"$build/tools/vigil-trace" report -o "$tmp/big.html" "$tmp/big.ctf"
end=$(date +%s.%N)
# The baseline: the same page and script on the smallest reference trace.
"$build/tools/vigil-trace" report -o "$tmp/empty.html" "$here/../tests/data/memtrace/cxx_v2.ctf"
trace=$(wc -c < "$tmp/big.ctf")
html=$(wc -c < "$tmp/big.html")
awk -v e="$events" -v t="$trace" -v a="$start" -v b="$end" 'BEGIN { printf "trace: %d events, %d bytes; report written in %.2f s\n", e, t, b - a }'
awk -v h="$html" -v t="$trace" 'BEGIN { printf "size: report %d bytes = %.4f of the trace (target <= 0.1)\n", h, h / t }'
"$py" "$here/report_ready.py" 5 "$tmp/empty.html" "$tmp/big.html" | tee "$tmp/ready"
awk '/empty.html/ { b = $5 } /big.html/ { r = $5 } END {
  printf "time to interactive: %d ms, %.2f x the empty report (%d ms) (target <= 2000 ms)\n", r, r / b, b }' "$tmp/ready"
