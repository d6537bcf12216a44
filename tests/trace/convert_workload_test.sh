#!/bin/sh
# vigil-trace on the running examples/alloc_workload, live from its memtrace port and from the
# saved capture, judged by `go tool pprof` and `heaptrack_print`:
#   - pprof, alloc_space: alloc_big and alloc_small are the top two, their bytes 3:1 within
#     the statistical bound of tests/memprof/test_trace_port.cpp (5 sigma of the ratio of two
#     Poisson counts); inuse_space shows leak_some, and not alloc_small's freed blocks;
#   - heaptrack: alloc_big is the top peak consumer and the most-allocated site, leak_some is
#     under leaks, and the peak and leaked totals equal what `vigil-trace summary` estimates;
#   - a refused port, and a port that closes at once (another client traces), exit 1 with a
#     one-line error.
# Exit 77 (skipped) when a tool is missing.
# usage: convert_workload_test.sh VIGIL_TRACE ALLOC_WORKLOAD
set -eu
bin=$1
workload=$2
for tool in go heaptrack_print; do
  command -v $tool > /dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
tmp=$(mktemp -d)
. "$(dirname "$0")/workload.sh"
cleanup() {
  stop_workload
  rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp" GOCACHE="$tmp/gocache" GOPATH="$tmp/gopath" GOPROXY=off GOTOOLCHAIN=local
export GOFLAGS= PPROF_TMPDIR="$tmp"
fail=0
pprof() { go tool pprof "$@" 2> "$tmp/pprof.err"; }

start_workload --set memtrace.seed=7 || exit 1

# --- pprof, live (the capture also saved), then from the saved file.
"$bin" pprof -o "$tmp/live.pb.gz" --save "$tmp/a.ctf" "$addr" --seconds 3 2> "$tmp/live.err" \
  || { echo "FAIL: live pprof exit: $(cat "$tmp/live.err")"; fail=1; }
grep -q "events, [0-9]* bytes" "$tmp/live.err" || { echo "FAIL: no progress line"; fail=1; }
"$bin" pprof -o "$tmp/file.pb.gz" "$tmp/a.ctf" || { echo "FAIL: pprof of the saved capture"; fail=1; }

check_pprof() {  # PROFILE LABEL
  pprof -raw "$1" > /dev/null || { echo "FAIL: $2: -raw: $(cat "$tmp/pprof.err")"; fail=1; return; }
  pprof -top -sample_index=alloc_space -unit=B -nodefraction=0 "$1" > "$tmp/top"
  first=$(awk '/flat%/ { getline; print $NF; getline; print $NF; exit }' "$tmp/top" | tr '\n' ' ')
  case "$first" in
    *alloc_big*alloc_small*) ;;
    *) echo "FAIL: $2: top two are '$first'"; cat "$tmp/top"; fail=1 ;;
  esac
  big=$(awk '$NF ~ /alloc_big/ { sub("B", "", $1); print $1; exit }' "$tmp/top")
  small=$(awk '$NF ~ /alloc_small/ { sub("B", "", $1); print $1; exit }' "$tmp/top")
  period=$(pprof -raw "$1" | sed -n 's/^Period: //p')
  # Bytes / period = samples; the ratio's relative sigma is sqrt(1/n_big + 1/n_small).
  awk -v b="$big" -v s="$small" -v p="$period" -v l="$2" 'BEGIN {
        nb = b / p; ns = s / p; if (ns < 100) { print "FAIL: " l ": only " ns " samples"; exit 1 }
        r = b / s; tol = 5 * sqrt(1 / nb + 1 / ns)
        printf "%s: alloc_big:alloc_small = %.3f (3 +- %.1f%%)\n", l, r, tol * 100
        exit !((r / 3 - 1 < tol) && (1 - r / 3 < tol)) }' || { echo "FAIL: $2: ratio"; fail=1; }
  pprof -top -sample_index=inuse_space -unit=B -nodefraction=0 "$1" > "$tmp/inuse"
  grep -q 'leak_some' "$tmp/inuse" || { echo "FAIL: $2: no leak_some in inuse_space"; fail=1; }
  # alloc_small frees each block before it returns: in use is a sliver, if anything.
  inuse_small=$(awk '$NF ~ /alloc_small/ { sub("B", "", $1); print $1; exit }' "$tmp/inuse")
  awk -v u="${inuse_small:-0}" -v a="$small" 'BEGIN { exit !(u * 20 < a) }' \
    || { echo "FAIL: $2: alloc_small in use $inuse_small of $small allocated"; fail=1; }
}
check_pprof "$tmp/live.pb.gz" "pprof live"
check_pprof "$tmp/file.pb.gz" "pprof from file"

