#!/bin/sh
# Runs the vigil-trace binary on the reference traces: dump and summary must equal what
# memtrace's own tools print, byte for byte; bad input must give exit 1 and a message.
# usage: vigil_trace_test.sh VIGIL_TRACE TESTDATA_MEMTRACE_DIR
set -eu
bin=$1
data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

for t in cxx_v2 viewer_test_trace; do
  "$bin" dump "$data/$t.ctf" > "$tmp/$t.dump"
  cmp "$tmp/$t.dump" "$data/$t.dump.txt" || { echo "FAIL: dump of $t differs"; fail=1; }
  # The summary labels the file as given on the command line, as the reference does.
  # Its two live-set lines are vigil's own; the reference lacks them.
  (cd "$data" && "$bin" summary "$t.ctf") > "$tmp/$t.summary.all"
  grep -v '^estimated_live_bytes_at_end: \|^estimated_peak_live_bytes: ' "$tmp/$t.summary.all" > "$tmp/$t.summary"
  [ "$(grep -c '^estimated_' "$tmp/$t.summary.all")" -eq 3 ] || { echo "FAIL: live lines of $t"; fail=1; }
  cmp "$tmp/$t.summary" "$data/$t.summary.txt" || { echo "FAIL: summary of $t differs"; fail=1; }
done

# --version: exit 0, one line naming the program and a version.
version=$("$bin" --version) || { echo "FAIL: --version exited non-zero"; fail=1; }
case $version in "vigil-trace "?*) ;; *) echo "FAIL: --version printed '$version'"; fail=1 ;; esac

# A capture cut mid-packet: exit 1, a message naming the problem, and the complete packets.
head -c 3000 "$data/cxx_v2.ctf" > "$tmp/cut.ctf"
if "$bin" dump "$tmp/cut.ctf" > "$tmp/cut.dump" 2> "$tmp/cut.err"; then
  echo "FAIL: a truncated trace exited 0"; fail=1
fi
grep -q "truncated packet at byte 585" "$tmp/cut.err" || { echo "FAIL: no truncation message"; fail=1; }
"$bin" repair "$tmp/cut.ctf" "$tmp/fixed.ctf" 2> /dev/null || { echo "FAIL: repair"; fail=1; }
[ "$(wc -c < "$tmp/fixed.ctf")" -eq 585 ] || { echo "FAIL: repair kept the wrong size"; fail=1; }
"$bin" summary "$tmp/fixed.ctf" > /dev/null || { echo "FAIL: repaired trace unreadable"; fail=1; }

# Not a trace at all, and a missing file.
printf 'not a trace, just text\n' > "$tmp/text.ctf"
if "$bin" summary "$tmp/text.ctf" > /dev/null 2> "$tmp/text.err"; then
  echo "FAIL: a text file exited 0"; fail=1
fi
grep -q "bad magic" "$tmp/text.err" || { echo "FAIL: no bad-magic message"; fail=1; }
if "$bin" dump "$tmp/missing.ctf" 2> /dev/null; then echo "FAIL: a missing file exited 0"; fail=1; fi

# Usage: --help is success, a bad command is a usage error (2).
"$bin" --help | grep -q "flamegraph" || { echo "FAIL: --help"; fail=1; }
set +e
"$bin" frobnicate x.ctf 2> /dev/null
[ $? -eq 2 ] || { echo "FAIL: bad command did not exit 2"; fail=1; }
set -e

"$bin" flamegraph "$data/cxx_v2.ctf" | grep -q '^main;app::Server::run();app::Cache::insert(std::string const&) 24800000$' \
  || { echo "FAIL: flamegraph weight"; fail=1; }
exit $fail
