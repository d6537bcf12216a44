# shellcheck shell=bash
# Helpers of the image tests; source from a bash script with `set -euo pipefail`.
# Every check prints one line, "PASS: ...", "FAIL: ..." or "SKIP: <reason>", and finish()
# ends the script: 1 when a check failed, 77 (meson's "skipped") when none ran, else 0.

source "$(dirname "${BASH_SOURCE[0]}")/../../images/lib.sh"
T_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T_PASSED=0
T_FAILED=0
T_SKIPPED=0
T_PIDS=()
T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-images-test.XXXXXX")

pass() { echo "PASS: $*"; T_PASSED=$((T_PASSED + 1)); }
fail() { echo "FAIL: $*"; T_FAILED=$((T_FAILED + 1)); }
skip() { echo "SKIP: $*"; T_SKIPPED=$((T_SKIPPED + 1)); }
skip_all() { echo "SKIP: $*"; exit 77; }

finish() {
  if [[ -s $T_WORK/refused ]]; then T_FAILED=$((T_FAILED + $(wc -l <"$T_WORK/refused"))); fi
  echo "$(basename "$0"): $T_PASSED passed, $T_FAILED failed, $T_SKIPPED skipped"
  if ((T_FAILED > 0)); then exit 1; fi
  if ((T_PASSED == 0)); then exit 77; fi
  exit 0
}

t_cleanup() {
  local pid d
  for pid in "${T_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${T_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for d in "${T_OUR_DEVS[@]}"; do ip link del "$d" 2>/dev/null || true; done
  for d in "${T_NETNS[@]}"; do ip netns del "$d" 2>/dev/null || true; done
  rm -rf "$T_WORK"
}
trap t_cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts a TCP receiver appending to $1 on address $2 (default 127.0.0.1). Sets SINK_PORT
# and SINK_PID. Call it directly, not in $(...), so that cleanup knows the process.
start_sink() {
  local out=$1 bind=${2:-127.0.0.1} portfile
  portfile=$(mktemp "$T_WORK/sinkport.XXXXXX")
  : >"$out"
  python3 "$T_DIR/tcp_sink.py" "$out" "$bind" >"$portfile" &
  SINK_PID=$!
  T_PIDS+=("$SINK_PID")
  for _ in $(seq 50); do
    [[ -s $portfile ]] && break
    sleep 0.1
  done
  SINK_PORT=$(cat "$portfile")
  [[ -n $SINK_PORT ]] || die "tcp_sink.py did not start"
}

