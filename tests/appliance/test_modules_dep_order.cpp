// modules.dep is read and turned into a load order where every module follows its needs.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "appliance/modules_dep.h"

using vigil::appliance::module_load_order;
using vigil::appliance::module_name;
using vigil::appliance::parse_modules_dep;

namespace {
// The lines Debian 12's depmod writes for the NIC modules (copied from its modules.dep).
constexpr const char* kDebianNicDep =
    "kernel/drivers/virtio/virtio_pci_modern_dev.ko:\n"
    "kernel/drivers/virtio/virtio_pci_legacy_dev.ko:\n"
    "kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko "
    "kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko "
    "kernel/drivers/virtio/virtio_ring.ko\n"
    "kernel/drivers/net/ethernet/intel/e1000/e1000.ko:\n"
    "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko "
    "kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko "
    "kernel/drivers/virtio/virtio_ring.ko\n"
    "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
    "kernel/net/core/failover.ko:\n"
    "kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n"
    "kernel/drivers/virtio/virtio_ring.ko:\n";

size_t position(const std::vector<std::string>& order, const std::string& name) {
  auto it = std::find_if(order.begin(), order.end(),
                         [&](const std::string& p) { return module_name(p) == name; });
  REQUIRE(it != order.end());
  return static_cast<size_t>(it - order.begin());
}
}  // namespace

TEST_CASE("the NIC modules load after everything they need, each once") {
  auto entries = parse_modules_dep(kDebianNicDep);
  REQUIRE(entries.ok());
  auto order = module_load_order(*entries);
  REQUIRE(order.ok());
  CHECK(order->size() == 9);
  CHECK(position(*order, "virtio_ring") < position(*order, "virtio"));
  CHECK(position(*order, "virtio") < position(*order, "virtio_pci"));
  CHECK(position(*order, "virtio_pci_legacy_dev") < position(*order, "virtio_pci"));
  CHECK(position(*order, "failover") < position(*order, "net_failover"));
  CHECK(position(*order, "net_failover") < position(*order, "virtio_net"));
  CHECK(position(*order, "virtio_ring") < position(*order, "virtio_net"));
}

TEST_CASE("modules without needs keep their file order") {
  auto entries = parse_modules_dep("b.ko:\na.ko:\n\nc.ko:");
  REQUIRE(entries.ok());
  auto order = module_load_order(*entries);
  REQUIRE(order.ok());
  CHECK(*order == std::vector<std::string>{"b.ko", "a.ko", "c.ko"});
}

TEST_CASE("an empty file gives no modules") {
  auto entries = parse_modules_dep("");
  REQUIRE(entries.ok());
  CHECK(module_load_order(*entries)->empty());
}

TEST_CASE("a line without a colon is an error with its line number") {
  auto entries = parse_modules_dep("a.ko:\nb.ko c.ko\n");
  CHECK(entries.status().message() ==
        "modules.dep:2: expected 'path.ko: deps...', got 'b.ko c.ko'");
}

TEST_CASE("a dependency with no line of its own is an error") {
  auto entries = parse_modules_dep("a.ko: b.ko\n");
  REQUIRE(entries.ok());
  CHECK(module_load_order(*entries).status().message() ==
        "modules.dep:1: a.ko needs b.ko, which has no line of its own");
}

TEST_CASE("a cycle is an error, not endless recursion") {
  auto entries = parse_modules_dep("a.ko: b.ko\nb.ko: a.ko\n");
  REQUIRE(entries.ok());
  CHECK(module_load_order(*entries).status().message() ==
        "modules.dep:1: a.ko depends on itself through its dependencies");
}

TEST_CASE("module names drop the directory and suffix and use underscores") {
  CHECK(module_name("kernel/net/core/failover.ko") == "failover");
  CHECK(module_name("kernel/sound/snd-pcm.ko.xz") == "snd_pcm");
  CHECK(module_name("e1000.ko") == "e1000");
}
