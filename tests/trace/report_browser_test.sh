#!/bin/sh
# vigil-trace report of the running examples/alloc_workload, opened in headless Chromium by
# tests/trace/report_browser.py (which says what it checks). Screenshots go to ARTIFACTS.
# Exit 77 (skipped) when Chromium, chromedriver or selenium is missing or cannot start.
# usage: report_browser_test.sh VIGIL_TRACE ALLOC_WORKLOAD ARTIFACTS
set -eu
bin=$1
workload=$2
artifacts=$3
here=$(dirname "$0")
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3  # Debian's, with python3-selenium
for tool in chromium chromedriver $py; do
  command -v $tool > /dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
tmp=$(mktemp -d)
wpid=
cleanup() {
  [ -n "$wpid" ] && kill "$wpid" 2> /dev/null && wait "$wpid" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
"$workload" --set memtrace.listen=127.0.0.1:0 --set control.listen= --port-file "$tmp/port" \
  --set memtrace.sampling_rate=0.001 --set memtrace.seed=11 > /dev/null 2> "$tmp/workload.err" &
wpid=$!
for i in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { echo "FAIL: the workload wrote no port"; exit 1; }
addr=127.0.0.1:$(cat "$tmp/port")
# A first short session warms the workload's symbolizer, whose own allocations would
# otherwise fill the start of the capture.
"$bin" summary "$addr" --seconds 1 > /dev/null 2>&1 || true
"$bin" report -o "$tmp/report.html" --save "$tmp/a.ctf" "$addr" --seconds 3 2> "$tmp/report.err" \
  || { echo "FAIL: vigil-trace report: $(cat "$tmp/report.err")"; exit 1; }
# A cut trace: the complete packets give a page, with a notice; the exit status is 1.
size=$(wc -c < "$tmp/a.ctf")
head -c $((size - 100)) "$tmp/a.ctf" > "$tmp/cut.ctf"
if "$bin" report -o "$tmp/cut.html" "$tmp/cut.ctf" 2> "$tmp/cut.err"; then
  echo "FAIL: the report of a cut trace exited 0"; exit 1
fi
[ -s "$tmp/cut.html" ] || { echo "FAIL: no report of the cut trace: $(cat "$tmp/cut.err")"; exit 1; }
mkdir -p "$artifacts"
cp "$tmp/report.html" "$artifacts/report.html"
echo "report: $artifacts/report.html ($(wc -c < "$tmp/report.html") bytes, trace $size bytes)"
kill "$wpid"; wait "$wpid" 2> /dev/null || true; wpid=
rc=0
"$py" "$here/report_browser.py" "$bin" "$tmp/report.html" "$tmp/a.ctf" "$tmp/cut.html" "$artifacts" || rc=$?
exit $rc
