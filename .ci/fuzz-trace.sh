#!/usr/bin/env bash
# Fuzzes the memtrace reader, the trace model and its converters
# (tests/fuzz/fuzz_trace_reader.cpp) with libFuzzer, ASan and
# UBSan for a time budget.
# usage: .ci/fuzz-trace.sh [SECONDS]   (default 60)
# Exit status: 0 if no crash was found in the budget, non-zero otherwise (the crashing input
# is left in fuzz-out/trace/ as crash-*).
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/fuzz-out/trace
mkdir -p "$out/corpus"
cxx=${CXX_FUZZ:-clang++}

echo "building $out/fuzz_trace_reader with $cxx"
# The HTML report's page, style and script, compiled in as meson does.
python3 "$root/trace/report/embed.py" "$out/report_assets.cpp" vigil::trace::report_assets \
  "kPage=$root/trace/report/report.html" "kStyle=$root/trace/report/report.css" \
  "kScript=$root/trace/report/model.js+$root/trace/report/chart.js+$root/trace/report/flame.js+$root/trace/report/table.js"
"$cxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root" \
  "$root/tests/fuzz/fuzz_trace_reader.cpp" \
  "$root/trace/trace_reader.cpp" \
  "$root/trace/trace_text.cpp" \
  "$root/trace/trace_model.cpp" \
  "$root/trace/pprof_writer.cpp" \
  "$root/trace/heaptrack_writer.cpp" \
  "$root/trace/trace_timeline.cpp" \
  "$root/trace/trace_functions.cpp" \
  "$root/trace/report_data.cpp" \
  "$root/trace/report_html.cpp" \
  "$out/report_assets.cpp" \
  -o "$out/fuzz_trace_reader"

# New inputs go to fuzz-out/trace/corpus; the checked-in seeds stay unchanged.
echo "fuzzing for ${seconds}s"
cd "$out"
./fuzz_trace_reader -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
  -timeout=10 -print_final_stats=1 corpus "$root/tests/fuzz/corpus/trace"
