// Socket addresses and CIDR allow-lists, as written in the config.
// Thread: any (pure functions).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil {

// A parsed listen or connect address.
struct Address {
  sockaddr_storage storage{};
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
  uint16_t port() const;
};

// Parses "HOST:PORT" where HOST is a dotted IPv4 address, "[IPv6]" or "localhost".
//   "0.0.0.0:2323" => IPv4 any, port 2323; "[::1]:0" => IPv6 loopback, any port.
// Host names other than localhost are not resolved: an address must not depend on DNS at
// start-up.
Result<Address> parse_address(std::string_view text);

// Formats an address back as "HOST:PORT" ("[HOST]:PORT" for IPv6).
std::string format_address(const sockaddr* sa);

// One network, "10.0.0.0/8", "::1/128"; a bare address means a single host.
struct Cidr {
  int family = AF_INET;
  uint8_t bytes[16]{};
  int prefix = 0;

  bool operator==(const Cidr&) const = default;
};

Result<Cidr> parse_cidr(std::string_view text);

// The networks every port admits by default: loopback and the private ranges, that is
// 127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7 and fe80::/10.
// The one definition of the default of control.allow, memtrace.allow and every other
// port's allow-list; `["0.0.0.0/0", "::/0"]` is how a config opens a port to every peer.
const std::vector<std::string_view>& private_network_texts();
std::vector<Cidr> private_networks();

// True iff `peer` falls in one of `allow`; an empty list allows every peer. An IPv4-mapped
// IPv6 peer (::ffff:a.b.c.d) is matched against IPv4 networks too.
bool cidr_allows(const std::vector<Cidr>& allow, const sockaddr* peer);

}  // namespace vigil
