// The default allow-list of every port: loopback and the private ranges, nothing public.
// Peers here are addresses in sockaddr form; no packet is sent.
#include <arpa/inet.h>
#include <doctest/doctest.h>

#include <string>

#include "common/address.h"
#include "common/config.h"
#include "common/peer_log_limit.h"

namespace {

// `text` as a peer address: IPv4 if it parses as one, else IPv6.
sockaddr_storage peer(const char* text) {
  sockaddr_storage s{};
  auto* in = reinterpret_cast<sockaddr_in*>(&s);
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    return s;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&s);
  in6->sin6_family = AF_INET6;
  REQUIRE(inet_pton(AF_INET6, text, &in6->sin6_addr) == 1);
  return s;
}

bool admitted(const std::vector<vigil::Cidr>& allow, const char* text) {
  sockaddr_storage s = peer(text);
  return vigil::cidr_allows(allow, reinterpret_cast<const sockaddr*>(&s));
}

}  // namespace

TEST_CASE("the default control and memtrace allow-lists admit loopback and private peers") {
  vigil::Config config;
  for (const auto* allow : {&config.control.allow, &config.memtrace.allow}) {
    for (const char* inside : {"127.0.0.1", "127.255.0.9", "::1", "10.1.2.3", "172.16.0.1",
                               "172.31.255.254", "192.168.1.1", "fc00::1", "fd12:3456::7",
                               "fe80::1", "::ffff:192.168.7.7", "::ffff:127.0.0.1"}) {
      CHECK_MESSAGE(admitted(*allow, inside), inside);
    }
  }
}

TEST_CASE("the default allow-lists refuse public peers") {
  vigil::Config config;
  for (const auto* allow : {&config.control.allow, &config.memtrace.allow}) {
    for (const char* outside :
         {"8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "192.169.0.1", "11.0.0.1",
          "2001:db8::1", "2a00:1450::1", "fec0::1", "::ffff:8.8.8.8", "::2"}) {
      CHECK_MESSAGE(!admitted(*allow, outside), outside);
    }
  }
}

TEST_CASE("allow 0.0.0.0/0 and ::/0 opens a port to every peer on purpose") {
  std::vector<vigil::Cidr> all{vigil::parse_cidr("0.0.0.0/0").value(),
                               vigil::parse_cidr("::/0").value()};
  CHECK(admitted(all, "8.8.8.8"));
  CHECK(admitted(all, "2001:db8::1"));
}

TEST_CASE("denials are logged once per peer per interval, the rest counted") {
  vigil::PeerLogLimit limit(60'000);
  uint64_t suppressed = 99;
  CHECK(limit.should_log("8.8.8.8", 1'000, &suppressed));
  CHECK(suppressed == 0);
  CHECK_FALSE(limit.should_log("8.8.8.8", 2'000, &suppressed));
  CHECK_FALSE(limit.should_log("8.8.8.8", 60'999, &suppressed));
  CHECK(limit.should_log("1.1.1.1", 3'000, &suppressed));  // Another peer: its own line.
  CHECK(suppressed == 0);
  CHECK(limit.should_log("8.8.8.8", 61'000, &suppressed));
  CHECK(suppressed == 2);  // The two lines not written in the minute before.
  CHECK_FALSE(limit.should_log("8.8.8.8", 61'001, &suppressed));
}

TEST_CASE("the per-peer log limit keeps a bounded table") {
  vigil::PeerLogLimit limit(60'000, 4);
  uint64_t suppressed = 0;
  for (int i = 0; i < 100; ++i) {
    CHECK(limit.should_log("10.0.0." + std::to_string(i), 1'000, &suppressed));
  }
  CHECK(limit.size() <= 4);
}

TEST_CASE("the peer key of a logged denial leaves out the port") {
  CHECK(vigil::peer_host("8.8.8.8:1234") == "8.8.8.8");
  CHECK(vigil::peer_host("[2001:db8::1]:80") == "[2001:db8::1]");
  CHECK(vigil::peer_host("unknown peer") == "unknown peer");
}
