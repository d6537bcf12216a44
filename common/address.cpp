#include "common/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace vigil {

uint16_t Address::port() const {
  if (family() == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
}

Result<Address> parse_address(std::string_view text) {
  const std::string expected = "expected HOST:PORT, such as 0.0.0.0:2323 or [::1]:2323";
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Status::error("missing port: " + expected);
  std::string host(text.substr(0, colon));
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return Status::error("bad port '" + std::string(port_text) + "': " + expected);
  }
  Address a;
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &in6->sin6_addr) != 1) {
      return Status::error("bad IPv6 address '" + host + "': " + expected);
    }
    return a;
  }
  auto* in4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  in4->sin_family = AF_INET;
  in4->sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &in4->sin_addr) != 1) {
    return Status::error("bad IPv4 address '" + host + "': " + expected);
  }
  return a;
}

std::string format_address(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET) {
    auto* in4 = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in4->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(in4->sin_port));
  }
  if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  return "unix";
}

Result<Cidr> parse_cidr(std::string_view text) {
  const std::string expected = "expected a network such as 10.0.0.0/8, 127.0.0.1 or ::1/128";
  size_t slash = text.find('/');
  std::string host(text.substr(0, slash));
  Cidr c;
  if (inet_pton(AF_INET, host.c_str(), c.bytes) == 1) {
    c.family = AF_INET;
    c.prefix = 32;
  } else if (inet_pton(AF_INET6, host.c_str(), c.bytes) == 1) {
    c.family = AF_INET6;
    c.prefix = 128;
  } else {
    return Status::error("bad network '" + std::string(text) + "': " + expected);
  }
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    int prefix = -1;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || prefix < 0 ||
        prefix > c.prefix) {
      return Status::error("bad prefix length in '" + std::string(text) + "': " + expected);
    }
    c.prefix = prefix;
  }
  return c;
}

const std::vector<std::string_view>& private_network_texts() {
  static const std::vector<std::string_view> texts{
      "127.0.0.0/8",    "::1",      "10.0.0.0/8", "172.16.0.0/12",
      "192.168.0.0/16", "fc00::/7", "fe80::/10"};
  return texts;
}

std::vector<Cidr> private_networks() {
  std::vector<Cidr> out;
  for (std::string_view text : private_network_texts()) out.push_back(parse_cidr(text).value());
  return out;
}

namespace {

bool prefix_matches(const uint8_t* net, const uint8_t* addr, int prefix) {
  int whole = prefix / 8;
  if (std::memcmp(net, addr, static_cast<size_t>(whole)) != 0) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (net[whole] & mask) == (addr[whole] & mask);
}

}  // namespace

bool cidr_allows(const std::vector<Cidr>& allow, const sockaddr* peer) {
  if (allow.empty()) return true;
  const uint8_t* v4 = nullptr;
  const uint8_t* v6 = nullptr;
  if (peer->sa_family == AF_INET) {
    v4 = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(peer)->sin_addr);
  } else if (peer->sa_family == AF_INET6) {
    v6 = reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr.s6_addr;
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(v6, kMapped, 12) == 0) v4 = v6 + 12;
  } else {
    return false;
  }
  for (const Cidr& c : allow) {
    const uint8_t* addr = c.family == AF_INET ? v4 : v6;
    if (addr != nullptr && prefix_matches(c.bytes, addr, c.prefix)) return true;
  }
  return false;
}

}  // namespace vigil
