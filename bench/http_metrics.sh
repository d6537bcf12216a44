#!/usr/bin/env bash
# Requests per second of vigil's /metrics against prometheus-node-exporter's, measured side
# by side in one run with wrk (Debian's wrk 4.1), both on loopback.
#
#   bench/http_metrics.sh build/appliance/vigil [ROUNDS] [SECONDS]
#
# vigil: the default sources, interval 1s, HTTP port on a free loopback port, the other
# ports off. node-exporter: Debian's prometheus-node-exporter 1.5 with the collectors that
# read the same files (cpu, meminfo, netdev, diskstats, loadavg), on a free loopback port,
# its textfile directory a temp dir; started here, stopped at the end (never as a service).
# Each round runs wrk -t1 -c4 for SECONDS (default 3) against each, alternating; prints the
# median requests/s of each over ROUNDS (default 5) with min-max, the bytes per answer, and
# RATIO vigil/node-exporter (the target is at least 1x).
# The two do different work per request: node-exporter reads /proc at each scrape; vigil
# answers from its last poll (a scrape never polls). That is the design being measured.
# Exits 1 when the ratio is under 1, 2 on a setup problem (a missing tool).
set -euo pipefail

die() { echo "http_metrics: $*" >&2; exit 2; }
[[ $# -ge 1 ]] || die "usage: $0 PATH/TO/vigil [ROUNDS] [SECONDS]"
vigil=$(readlink -f "$1")
rounds=${2:-5}
seconds=${3:-3}
for tool in wrk prometheus-node-exporter curl python3; do
  command -v $tool > /dev/null || die "$tool is not installed (tools/deps.sh pkgs_test)"
done

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_workdir http-metrics

vport=$(free_port)
"$vigil" --set http.listen="127.0.0.1:$vport" --set control.listen= --set memtrace.listen= \
  --set interval=1s > /dev/null 2> "$work/vigil.err" &
pids+=($!)
nport=$(free_port)
mkdir "$work/textfile"
prometheus-node-exporter --web.listen-address="127.0.0.1:$nport" --collector.disable-defaults \
  --collector.cpu --collector.meminfo --collector.netdev --collector.diskstats \
  --collector.loadavg --collector.textfile --collector.textfile.directory="$work/textfile" \
  > "$work/node-exporter.log" 2>&1 &
pids+=($!)
for url in "http://127.0.0.1:$vport/metrics" "http://127.0.0.1:$nport/metrics"; do
  for _ in $(seq 50); do curl -sf -o /dev/null "$url" && break; sleep 0.1; done
  curl -sf -o /dev/null "$url" || die "$url does not answer"
done
sleep 1.5  # vigil's first polls

rps() {  # URL: requests/s of one wrk run
  wrk -t1 -c4 -d"${seconds}s" "$1" | awk '/^Requests\/sec:/ {print $2}'
}
v=() n=()
for r in $(seq "$rounds"); do
  v+=("$(rps "http://127.0.0.1:$vport/metrics")")
  n+=("$(rps "http://127.0.0.1:$nport/metrics")")
  echo "round $r: vigil ${v[-1]} req/s, node-exporter ${n[-1]} req/s"
done
stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {
  m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
  printf "%.0f %.0f %.0f\n", m, a[1], a[NR] }'; }
read -r vm vlo vhi <<< "$(stats "${v[@]}")"
read -r nm nlo nhi <<< "$(stats "${n[@]}")"
vb=$(curl -s "http://127.0.0.1:$vport/metrics" | wc -c)
nb=$(curl -s "http://127.0.0.1:$nport/metrics" | wc -c)
echo "vigil /metrics:         median $vm req/s (min $vlo, max $vhi), $vb bytes per answer"
echo "node-exporter /metrics: median $nm req/s (min $nlo, max $nhi), $nb bytes per answer"
awk -v v="$vm" -v n="$nm" 'BEGIN { r = v / n; printf "RATIO vigil/node-exporter = %.2fx (target >= 1x)\n", r; exit !(r >= 1) }'
