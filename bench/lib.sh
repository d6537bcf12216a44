# shellcheck shell=bash
# The setup the bench scripts share; source it, after `set -euo pipefail`:
#   . "$(dirname "$(readlink -f "$0")")/lib.sh"
#   bench_workdir footprint     # $work: a fresh temp dir; $pids: the processes to stop
#   some-server & pids+=($!)    # every background process goes into $pids
#   port=$(free_port)
# At exit (any exit), every process in $pids is killed and waited for, and $work removed.
# Nothing is started as a service, and every port is on loopback.

# Makes $work (/tmp/vigil-NAME-XXXXXX) and arms the cleanup.
bench_workdir() {
  work=$(mktemp -d "/tmp/vigil-$1-XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}

# A TCP port free on 127.0.0.1 right now (bound, read back, released).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
