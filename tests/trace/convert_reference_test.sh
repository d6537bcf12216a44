#!/bin/sh
# vigil-trace pprof and heaptrack on the reference traces, judged by the real tools:
# `go tool pprof` (Debian golang-go) and `heaptrack_print` (Debian heaptrack). The expected
# totals come from the reference summaries in tests/data/memtrace, which memtrace's own
# library computed. Exit 77 (skipped) when a tool is missing.
# usage: convert_reference_test.sh VIGIL_TRACE TESTDATA_MEMTRACE_DIR
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
data=$2
for tool in go heaptrack_print; do
  command -v $tool > /dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# go tool pprof must never reach the network, nor write outside the test's directory.
export HOME="$tmp" GOCACHE="$tmp/gocache" GOPATH="$tmp/gopath" GOPROXY=off GOTOOLCHAIN=local
export GOFLAGS= PPROF_TMPDIR="$tmp"
fail=0
pprof() { go tool pprof "$@" 2> "$tmp/pprof.err"; }

# cxx_v2: 600 samples at rate 1e-4, so 6000000 words = 48000000 bytes allocated.
"$bin" pprof -o "$tmp/cxx.pb.gz" "$data/cxx_v2.ctf" || { echo "FAIL: pprof exit"; fail=1; }
pprof -raw "$tmp/cxx.pb.gz" > "$tmp/cxx.raw" || { echo "FAIL: pprof -raw: $(cat "$tmp/pprof.err")"; fail=1; }
grep -q '^alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes\[dflt\]$' "$tmp/cxx.raw" \
  || { echo "FAIL: sample types"; fail=1; }
grep -q '^PeriodType: space bytes$' "$tmp/cxx.raw" || { echo "FAIL: period type"; fail=1; }
grep -q '^Period: 80000$' "$tmp/cxx.raw" || { echo "FAIL: period (8 / 1e-4 bytes)"; fail=1; }
grep -q '^Comment: host_name: appliance$' "$tmp/cxx.raw" || { echo "FAIL: info comments"; fail=1; }
pprof -top -sample_index=alloc_space -unit=B "$tmp/cxx.pb.gz" > "$tmp/cxx.top"
grep -q 'Total samples = 48000000B' "$tmp/cxx.top" || { echo "FAIL: alloc_space total"; cat "$tmp/cxx.top"; fail=1; }
# Site 1 of the reference summary: 310 samples = 24800000 bytes in app::Cache::insert.
grep -q '^ *24800000B .*app::Cache::insert' "$tmp/cxx.top" || { echo "FAIL: top site"; fail=1; }

# --from/--to: the reference trace spans 1 s; an empty window has no allocations.
"$bin" pprof -o "$tmp/late.pb.gz" --from 5 --to 6 "$data/cxx_v2.ctf"
pprof -top -sample_index=alloc_space -unit=B "$tmp/late.pb.gz" | grep -q 'Showing nodes accounting for 0, 0% of 0 total' \
  || { echo "FAIL: --from 5 --to 6 is not empty"; fail=1; }
"$bin" pprof -o "$tmp/half.pb.gz" --to 0.5 "$data/cxx_v2.ctf"
half=$(pprof -top -sample_index=alloc_space -unit=B "$tmp/half.pb.gz" | sed -n 's/.*Total samples = \([0-9]*\)B.*/\1/p')
[ "$half" -gt 0 ] && [ "$half" -lt 48000000 ] || { echo "FAIL: --to 0.5 gave $half"; fail=1; }
pprof -raw "$tmp/late.pb.gz" > /dev/null && pprof -raw "$tmp/half.pb.gz" > /dev/null || { echo "FAIL: -raw of a window"; fail=1; }

# The OCaml viewer's trace (minor and major allocations, promotions) converts too.
"$bin" pprof -o "$tmp/viewer.pb.gz" "$data/viewer_test_trace.ctf"
pprof -raw "$tmp/viewer.pb.gz" > /dev/null || { echo "FAIL: -raw of the viewer trace"; fail=1; }

