// The kernel command line parser accepts the MirageOS-style vigil.* words.
#include <arpa/inet.h>
#include <doctest/doctest.h>

#include "appliance/cmdline.h"

using vigil::appliance::format_ipv4;
using vigil::appliance::parse_cmdline;

TEST_CASE("a qemu user-networking command line gives address, prefix and gateway") {
  auto p =
      parse_cmdline("console=ttyS0 quiet vigil.ipv4=10.0.2.15/24 vigil.ipv4_gateway=10.0.2.2\n");
  REQUIRE(p.ok());
  REQUIRE(p->ipv4.has_value());
  CHECK(format_ipv4(p->ipv4->addr) == "10.0.2.15");
  CHECK(p->ipv4->prefix == 24);
  REQUIRE(p->gateway.has_value());
  CHECK(format_ipv4(*p->gateway) == "10.0.2.2");
  CHECK(p->sets.empty());
  CHECK(p->iface.empty());
  CHECK(p->config_path.empty());
}

TEST_CASE("repeated vigil.set words are kept in order, for the --set path") {
  auto p = parse_cmdline("vigil.set=interval=1s vigil.set=control.listen=0.0.0.0:2323");
  REQUIRE(p.ok());
  REQUIRE(p->sets.size() == 2);
  CHECK(p->sets[0] == "interval=1s");
  CHECK(p->sets[1] == "control.listen=0.0.0.0:2323");
}

TEST_CASE("quotes around a word or a value keep spaces in one word and are removed") {
  auto p = parse_cmdline(R"(a=1 vigil.set="hostname=my box" "vigil.set=logging.levels=*:info")");
  REQUIRE(p.ok());
  REQUIRE(p->sets.size() == 2);
  CHECK(p->sets[0] == "hostname=my box");
  CHECK(p->sets[1] == "logging.levels=*:info");
}

TEST_CASE("inner quotes are kept, so TOML strings reach the --set path intact") {
  auto p = parse_cmdline(R"(vigil.set=outputs=[{kind="influx-tcp",url="tcp://10.0.2.2:8094"}] )"
                         R"(vigil.set=hostname="my box")");
  REQUIRE(p.ok());
  REQUIRE(p->sets.size() == 2);
  CHECK(p->sets[0] == R"(outputs=[{kind="influx-tcp",url="tcp://10.0.2.2:8094"}])");
  CHECK(p->sets[1] == R"(hostname="my box")");
}

TEST_CASE("words of the kernel and of other programs are ignored") {
  auto p = parse_cmdline("root=/dev/vda1 vigilant=1 vigil panic=-1 virtio_net.napi_tx=1");
  REQUIRE(p.ok());
  CHECK_FALSE(p->ipv4.has_value());
}

TEST_CASE("an empty command line gives the defaults") {
  auto p = parse_cmdline("");
  REQUIRE(p.ok());
  CHECK_FALSE(p->ipv4.has_value());
  CHECK_FALSE(p->gateway.has_value());
  CHECK(p->carrier_timeout == std::chrono::seconds(10));
}

TEST_CASE("a whitespace-only command line gives the defaults") {
  auto p = parse_cmdline(" \t\n ");
  REQUIRE(p.ok());
  CHECK(p->sets.empty());
}

TEST_CASE("interface, config path and carrier timeout are read") {
  auto p = parse_cmdline("vigil.iface=eth1 vigil.config=/etc/other.toml vigil.carrier_timeout=5s");
  REQUIRE(p.ok());
  CHECK(p->iface == "eth1");
  CHECK(p->config_path == "/etc/other.toml");
  CHECK(p->carrier_timeout == std::chrono::seconds(5));
}

TEST_CASE("vigil.exit_port is read in hex or decimal; 0 when absent") {
  auto p = parse_cmdline("console=ttyS0 vigil.exit_port=0xf4");
  REQUIRE(p.ok());
  CHECK(p->exit_port == 0xf4);
  p = parse_cmdline("vigil.exit_port=1280");
  REQUIRE(p.ok());
  CHECK(p->exit_port == 1280);
  p = parse_cmdline("console=ttyS0");
  REQUIRE(p.ok());
  CHECK(p->exit_port == 0);
}

TEST_CASE("find_exit_port() reads the port even from a command line parse_cmdline() refuses") {
  const char* text = "vigil.ipv4=10.0.2.300/24 vigil.exit_port=0xf4 vigil.typo=1";
  CHECK_FALSE(parse_cmdline(text).ok());
  CHECK(vigil::appliance::find_exit_port(text) == 0xf4);
  CHECK(vigil::appliance::find_exit_port("console=ttyS0 quiet") == 0);
}

TEST_CASE("a /32 address without a gateway is accepted") {
  auto p = parse_cmdline("vigil.ipv4=192.168.7.9/32");
  REQUIRE(p.ok());
  CHECK(p->ipv4->prefix == 32);
}

TEST_CASE("a value may itself contain '=' and ':'") {
  auto p = parse_cmdline("vigil.set=outputs=a=b:c");
  REQUIRE(p.ok());
  CHECK(p->sets.at(0) == "outputs=a=b:c");
}
