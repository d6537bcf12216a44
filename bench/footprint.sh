#!/usr/bin/env bash
# Idle footprint of vigil against collectd and node-exporter, measured side by side in one
# run: each polls cpu, memory, network, disk and load every second for SECONDS (default 30).
#
#   bench/footprint.sh build/appliance/vigil [SECONDS]
#
# The processes, all started here on loopback and stopped at the end (never as services):
#   vigil-stdout  the default config (points to stdout, here /dev/null);
#   vigil-tcp     an influx-tcp output to a loopback sink;
#   vigil-http    an influx-http output (http://, vigil's own client) to a private InfluxDB 1.6.7;
#   collectd      Debian's collectd 5.12: plugins cpu, memory, interface, disk, load, and
#                 csv into a temp dir, interval 1 s, in the foreground;
#   node-exporter Debian's prometheus-node-exporter 1.5 with the same five collectors,
#                 scraped once a second over loopback (it polls only when scraped).
# Measured from /proc: RSS (VmRSS) and its private part (RssAnon), medians of one sample a
# second after a 5 s warm-up, with min-max; CPU as (utime+stime) over the run / wall time.
# Prints each figure and the ratios vigil/collectd. Targets (the footprint issue): RSS at
# most 1.0x collectd's for vigil-stdout and vigil-tcp, at most 2x for vigil-http; CPU at
# most 0.2 % of a core. Exits 1 when a target is missed, 2 on a setup problem. Installs
# collectd-core, prometheus-node-exporter and influxdb with apt-get when missing (as root),
# with a policy-rc.d in place so that no package starts its service.
set -euo pipefail

