#!/bin/sh
# A Unix-socket control client that sends commands and closes without reading the replies
# must not kill vigil (SIGPIPE): vigil keeps answering, and SIGTERM still gives exit 0.
#   tests/appliance/sigpipe_test.sh VIGIL
set -u
vigil=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$vigil" --set control.listen=127.0.0.1:0 --set memtrace.listen= \
  --set "control.socket_path=$dir/v.sock" >/dev/null 2>"$dir/err" &
pid=$!
i=0
while [ ! -S "$dir/v.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$dir/v.sock" ] || { echo "FAIL: no socket"; cat "$dir/err"; kill $pid; exit 1; }
for _ in 1 2 3 4 5; do
  python3 -c "import socket,sys;s=socket.socket(socket.AF_UNIX);s.connect(sys.argv[1]);s.sendall(b'l\n'*2000);s.close()" "$dir/v.sock"
done
sleep 0.5
if ! kill -0 $pid 2>/dev/null; then
  wait $pid
  echo "FAIL: vigil died (status $?) after clients closed without reading"
  exit 1
fi
reply=$(python3 -c "import socket,sys;s=socket.socket(socket.AF_UNIX);s.connect(sys.argv[1]);s.sendall(b'l\n');s.shutdown(socket.SHUT_WR);print(s.recv(100).decode().strip())" "$dir/v.sock")
kill -TERM $pid
wait $pid
rc=$?
[ "$reply" = "ok: *:info" ] || { echo "FAIL: reply '$reply'"; exit 1; }
[ $rc -eq 0 ] || { echo "FAIL: SIGTERM gave $rc"; exit 1; }
echo "PASS: vigil survived clients that closed without reading, answered '$reply', exited 0"