# --- heaptrack, live (saved), then from the file; the summary of the same capture.
# The first capture warmed the workload's symbolizer (its own allocations at the start of a
# session's first symbolization would otherwise top the peak list for a second or so).
# alloc_big's working set (2 threads x 4096 x 192 bytes, 1.5 MiB) tops the peak; leak_some
# grows by about 90 KB/s and the standard library's sites stay below 100 KB.
"$bin" heaptrack -o "$tmp/live.heaptrack.zst" --save "$tmp/b.ctf" "$addr" --seconds 2 2> "$tmp/live.err" \
  || { echo "FAIL: live heaptrack exit: $(cat "$tmp/live.err")"; fail=1; }
"$bin" heaptrack -o "$tmp/file.heaptrack.gz" "$tmp/b.ctf" || { echo "FAIL: heaptrack of the file"; fail=1; }
"$bin" summary "$tmp/b.ctf" > "$tmp/b.summary" || { echo "FAIL: summary of the capture"; fail=1; }
peak=$(sed -n 's/^estimated_peak_live_bytes: \([0-9]*\).*/\1/p' "$tmp/b.summary")
leak=$(sed -n 's/^estimated_live_bytes_at_end: \([0-9]*\).*/\1/p' "$tmp/b.summary")
to_bytes() { sed -n "s/^$1: \([0-9.]*\)\([KMG]\?\)$/\1 \2/p" | awk '{m=1; if($2=="K")m=1e3; if($2=="M")m=1e6; if($2=="G")m=1e9; printf "%.0f\n", $1*m}'; }
# The first line after each section title names the top site.
top_of() { awk -v s="$1" '$0 == s { getline; getline; print; exit }' "$2"; }
for f in live.heaptrack.zst file.heaptrack.gz; do
  heaptrack_print -p 1 -a 1 -l 1 -T 0 "$tmp/$f" > "$tmp/$f.txt" 2>&1
  top_of "MOST CALLS TO ALLOCATION FUNCTIONS" "$tmp/$f.txt" | grep -q alloc_big \
    || { echo "FAIL: $f: alloc_big is not the most-allocated site"; fail=1; }
  top_of "PEAK MEMORY CONSUMERS" "$tmp/$f.txt" | grep -q alloc_big \
    || { echo "FAIL: $f: alloc_big is not the top peak consumer"; sed -n '/^PEAK MEMORY CONSUMERS$/,/^$/p' "$tmp/$f.txt"; fail=1; }
  sed -n '/^MEMORY LEAKS$/,$p' "$tmp/$f.txt" | grep -q 'leak_some' \
    || { echo "FAIL: $f: leak_some is not under leaks"; fail=1; }
  hpeak=$(to_bytes "peak heap memory consumption" < "$tmp/$f.txt")
  hleak=$(to_bytes "total memory leaked" < "$tmp/$f.txt")
  echo "$f: peak $hpeak (summary $peak), leaked $hleak (summary $leak)"
  # heaptrack_print rounds to 3 significant digits; the figures come from the same samples.
  awk -v a="$hpeak" -v b="$peak" -v c="$hleak" -v d="$leak" 'BEGIN {
        exit !(b > 0 && d > 0 && (a-b)/b < 0.005 && (b-a)/b < 0.005 && (c-d)/d < 0.005 && (d-c)/d < 0.005) }' \
    || { echo "FAIL: $f: totals differ from the summary"; fail=1; }
done

# --- a port that closes at once: another client is tracing.
"$bin" summary "$addr" --seconds 4 > /dev/null 2>&1 &
holder=$!
sleep 1
if "$bin" summary "$addr" --seconds 1 > /dev/null 2> "$tmp/busy.err"; then
  echo "FAIL: a busy port exited 0"; fail=1
fi
[ "$(wc -l < "$tmp/busy.err")" -eq 1 ] && grep -q "closed the connection without sending a trace" "$tmp/busy.err" \
  || { echo "FAIL: busy port message: $(cat "$tmp/busy.err")"; fail=1; }
wait $holder || { echo "FAIL: the first client failed"; fail=1; }

# --- a refused port: the workload's, once it has exited.
stop_workload
if "$bin" pprof -o "$tmp/x.pb.gz" "$addr" --seconds 1 2> "$tmp/refused.err"; then
  echo "FAIL: a refused port exited 0"; fail=1
fi
[ "$(wc -l < "$tmp/refused.err")" -eq 1 ] && grep -q "^vigil-trace: connect $addr: Connection refused$" "$tmp/refused.err" \
  || { echo "FAIL: refused message: $(cat "$tmp/refused.err")"; fail=1; }
[ $fail -eq 0 ] && echo "PASS: pprof and heaptrack of the live workload"
exit $fail
