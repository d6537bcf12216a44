#!/usr/bin/env bash
# Builds the control-parser fuzzer with clang and runs it for a fixed time budget.
#   .ci/fuzz-control.sh [SECONDS]   (default 60)
# Exits non-zero when the build fails or the fuzzer finds a crash, a leak or a broken
# reply; the crashing input is left in fuzz-out/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
budget="${1:-60}"
bin="$root/fuzz-out/fuzz_control_parse"
"$root/tools/fuzz-control" "$bin"
# New inputs go to a scratch corpus so the checked-in seeds stay small and reviewed.
work="$root/fuzz-out/corpus-control"
mkdir -p "$work"
echo "fuzzing the control parser for ${budget}s"
"$bin" -max_total_time="$budget" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
  -artifact_prefix="$root/fuzz-out/" -print_final_stats=1 \
  "$work" "$root/tests/fuzz/corpus/control"