die() { echo "footprint: $*" >&2; exit 2; }
[[ $# -ge 1 ]] || die "usage: $0 PATH/TO/vigil [SECONDS]"
vigil=$(readlink -f "$1")
seconds=${2:-30}
[[ -x $vigil ]] || die "$1 is not an executable"
[[ $seconds -gt 10 ]] || die "SECONDS must be more than 10 (5 s warm-up)"

need=()
command -v collectd >/dev/null || need+=(collectd-core)
command -v prometheus-node-exporter >/dev/null || need+=(prometheus-node-exporter)
command -v influxd >/dev/null || need+=(influxdb)
if ((${#need[@]})); then
  [[ $(id -u) -eq 0 ]] || die "missing ${need[*]}; run as root or apt-get install ${need[*]}"
  echo "footprint: installing ${need[*]} (services are not started)" >&2
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
    >/dev/null || die "apt-get install ${need[*]} failed"
  ((made_policy)) && rm -f "$policy"
fi

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_workdir footprint

# A private InfluxDB for vigil-http, and a sink that reads and discards for vigil-tcp.
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
sink_port=$(free_port)
python3 -c '
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
def drain(c):
    while c.recv(65536): pass
while True:
    c, _ = s.accept(); threading.Thread(target=drain, args=(c,), daemon=True).start()
' "$sink_port" &
pids+=($!)

# Each vigil reads a config file, as a deployed one does. (A --set of a bare string, such as
# control.listen=127.0.0.1:0, is parsed by trying TOML first; the exception that refuses it
# makes the unwinder read its tables, and those pages then stay resident: about 300 KiB.)
vigil_config() {  # NAME [OUTPUT_KIND URL]
  {
    printf 'interval = "1s"\n[control]\nlisten = "127.0.0.1:0"\n[memtrace]\nlisten = "127.0.0.1:0"\n'
    if [[ $# -eq 3 ]]; then printf '[[outputs]]\nkind = "%s"\nurl = "%s"\n' "$2" "$3"; fi
  } >"$work/$1.toml"
}
vigil_config vigil-stdout
vigil_config vigil-tcp influx-tcp "tcp://127.0.0.1:$sink_port"
vigil_config vigil-http influx-http "http://127.0.0.1:$http_port/write?db=vigil"
declare -A pid_of
for n in vigil-stdout vigil-tcp vigil-http; do
  "$vigil" --config "$work/$n.toml" >/dev/null 2>"$work/$n.log" &
  pid_of[$n]=$!
done

mkdir -p "$work/csv"
cat >"$work/collectd.conf" <<CONF
Interval 1
BaseDir "$work"
PIDFile "$work/collectd.pid"
PluginDir "/usr/lib/collectd"
LoadPlugin cpu
LoadPlugin memory
LoadPlugin interface
LoadPlugin disk
LoadPlugin load
LoadPlugin csv
<Plugin csv>
  DataDir "$work/csv"
</Plugin>
CONF
collectd -f -C "$work/collectd.conf" >"$work/collectd.log" 2>&1 &
pid_of[collectd]=$!
ne_port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" --collector.disable-defaults \
  --collector.cpu --collector.meminfo --collector.netdev --collector.diskstats \
  --collector.loadavg >"$work/node-exporter.log" 2>&1 &
pid_of[node-exporter]=$!
names=(vigil-stdout vigil-tcp vigil-http collectd node-exporter)
for n in "${names[@]}"; do pids+=("${pid_of[$n]}"); done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
field_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
stats() { sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
  printf "%d %d %d\n", m, a[1], a[NR]}'; }

sleep 1
for n in "${names[@]}"; do
  kill -0 "${pid_of[$n]}" 2>/dev/null || die "$n exited at start; see $work/$n.log"
done
declare -A t0 t1
start=$(date +%s.%N)
for n in "${names[@]}"; do t0[$n]=$(ticks "${pid_of[$n]}"); done
for ((i = 1; i <= seconds; i++)); do
  sleep 1
  curl -s -o /dev/null "http://127.0.0.1:$ne_port/metrics" || true
  for n in "${names[@]}"; do
    kill -0 "${pid_of[$n]}" 2>/dev/null || die "$n exited during the run; see $work/$n.log"
    if ((i > 5)); then
      field_kib "${pid_of[$n]}" VmRSS >>"$work/$n.rss"
      field_kib "${pid_of[$n]}" RssAnon >>"$work/$n.anon"
    fi
  done
done
end=$(date +%s.%N)
for n in "${names[@]}"; do t1[$n]=$(ticks "${pid_of[$n]}"); done
hz=$(getconf CLK_TCK)
wall=$(awk -v s="$start" -v e="$end" 'BEGIN {print e - s}')

points=$(curl -s -G "http://127.0.0.1:$http_port/query" --data-urlencode 'db=vigil' \
  --data-urlencode 'q=SELECT count(total_bytes) FROM memory' | grep -o '"values":\[\[[^]]*' |
  sed 's/.*,//' || true)
csv_files=$(find "$work/csv" -type f | wc -l)

echo "footprint over ${seconds} s, side by side (RSS: median [min-max] of 1 s samples after 5 s)"
printf '  %-14s %22s %22s %10s\n' "" "RSS KiB" "private (RssAnon) KiB" "CPU %"
declare -A rss cpu
for n in "${names[@]}"; do
  read -r m lo hi < <(stats <"$work/$n.rss")
  read -r am alo ahi < <(stats <"$work/$n.anon")
  rss[$n]=$m
  cpu[$n]=$(awk -v a="${t0[$n]}" -v b="${t1[$n]}" -v hz="$hz" -v w="$wall" \
    'BEGIN {printf "%.3f", (b - a) / hz / w * 100}')
  printf '  %-14s %22s %22s %10s\n' "$n" "$m [$lo-$hi]" "$am [$alo-$ahi]" "${cpu[$n]}"
done
echo "  work done: vigil-http stored ${points:-0} memory points in InfluxDB; collectd wrote $csv_files csv files"
ok=1
target() {  # NAME LIMIT: RSS ratio against collectd.
  local r
  r=$(awk -v v="${rss[$1]}" -v c="${rss[collectd]}" 'BEGIN {printf "%.2f", v / c}')
  if awk -v r="$r" -v l="$2" 'BEGIN {exit !(r <= l)}'; then
    echo "  RATIO rss $1/collectd = $r (target <= $2: met)"
  else
    echo "  RATIO rss $1/collectd = $r (target <= $2: MISSED)"
    ok=0
  fi
}
target vigil-stdout 1.0
target vigil-tcp 1.0
target vigil-http 2.0
awk -v v="${rss[vigil-stdout]}" -v c="${rss[node-exporter]}" \
  'BEGIN {printf "  RATIO rss vigil-stdout/node-exporter = %.2f\n", v / c}'
for n in vigil-stdout vigil-tcp vigil-http; do
  if awk -v c="${cpu[$n]}" 'BEGIN {exit !(c <= 0.2)}'; then
    echo "  $n CPU ${cpu[$n]} % (target <= 0.2 %: met)"
  else
    echo "  $n CPU ${cpu[$n]} % (target <= 0.2 %: MISSED)"
    ok=0
  fi
done
[[ -n $points && $points != 0 ]] || { echo "  no point reached InfluxDB"; ok=0; }
((ok)) || exit 1
