# Shared by the tests/http scripts (sourced): start a program, find its ports in its log.

# log_port LOGFILE WHAT: the port of the first "WHAT listening on HOST:PORT" line, waiting up
# to 10 s for it ("HTTP port", "control port", "memtrace").
log_port() {
  for _ in $(seq 100); do
    p=$(sed -n "s/.*$2 listening on [^ ]*:\([0-9][0-9]*\).*/\1/p" "$1" | head -n1)
    [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 0.1
  done
  return 1
}

# free_port: a TCP port that was free on 127.0.0.1 a moment ago.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# control PORT COMMAND: one batch to the control port; prints the reply.
control() {
  printf '%s\n' "$2" | nc -q1 127.0.0.1 "$1"
}

# start_prometheus DIR TARGET: a Prometheus scraping TARGET every second, its storage in DIR,
# on a free loopback port; sets prom_port and prom_pid.
start_prometheus() {
  prom_port=$(free_port)
  cat > "$1/prometheus.yml" << YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vigil
    static_configs:
      - targets: ['$2']
YML
  prometheus --config.file="$1/prometheus.yml" --storage.tsdb.path="$1/data" \
    --web.listen-address="127.0.0.1:$prom_port" --query.lookback-delta=2s \
    > "$1/prometheus.log" 2>&1 &
  prom_pid=$!
}

# prom_query EXPR: the values of an instant query to the Prometheus of start_prometheus,
# one per line (nothing for an empty result).
prom_query() {
  curl -sf "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json, sys
d = json.load(sys.stdin)
assert d["status"] == "success", d
for r in d["data"]["result"]: print(r["value"][1])'
}
