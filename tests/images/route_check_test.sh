#!/bin/bash
# Unit test of the network rule's helper, route_is_ours (tests/images/common.sh):
#   - it accepts loopback and the machine's own addresses;
#   - it refuses an address that leaves through the default route (or has no route), even
#     when the caller names interfaces of its own;
#   - where a namespace can be made: it accepts the peer of a veth the test made, only
#     when that veth is named.
# It sends no packet: `ip route get` only asks the kernel.
#
#   tests/images/route_check_test.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
command -v ip >/dev/null || skip_all "no ip command (iproute2)"

if route_is_ours 127.0.0.1 >/dev/null; then pass "127.0.0.1 is ours"; else fail "127.0.0.1 refused"; fi
if route_is_ours 127.0.0.2 >/dev/null; then pass "127.0.0.2 is ours"; else fail "127.0.0.2 refused"; fi

# 192.0.2.1 is TEST-NET-1: no machine has it, so it leaves through the default route when
# there is one, and has no route otherwise. Either way it must be refused.
default_dev=$(ip route show default | sed -nE 's/.* dev ([^ ]+).*/\1/p' | head -1)
if why=$(route_is_ours 192.0.2.1 vgnone0); then
  fail "192.0.2.1 (via ${default_dev:-no route}) was accepted"
else
  pass "192.0.2.1 refused: $why"
fi
if [[ -n $default_dev ]]; then
  # Naming the default route's own device is the one way to accept it; the helper must
  # not accept it without that.
  if route_is_ours 192.0.2.1 >/dev/null; then
    fail "192.0.2.1 accepted with no interface named"
  else
    pass "the default route ($default_dev) is refused unless named"
  fi
fi

# The veth cases come last: make_netns_veth ends the test with SKIP where namespaces
# cannot be made, and then the cases above still count.
if ! ip netns add vigil-rtprobe$$ 2>/dev/null; then
  skip "cannot create a network namespace here: the veth cases did not run"
  finish
fi
ip netns del vigil-rtprobe$$
veth_host=vrh$$
make_netns_veth vigil-rt$$ "$veth_host" vrn$$
ip addr add 10.201.0.1/24 dev "$veth_host"
if route_is_ours 10.201.0.2 "$veth_host" >/dev/null; then
  pass "10.201.0.2 through the test's own $veth_host is accepted"
else
  fail "10.201.0.2 through $veth_host refused: $(route_is_ours 10.201.0.2 "$veth_host")"
fi
if route_is_ours 10.201.0.2 >/dev/null; then
  fail "10.201.0.2 accepted without naming $veth_host"
else
  pass "10.201.0.2 is refused when $veth_host is not named"
fi
finish
