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
