// Bad vigil.* words get one error that names the place, the word and what was expected,
// and nothing of a partly bad command line is returned.
#include <doctest/doctest.h>

#include <string>

#include "appliance/cmdline.h"

using vigil::appliance::kMaxCmdlineBytes;
using vigil::appliance::parse_cmdline;

namespace {
std::string error_of(std::string_view text) {
  auto p = parse_cmdline(text);
  REQUIRE_FALSE(p.ok());
  return p.status().message();
}
}  // namespace

TEST_CASE("an address with a byte over 255 is rejected with its column") {
  CHECK(error_of("console=ttyS0 vigil.ipv4=10.0.2.300/24") ==
        "/proc/cmdline:1:15: vigil.ipv4=10.0.2.300/24: '10.0.2.300' is not an IPv4 address "
        "(expected vigil.ipv4=A.B.C.D/PREFIX, e.g. 10.0.2.15/24)");
}

TEST_CASE("an address without a prefix is rejected") {
  CHECK(error_of("vigil.ipv4=10.0.2.15") ==
        "/proc/cmdline:1:1: vigil.ipv4=10.0.2.15: missing '/PREFIX' "
        "(expected vigil.ipv4=A.B.C.D/PREFIX, e.g. 10.0.2.15/24)");
}

TEST_CASE("a prefix out of range or not a number is rejected") {
  CHECK(error_of("vigil.ipv4=10.0.2.15/33") ==
        "/proc/cmdline:1:1: vigil.ipv4=10.0.2.15/33: prefix '33' is not a number from 1 to 32 "
        "(expected vigil.ipv4=A.B.C.D/PREFIX, e.g. 10.0.2.15/24)");
  CHECK(error_of("vigil.ipv4=10.0.2.15/2x").find("prefix '2x' is not a number") !=
        std::string::npos);
  CHECK(error_of("vigil.ipv4=10.0.2.15/").find("prefix '' is not a number") != std::string::npos);
}

TEST_CASE("an unknown vigil word lists the known parameters") {
  CHECK(error_of("vigil.ip=10.0.2.15/24") ==
        "/proc/cmdline:1:1: vigil.ip=10.0.2.15/24: unknown boot parameter (expected one of "
        "vigil.ipv4, vigil.ipv4_gateway, vigil.iface, vigil.config, vigil.set, "
        "vigil.carrier_timeout, vigil.exit_port)");
}

TEST_CASE("a bad vigil.exit_port is rejected, and find_exit_port() ignores it") {
  for (const char* bad : {"vigil.exit_port=0", "vigil.exit_port=0x10000", "vigil.exit_port=f4",
                          "vigil.exit_port=0x"}) {
    CAPTURE(bad);
    CHECK(error_of(bad).find("is not a port from 1 to 0xffff (expected vigil.exit_port=") !=
          std::string::npos);
    CHECK(vigil::appliance::find_exit_port(bad) == 0);
  }
}

TEST_CASE("a word without '=' or with an empty value is rejected") {
  CHECK(error_of("vigil.ipv4") ==
        "/proc/cmdline:1:1: vigil.ipv4: missing '=' "
        "(expected vigil.ipv4=A.B.C.D/PREFIX, e.g. 10.0.2.15/24)");
  CHECK(error_of("vigil.set=") ==
        "/proc/cmdline:1:1: vigil.set=: empty value "
        "(expected vigil.set=key.path=value, e.g. control.listen=0.0.0.0:2323)");
}

TEST_CASE("a vigil.set value without a key is rejected") {
  CHECK(error_of("vigil.set==1") ==
        "/proc/cmdline:1:1: vigil.set==1: '=1' is not key.path=value "
        "(expected vigil.set=key.path=value, e.g. control.listen=0.0.0.0:2323)");
  CHECK(error_of("vigil.set=interval").find("'interval' is not key.path=value") !=
        std::string::npos);
}

TEST_CASE("a gateway outside the address's network is rejected") {
  CHECK(error_of("vigil.ipv4=10.0.2.15/24 vigil.ipv4_gateway=10.0.3.1") ==
        "/proc/cmdline:1:25: vigil.ipv4_gateway=10.0.3.1 is outside 10.0.2.15/24 "
        "(the gateway must be on the link)");
}

TEST_CASE("a gateway without an address is rejected") {
  CHECK(error_of("vigil.ipv4_gateway=10.0.2.2") ==
        "/proc/cmdline:1:1: vigil.ipv4_gateway needs vigil.ipv4");
}

TEST_CASE("a parameter given twice is rejected") {
  CHECK(error_of("vigil.ipv4=10.0.2.15/24 vigil.ipv4=10.0.2.16/24") ==
        "/proc/cmdline:1:25: vigil.ipv4=10.0.2.16/24: given twice "
        "(expected vigil.ipv4=A.B.C.D/PREFIX, e.g. 10.0.2.15/24)");
}

TEST_CASE("an unterminated quote in a vigil word is rejected") {
  CHECK(error_of("vigil.set=\"hostname=a b") ==
        "/proc/cmdline:1:1: vigil.set=hostname=a b: unterminated double quote "
        "(expected vigil.set=key.path=value, e.g. control.listen=0.0.0.0:2323)");
}

TEST_CASE("a bad interface name, config path or timeout is rejected") {
  CHECK(error_of("vigil.iface=averyveryverylongname").find("is longer than 15 characters") !=
        std::string::npos);
  CHECK(error_of("vigil.iface=eth0:1").find("contains '/' or ':'") != std::string::npos);
  CHECK(error_of("vigil.config=etc/vigil.toml") ==
        "/proc/cmdline:1:1: vigil.config=etc/vigil.toml: 'etc/vigil.toml' is not absolute "
        "(expected vigil.config=an absolute path to a TOML file in the image)");
  CHECK(error_of("vigil.carrier_timeout=10").find("invalid duration '10': ") != std::string::npos);
  CHECK(error_of("vigil.carrier_timeout=0s").find("'0s' is not positive") != std::string::npos);
}

TEST_CASE("an oversized command line is rejected before parsing") {
  std::string text(kMaxCmdlineBytes + 1, 'a');
  CHECK(error_of(text) == "/proc/cmdline: 4097 bytes is longer than the 4096 accepted");
}

TEST_CASE("a partly bad command line reports the first bad word and returns nothing") {
  auto p = parse_cmdline("vigil.set=interval=1s vigil.ipv4=bad/24 vigil.ipv4=also-bad");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().message().rfind("/proc/cmdline:1:23: vigil.ipv4=bad/24: ", 0) == 0);
}

TEST_CASE("the source name in messages can be chosen") {
  CHECK(parse_cmdline("vigil.x=1", "boot").status().message().rfind("boot:1:1: ", 0) == 0);
}