# heaptrack: every suffix, all read by heaptrack_print; 400 allocations as in the reference.
(cd "$data" && "$bin" summary cxx_v2.ctf) > "$tmp/cxx.summary"
peak=$(sed -n 's/^estimated_peak_live_bytes: \([0-9]*\).*/\1/p' "$tmp/cxx.summary")
leak=$(sed -n 's/^estimated_live_bytes_at_end: \([0-9]*\).*/\1/p' "$tmp/cxx.summary")
for out in cxx.heaptrack.zst cxx.heaptrack.gz cxx.heaptrack; do
  "$bin" heaptrack -o "$tmp/$out" "$data/cxx_v2.ctf" || { echo "FAIL: heaptrack $out exit"; fail=1; }
  heaptrack_print "$tmp/$out" > "$tmp/$out.txt" 2>&1
  grep -q '^calls to allocation functions: 400 ' "$tmp/$out.txt" || { echo "FAIL: $out calls"; fail=1; }
  ! grep -q 'failed to parse' "$tmp/$out.txt" || { echo "FAIL: $out has bad lines"; fail=1; }
done
# heaptrack_print prints decimal prefixes with two decimals: compare within 0.5 %.
to_bytes() { sed -n "s/^$1: \([0-9.]*\)\([KMG]\?\)$/\1 \2/p" | awk '{m=1; if($2=="K")m=1e3; if($2=="M")m=1e6; if($2=="G")m=1e9; printf "%.0f\n", $1*m}'; }
hpeak=$(to_bytes "peak heap memory consumption" < "$tmp/cxx.heaptrack.zst.txt")
hleak=$(to_bytes "total memory leaked" < "$tmp/cxx.heaptrack.zst.txt")
awk -v a="$hpeak" -v b="$peak" 'BEGIN { exit !(b > 0 && (a-b)/b < 0.005 && (b-a)/b < 0.005) }' \
  || { echo "FAIL: heaptrack peak $hpeak vs summary $peak"; fail=1; }
awk -v a="$hleak" -v b="$leak" 'BEGIN { exit !(b > 0 && (a-b)/b < 0.005 && (b-a)/b < 0.005) }' \
  || { echo "FAIL: heaptrack leaked $hleak vs summary $leak"; fail=1; }
grep -q '^temporary memory allocations: ' "$tmp/cxx.heaptrack.zst.txt" || { echo "FAIL: no totals"; fail=1; }

# A trace cut mid-packet: the output of the complete packets, an error, exit 1.
head -c 3000 "$data/cxx_v2.ctf" > "$tmp/cut.ctf"
for cmd in pprof heaptrack; do
  if "$bin" $cmd -o "$tmp/cut.$cmd" "$tmp/cut.ctf" 2> "$tmp/cut.err"; then
    echo "FAIL: $cmd of a cut trace exited 0"; fail=1
  fi
  grep -q "truncated packet at byte 585" "$tmp/cut.err" || { echo "FAIL: $cmd: no truncation message"; fail=1; }
done
pprof -raw "$tmp/cut.pprof" > /dev/null || { echo "FAIL: -raw of a cut trace's profile"; fail=1; }
heaptrack_print "$tmp/cut.heaptrack" 2>&1 | grep -q '^calls to allocation functions: ' \
  || { echo "FAIL: heaptrack of a cut trace"; fail=1; }

# Usage errors.
set +e
"$bin" pprof "$data/cxx_v2.ctf" 2> /dev/null; [ $? -eq 2 ] || { echo "FAIL: pprof without -o"; fail=1; }
"$bin" flamegraph --from 1 "$data/cxx_v2.ctf" 2> /dev/null; [ $? -eq 2 ] || { echo "FAIL: --from on flamegraph"; fail=1; }
"$bin" report "$data/cxx_v2.ctf" 2> /dev/null; [ $? -eq 2 ] || { echo "FAIL: report without -o"; fail=1; }
"$bin" live "$data/cxx_v2.ctf" 2> /dev/null; [ $? -eq 2 ] || { echo "FAIL: live on a file"; fail=1; }
set -e
[ $fail -eq 0 ] && echo "PASS: pprof and heaptrack outputs of the reference traces"
exit $fail
