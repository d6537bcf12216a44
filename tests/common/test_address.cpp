#include <arpa/inet.h>
#include <doctest/doctest.h>

#include "common/address.h"

using vigil::parse_address;
using vigil::parse_cidr;

namespace {

sockaddr_storage v4(const char* text) {
  sockaddr_storage s{};
  auto* in = reinterpret_cast<sockaddr_in*>(&s);
  in->sin_family = AF_INET;
  inet_pton(AF_INET, text, &in->sin_addr);
  return s;
}

}  // namespace

TEST_CASE("listen addresses parse and print back") {
  auto a = parse_address("0.0.0.0:2323");
  REQUIRE(a.ok());
  CHECK(a->port() == 2323);
  CHECK(vigil::format_address(a->sa()) == "0.0.0.0:2323");
  auto b = parse_address("[::1]:0");
  REQUIRE(b.ok());
  CHECK(b->family() == AF_INET6);
  CHECK(vigil::format_address(b->sa()) == "[::1]:0");
  CHECK(parse_address("localhost:80")->family() == AF_INET);
}

TEST_CASE("bad addresses say what was expected") {
  CHECK(parse_address("2323").status().message() ==
        "missing port: expected HOST:PORT, such as 0.0.0.0:2323 or [::1]:2323");
  CHECK(parse_address("1.2.3.4:99999").status().message() ==
        "bad port '99999': expected HOST:PORT, such as 0.0.0.0:2323 or [::1]:2323");
  CHECK(parse_address("example.com:80").status().message() ==
        "bad IPv4 address 'example.com': expected HOST:PORT, such as 0.0.0.0:2323 or "
        "[::1]:2323");
}

TEST_CASE("an allow list admits exactly the peers inside its networks") {
  std::vector<vigil::Cidr> allow{parse_cidr("10.200.0.0/24").value(),
                                 parse_cidr("127.0.0.1").value()};
  auto inside = v4("10.200.0.7");
  auto outside = v4("10.200.1.7");
  auto local = v4("127.0.0.1");
  CHECK(vigil::cidr_allows(allow, reinterpret_cast<sockaddr*>(&inside)));
  CHECK_FALSE(vigil::cidr_allows(allow, reinterpret_cast<sockaddr*>(&outside)));
  CHECK(vigil::cidr_allows(allow, reinterpret_cast<sockaddr*>(&local)));
  CHECK(vigil::cidr_allows({}, reinterpret_cast<sockaddr*>(&outside)));
}

TEST_CASE("bad networks are errors") {
  CHECK_FALSE(parse_cidr("10.0.0.0/33").ok());
  CHECK_FALSE(parse_cidr("10.0.0/8").ok());
  CHECK_FALSE(parse_cidr("").ok());
  CHECK(parse_cidr("::/0").ok());
}
