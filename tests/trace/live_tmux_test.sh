#!/bin/sh
# vigil-trace live against the running examples/alloc_workload, in a real terminal (tmux):
#   - after 3 s the screen names alloc_big, with the header's figures;
#   - keys sort (t: total) and switch to allocated bytes (l); a resize redraws;
#   - q quits with exit 0 and a final line; the workload's port then accepts a new client;
#   - --save kept the capture: `vigil-trace summary` and `report` of it give the final line's
#     figures;
#   - stdout that is not a terminal is refused (exit 2, one clear line);
#   - a port that closes mid-stream leaves "disconnected" and the last figures on screen.
# The screens go to ARTIFACTS. Exit 77 (skipped) when tmux is missing.
# usage: live_tmux_test.sh VIGIL_TRACE ALLOC_WORKLOAD ARTIFACTS
set -eu
bin=$1
workload=$2
artifacts=$3
command -v tmux > /dev/null || { echo "SKIP: tmux is not installed"; exit 77; }
tmp=$(mktemp -d)
sock="vigil-live-test-$$-1"  # one tmux server per view: a killed server takes time to go
. "$(dirname "$0")/workload.sh"
cleanup() {
  tmux -L "${sock%-*}-1" kill-server 2> /dev/null || true
  tmux -L "${sock%-*}-2" kill-server 2> /dev/null || true
  stop_workload
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
mkdir -p "$artifacts"
screen() { tmux -L "$sock" capture-pane -p -J -t live > "$tmp/screen"; cp "$tmp/screen" "$artifacts/$1"; }
wait_for() {  # TEXT SECONDS: until the pane shows TEXT
  for i in $(seq $(($2 * 10))); do
    tmux -L "$sock" capture-pane -p -t live | grep -q "$1" && return 0
    sleep 0.1
  done
  return 1
}
run_live() {  # ARGS...: in a 160x40 tmux pane that stays after the command exits
  tmux -L "$sock" new-session -d -s live -x 160 -y 40 \
    "$bin live $* ; echo EXIT=\$?; sleep 60"
}

start_workload
"$bin" summary "$addr" --seconds 1 > /dev/null 2>&1 || true  # warms the symbolizer
run_live "$addr" --save "$tmp/live.ctf"
sleep 3
screen live-1-after-3s.txt
grep -q 'alloc_big' "$tmp/screen" || { echo "FAIL: after 3 s the screen does not name alloc_big"; cat "$tmp/screen"; fail=1; }
grep -q 'heap now .* peak .* alloc rate .*/s  events [0-9]' "$tmp/screen" \
  || { echo "FAIL: no header figures"; fail=1; }
grep -q "alloc_workload (pid $wpid)" "$tmp/screen" || { echo "FAIL: the header names no target"; fail=1; }
tmux -L "$sock" send-keys -t live t
wait_for 'sorted by total' 3 || { echo "FAIL: key t did not sort by total"; fail=1; }
tmux -L "$sock" send-keys -t live l
wait_for 'showing ALLOCATED' 3 || { echo "FAIL: key l did not switch to allocated"; fail=1; }
screen live-2-total-allocated.txt
tmux -L "$sock" resize-window -t live -x 100 -y 20
sleep 1.5
screen live-3-resized.txt
[ "$(tmux -L "$sock" capture-pane -p -t live | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 100 ] \
  && grep -q 'alloc_big' "$tmp/screen" || { echo "FAIL: after a resize"; cat "$tmp/screen"; fail=1; }
tmux -L "$sock" send-keys -t live q
wait_for 'EXIT=' 15 || { echo "FAIL: q did not quit"; fail=1; }
screen live-4-quit.txt
grep -q 'EXIT=0' "$tmp/screen" || { echo "FAIL: exit status after q"; cat "$tmp/screen"; fail=1; }
"$bin" summary "$addr" --seconds 1 > /dev/null 2> "$tmp/again.err" \
  || { echo "FAIL: the port does not accept a new client after q: $(cat "$tmp/again.err")"; fail=1; }
# The final line's figures, and the summary of the saved capture.
grep -o 'estimated_live_bytes_at_end: [0-9]* estimated_peak_live_bytes: [0-9]*' "$tmp/screen" > "$tmp/final" || true
"$bin" summary "$tmp/live.ctf" > "$tmp/saved.summary" || { echo "FAIL: summary of the saved capture"; fail=1; }
want="estimated_live_bytes_at_end: $(sed -n 's/^estimated_live_bytes_at_end: \([0-9]*\).*/\1/p' "$tmp/saved.summary") estimated_peak_live_bytes: $(sed -n 's/^estimated_peak_live_bytes: \([0-9]*\).*/\1/p' "$tmp/saved.summary")"
[ "$(cat "$tmp/final")" = "$want" ] \
  || { echo "FAIL: final line '$(cat "$tmp/final")', saved capture '$want'"; fail=1; }

# The report of the saved capture: its peak is the final line's.
"$bin" report -o "$tmp/live.html" "$tmp/live.ctf" || { echo "FAIL: report of the saved capture"; fail=1; }
rpeak=$(sed -n 's/.*"peak_samples":\([0-9]*\).*"bytes_per_sample":\([0-9.e+]*\).*/\1 \2/p' "$tmp/live.html" | awk '{ printf "%.0f", $1 * $2 }')
grep -q "estimated_peak_live_bytes: $rpeak\$" "$tmp/final" \
  || { echo "FAIL: the report's peak $rpeak is not the final line's: $(cat "$tmp/final")"; fail=1; }

# Not a terminal.
if "$bin" live "$addr" > "$tmp/out" 2> "$tmp/notty.err" < /dev/null; then rc=0; else rc=$?; fi
[ $rc -eq 2 ] && [ "$(wc -l < "$tmp/notty.err")" -eq 1 ] && grep -q 'is not a terminal' "$tmp/notty.err" \
  || { echo "FAIL: not a terminal: exit $rc, $(cat "$tmp/notty.err")"; fail=1; }

# The port closes mid-stream: the workload stops.
tmux -L "$sock" kill-server 2> /dev/null || true
sock="${sock%-*}-2"
run_live "$addr"
wait_for 'alloc_big' 5 || { echo "FAIL: second live view shows nothing"; fail=1; }
stop_workload
wait_for 'disconnected' 5 || { echo "FAIL: no 'disconnected' after the port closed"; fail=1; }
screen live-5-disconnected.txt
grep -q 'alloc_big' "$tmp/screen" || { echo "FAIL: the last figures are gone"; cat "$tmp/screen"; fail=1; }
tmux -L "$sock" send-keys -t live q
wait_for 'EXIT=' 5 || { echo "FAIL: q after disconnect"; fail=1; }
echo "screens: $artifacts/live-*.txt"
[ $fail -eq 0 ] && echo "PASS: vigil-trace live under tmux"
exit $fail