# Waits up to $3 seconds for a line matching the ERE $2 in file $1.
wait_for_match() {
  local file=$1 re=$2 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    grep -qE "$re" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# The network rule: a test sends packets only to loopback or to addresses on interfaces
# that it made itself. route_is_ours ADDR DEV... is true iff `ip route get ADDR` leaves
# through one of DEV... or stays on this machine (a local or loopback route). It prints
# the reason when it is false. It sends nothing: `ip route get` only asks the kernel.
route_is_ours() {
  local addr=$1 route dev d
  shift
  if ! route=$(ip route get "$addr" 2>&1); then
    echo "no route to $addr: $route"
    return 1
  fi
  route=${route%%$'\n'*}
  [[ $route == local\ * ]] && return 0
  dev=$(sed -nE 's/.* dev ([^ ]+).*/\1/p' <<<"$route")
  [[ $dev == lo ]] && return 0
  for d in "$@"; do [[ -n $d && $dev == "$d" ]] && return 0; done
  echo "$addr routes through $dev ($route), not through an interface this test made (${*:-none})"
  return 1
}

# Ends the test with SKIP, sending nothing, unless ADDR routes as route_is_ours says.
require_route() {
  local why
  why=$(route_is_ours "$@") || skip_all "network rule: $why"
}

# The interfaces and network namespaces this test made; t_cleanup removes them.
T_OUR_DEVS=()
T_NETNS=()

# Makes network namespace $1 with its loopback up, and veth $2 (host end, up) whose peer $3
# is in the namespace (up). Ends the test with SKIP, saying why, where namespaces cannot be
# made or entered: `ip netns exec` and `ip -n` need / to be a mount point, which a chroot
# may lack.
make_netns_veth() {
  local ns=$1 host=$2 peer=$3 err=$T_WORK/netns.err
  command -v ip >/dev/null || skip_all "no ip command (iproute2)"
  ip netns add "$ns" 2>"$err" || skip_all "cannot create a network namespace: $(head -1 "$err")"
  T_NETNS+=("$ns")
  ip -n "$ns" link set lo up 2>"$err" ||
    skip_all "cannot enter a network namespace here (in a chroot?): $(head -1 "$err")"
  ip link add "$host" type veth peer name "$peer" netns "$ns" 2>"$err" ||
    skip_all "cannot make a veth pair: $(head -1 "$err")"
  T_OUR_DEVS+=("$host")
  ip link set "$host" up
  ip -n "$ns" link set "$peer" up
}

# Refuses (prints FAIL, sends nothing) a connection to an address that route_is_ours
# rejects, so that a test which forgot require_route still keeps the network rule.
t_may_connect() {
  local why
  why=$(route_is_ours "$1" "${T_OUR_DEVS[@]}") && return 0
  echo "FAIL: refused to connect: $why"
  echo "$why" >>"$T_WORK/refused"  # counted by finish(): this may run in a subshell
  return 1
}

# Sends one command to a TCP control port and prints the reply. $4: source address.
control() {
  local host=$1 port=$2 cmd=$3 src=${4:-}
  t_may_connect "$host" >&2 || return 0
  printf '%s\n' "$cmd" | timeout 5 nc -q 2 ${src:+-s "$src"} "$host" "$port" 2>/dev/null || true
}

# Captures the memtrace port's stream into $3 for $4 seconds.
capture_memtrace() {
  t_may_connect "$1" >&2 || return 0
  timeout "$4" nc -d "$1" "$2" >"$3" 2>/dev/null || true
}

# True iff $1 starts with a complete, valid memtrace packet. Uses vigil-trace when built
# (it decodes the info packet), else checks the packet magic 0xC1FC1FC1.
valid_trace() {
  local file=$1 tool=$VIGIL_BUILD/tools/vigil-trace
  [[ -s $file ]] || return 1
  if [[ -x $tool ]]; then
    "$tool" repair "$file" "$file.repaired" >/dev/null 2>&1 &&
      "$tool" summary "$file.repaired" >"$file.summary" 2>&1
  else
    [[ $(head -c 4 "$file" | od -An -tx1 | tr -d ' ') == c11ffcc1 ]]
  fi
}

# Lines of $1 that look like Influx line protocol: "measurement[,tags] fields timestamp".
influx_lines() {
  grep -cE '^[^ ,]+(,[^ ]+)? [^ ]+=[^ ]+ [0-9]+$' "$1" 2>/dev/null || true
}

# Finds out what this build of vigil serves by running it on the host, on loopback ports
# of its own: prints HAVE_CONTROL=0|1, HAVE_MEMTRACE=0|1 and HAVE_PUSH=0|1. The VM and
# namespace tests then require exactly what the host run showed; the parts that other
# issues have not delivered yet are skipped, with this as the reason. The push is probed
# by a second process, so that an output kind this build refuses at start-up does not hide
# the ports.
probe_features() {
  local vigil=$1 cp mp log=$T_WORK/probe.log out=$T_WORK/probe.sink ports_pid push_pid
  cp=$(free_port)
  mp=$(free_port)
  start_sink "$out"
  "$vigil" --set "control.listen=127.0.0.1:$cp" --set "memtrace.listen=127.0.0.1:$mp" \
    >"$log" 2>&1 &
  ports_pid=$!
  "$vigil" --set control.listen= --set memtrace.listen= --set interval=1s \
    --set "outputs=[{kind=\"influx-tcp\",url=\"tcp://127.0.0.1:$SINK_PORT\"}]" \
    >"$log.push" 2>&1 &
  push_pid=$!
  local control_ok=0 memtrace_ok=0 push_ok=0
  for _ in $(seq 15); do
    if [[ $(control 127.0.0.1 "$cp" l) == ok:* ]]; then
      control_ok=1
      break
    fi
    kill -0 "$ports_pid" 2>/dev/null || break
    sleep 0.2
  done
  capture_memtrace 127.0.0.1 "$mp" "$T_WORK/probe.ctf" 1
  [[ -s $T_WORK/probe.ctf ]] && memtrace_ok=1
  wait_for_match "$out" '.' 3 && push_ok=1
  kill "$ports_pid" "$push_pid" "$SINK_PID" 2>/dev/null || true
  wait "$ports_pid" "$push_pid" "$SINK_PID" 2>/dev/null || true
  echo "HAVE_CONTROL=$control_ok HAVE_MEMTRACE=$memtrace_ok HAVE_PUSH=$push_ok"
}
