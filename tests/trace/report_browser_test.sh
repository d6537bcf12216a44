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
. "$here/workload.sh"
cleanup() {
  stop_workload
  rm -rf "$tmp"
}
trap cleanup EXIT
start_workload --set memtrace.seed=11 || exit 1
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
stop_workload
rc=0
"$py" "$here/report_browser.py" "$bin" "$tmp/report.html" "$tmp/a.ctf" "$tmp/cut.html" "$artifacts" || rc=$?
exit $rc
