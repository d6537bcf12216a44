#!/bin/bash
# Network-namespace test, standing in for a container with a private NIC: vigil runs in a
# namespace of its own whose only link is one end of a veth pair, 10.200.0.2/24. The host
# end has 10.200.0.1/24 (allowed by control.allow) and 10.200.0.3/24 (not allowed).
#   - the host reaches vigil through 10.200.0.2 only, not through its own loopback;
#   - from 10.200.0.1, `l` answers `ok: *:info`;
#   - from 10.200.0.3, outside control.allow, the connection is closed with no reply.
# Skips when namespaces cannot be made here (not root, no `ip netns`), or when this build of
# vigil has no control port (checked by running it on the host first).
#
#   tests/images/netns_test.sh   (env: VIGIL_BIN, VIGIL_BUILD; needs root)
set -euo pipefail
source "$(dirname "$0")/common.sh"

vigil=$(find_vigil)
ns=vigil-t$$
veth_host=vgh$$
veth_ns=vgn$$
make_netns_veth "$ns" "$veth_host" "$veth_ns"
ip addr add 10.200.0.1/24 dev "$veth_host"
ip addr add 10.200.0.3/24 dev "$veth_host"
ip -n "$ns" addr add 10.200.0.2/24 dev "$veth_ns"
require_route 10.200.0.2 "$veth_host"

eval "$(probe_features "$vigil")"
((HAVE_CONTROL)) || skip_all "this build of vigil has no control port (no answer on the host either)"

port=$(free_port)
ip netns exec "$ns" "$vigil" --set "control.listen=0.0.0.0:$port" --set memtrace.listen= \
  --set control.allow=10.200.0.1/32 >"$T_WORK/vigil.log" 2>&1 &
T_PIDS+=($!)

reply=""
for _ in $(seq 30); do
  reply=$(control 10.200.0.2 "$port" l 10.200.0.1)
  [[ -n $reply ]] && break
  sleep 0.2
done
if [[ $reply == "ok: *:info" ]]; then
  pass "from 10.200.0.1 (allowed), 'l' on 10.200.0.2:$port answers 'ok: *:info'"
else
  fail "from 10.200.0.1, 'l' on 10.200.0.2:$port answered '$reply'"
fi

reply=$(control 10.200.0.2 "$port" l 10.200.0.3)
if [[ -z $reply ]]; then
  pass "from 10.200.0.3 (outside control.allow), the connection gets no reply"
else
  fail "from 10.200.0.3 (outside control.allow), got '$reply'"
fi

if nc -z -w 2 127.0.0.1 "$port" 2>/dev/null; then
  fail "vigil in the namespace is reachable on the host's 127.0.0.1:$port"
else
  pass "the host's own 127.0.0.1:$port does not reach vigil in the namespace"
fi

if ((T_FAILED > 0)); then cat "$T_WORK/vigil.log"; fi
finish
