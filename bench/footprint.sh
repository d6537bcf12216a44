#!/usr/bin/env bash
# Footprint of vigil (issue 4): every default source polling at 1 s, an influx-http output
# to a private InfluxDB 1.6.7, for SECONDS (default 60). Builds nothing.
#
#   bench/footprint.sh build/appliance/vigil [SECONDS]
#
# Measured from /proc, in the same run, for vigil and for the baseline bench/idle_loop (a
# bare libuv loop with a 1 s timer, built by meson next to the other benchmarks):
#   RSS: median of one sample per second after a 5 s warm-up (VmRSS, the target's measure),
#        and the private part alone (RssAnon: the file-backed pages of shared libraries,
#        libcurl's ~30 dependencies above all, are shared with other processes);
#   CPU: (utime + stime) over the whole run / wall time, in % of one core.
# Prints each figure, vigil/baseline ratios, and the targets (RSS <= 4096 KiB, CPU <= 0.2 %).
# Exits 1 if a target is missed or no point reached InfluxDB, 2 on a setup problem.
#
# Environment:
#   IDLE_LOOP   the baseline binary (default: BUILD/bench/idle_loop, BUILD = vigil's build dir)
#   VIGIL_ARGS  how vigil takes its config file (default: "--config"); the file follows it.
set -euo pipefail

die() { echo "footprint: $*" >&2; exit 2; }

[[ $# -ge 1 ]] || die "usage: $0 PATH/TO/vigil [SECONDS]"
vigil=$(readlink -f "$1")
seconds=${2:-60}
[[ -x $vigil ]] || die "$1 is not an executable"
build_dir=$(dirname "$(dirname "$vigil")")
idle_loop=${IDLE_LOOP:-$build_dir/bench/idle_loop}
[[ -x $idle_loop ]] || die "baseline $idle_loop not found (meson compile -C $build_dir idle_loop)"
command -v influxd >/dev/null || die "influxd not found (apt-get install influxdb influxdb-client)"
command -v curl >/dev/null || die "curl not found"
[[ $seconds -gt 10 ]] || die "SECONDS must be more than 10 (5 s warm-up)"

work=$(mktemp -d /tmp/vigil-footprint-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- A private InfluxDB (spec/influx-push.md §6).
http_port=$(free_port)
rpc_port=$(free_port)
cat >"$work/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc_port"
[meta]
  dir = "$work/meta"
[data]
  dir = "$work/data"
  wal-dir = "$work/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$http_port"
  log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[retention]
  enabled = false
[continuous_queries]
  enabled = false
[shard-precreation]
  enabled = false
[logging]
  level = "warn"
CONF
influxd run -config "$work/influxdb.conf" >"$work/influxd.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/ping") == 204 ]] && break
  sleep 0.05
done
curl -sf -XPOST "http://127.0.0.1:$http_port/query" --data-urlencode 'q=CREATE DATABASE vigil' \
  >/dev/null || die "influxd did not start; see $work/influxd.log"

# --- vigil: default sources at 1 s, one HTTP output, no control or memtrace port to clash.
cat >"$work/vigil.toml" <<CONF
interval = "1s"

[control]
listen = "127.0.0.1:0"

[memtrace]
listen = ""

[[outputs]]
kind = "influx-http"
url = "http://127.0.0.1:$http_port/write?db=vigil"
CONF

read -r -a vigil_args <<<"${VIGIL_ARGS:---config}"
"$vigil" "${vigil_args[@]}" "$work/vigil.toml" >"$work/vigil.log" 2>&1 &
vigil_pid=$!
pids+=("$vigil_pid")
"$idle_loop" "$((seconds + 5))" &
base_pid=$!
pids+=("$base_pid")

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
anon_kib() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

sleep 0.2
kill -0 "$vigil_pid" 2>/dev/null || die "vigil exited at start; see $work/vigil.log"
start=$(date +%s.%N)
vigil_t0=$(ticks "$vigil_pid")
base_t0=$(ticks "$base_pid")
: >"$work/vigil.rss"
: >"$work/base.rss"
: >"$work/vigil.anon"
: >"$work/base.anon"
for ((i = 1; i <= seconds; i++)); do
  sleep 1
  kill -0 "$vigil_pid" 2>/dev/null || die "vigil exited during the run; see $work/vigil.log"
  if ((i > 5)); then
    rss_kib "$vigil_pid" >>"$work/vigil.rss"
    rss_kib "$base_pid" >>"$work/base.rss"
    anon_kib "$vigil_pid" >>"$work/vigil.anon"
    anon_kib "$base_pid" >>"$work/base.anon"
  fi
done
vigil_t1=$(ticks "$vigil_pid")
base_t1=$(ticks "$base_pid")
end=$(date +%s.%N)

hz=$(getconf CLK_TCK)
vigil_rss=$(median <"$work/vigil.rss")
base_rss=$(median <"$work/base.rss")
vigil_anon=$(median <"$work/vigil.anon")
base_anon=$(median <"$work/base.anon")
read -r vigil_cpu base_cpu <<<"$(awk -v a="$vigil_t0" -v b="$vigil_t1" -v c="$base_t0" \
  -v d="$base_t1" -v hz="$hz" -v s="$start" -v e="$end" \
  'BEGIN {w = e - s; printf "%.3f %.3f\n", (b - a) / hz / w * 100, (d - c) / hz / w * 100}')"
series=$(curl -s -G "http://127.0.0.1:$http_port/query" --data-urlencode 'db=vigil' \
  --data-urlencode 'q=SHOW MEASUREMENTS' | sed -n 's/.*"values":\[//p' |
  { grep -o '\["[^"]*"\]' || true; } |
  tr -d '[]"' | paste -sd, -)

echo "footprint over ${seconds}s (RSS median of 1 s samples after 5 s; CPU over the run)"
printf '  %-22s %10s %10s\n' "" "vigil" "idle_loop"
printf '  %-22s %10s %10s\n' "RSS (KiB)" "$vigil_rss" "$base_rss"
printf '  %-22s %10s %10s\n' "  private (RssAnon)" "$vigil_anon" "$base_anon"
printf '  %-22s %10s %10s\n' "CPU (% of one core)" "$vigil_cpu" "$base_cpu"
awk -v v="$vigil_rss" -v b="$base_rss" -v vc="$vigil_cpu" -v bc="$base_cpu" 'BEGIN {
  printf "  RATIO rss vigil/idle_loop = %.2f (vigil - baseline = %d KiB)\n", v / b, v - b
  if (bc > 0) printf "  RATIO cpu vigil/idle_loop = %.1f\n", vc / bc
  else printf "  RATIO cpu vigil/idle_loop = n/a (baseline used no measurable CPU)\n"
}'
echo "  measurements in InfluxDB: ${series:-none}"
ok=1
awk -v v="$vigil_rss" 'BEGIN {exit !(v <= 4096)}' && echo "  target RSS <= 4096 KiB: met" ||
  { echo "  target RSS <= 4096 KiB: MISSED"; ok=0; }
awk -v c="$vigil_cpu" 'BEGIN {exit !(c <= 0.2)}' && echo "  target CPU <= 0.2%: met" ||
  { echo "  target CPU <= 0.2%: MISSED"; ok=0; }
if [[ -z $series ]]; then
  echo "  no point reached InfluxDB; the end of vigil's log:"
  tail -n 5 "$work/vigil.log" | sed 's/^/    /'
  ok=0
fi
((ok)) || exit 1
