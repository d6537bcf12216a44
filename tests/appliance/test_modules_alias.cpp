// modules.alias picks the drivers of the devices present, by their modalias.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "appliance/modules_alias.h"

using vigil::appliance::modules_for;
using vigil::appliance::parse_modules_alias;

namespace {

// Lines of Debian 12's modules.alias (kernel 6.1) for the image's NIC modules, with one
// other module's line and a comment.
constexpr const char* kDebianNicAlias =
    "# Aliases extracted from modules themselves.\n"
    "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n"
    "alias virtio:d00000001v* virtio_net\n"
    "alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000\n"
    "alias pci:v00008086d0000100Fsv*sd*bc*sc*i* e1000\n"
    "alias usb:v0BDAp8153d*dc*dsc*dp*ic*isc*ip*in* r8152\n"
    "\n";

// The modaliases of the devices qemu gives the VM, as the kernel writes them (ids from
// qemu's device models): the virtio-net PCI function, the virtio device behind it, an e1000.
constexpr const char* kVirtioPci = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
constexpr const char* kVirtioNet = "virtio:d00000001v00001AF4";
constexpr const char* kE1000 = "pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00";

}  // namespace

TEST_CASE("each device gets the modules whose pattern matches its modalias") {
  auto aliases = parse_modules_alias(kDebianNicAlias);
  CHECK(aliases.size() == 5);
  CHECK(modules_for(aliases, kVirtioPci) == std::set<std::string>{"virtio_pci"});
  CHECK(modules_for(aliases, kVirtioNet) == std::set<std::string>{"virtio_net"});
  CHECK(modules_for(aliases, kE1000) == std::set<std::string>{"e1000"});
  // The host bridge and the ISA bridge of the same VM: no module of the image drives them.
  CHECK(modules_for(aliases, "pci:v00008086d00001237sv00001AF4sd00001100bc06sc00i00").empty());
  CHECK(modules_for(aliases, "pci:v00008086d00007000sv00001AF4sd00001100bc06sc01i00").empty());
}

TEST_CASE("module names are written with '_', and lines that are not aliases are skipped") {
  auto aliases = parse_modules_alias(
      "alias pci:v1234* snd-hda-intel\n"
      "alias too many words here\n"
      "alias missing\n"
      "options e1000 debug=1\n");
  REQUIRE(aliases.size() == 1);
  CHECK(aliases[0].module == "snd_hda_intel");
  CHECK(modules_for(aliases, "pci:v1234abcd") == std::set<std::string>{"snd_hda_intel"});
}

TEST_CASE("an empty file drives nothing") {
  CHECK(parse_modules_alias("").empty());
  CHECK(modules_for({}, kVirtioPci).empty());
}
