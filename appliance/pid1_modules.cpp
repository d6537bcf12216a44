// Loads the kernel modules of the image with finit_module, in modules.dep order: those
// that drive a device present, when the image has a modules.alias, else all of them.
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "appliance/modules_alias.h"
#include "appliance/modules_dep.h"
#include "appliance/pid1.h"

namespace vigil::appliance::pid1 {
namespace {

bool is_compressed(const std::string& path) {
  for (const char* ext : {".ko.gz", ".ko.xz", ".ko.zst"}) {
    size_t n = std::strlen(ext);
    if (path.size() > n && path.compare(path.size() - n, n, ext) == 0) return true;
  }
  return false;
}

Status load_one(const std::string& dir, const std::string& rel) {
  std::string path = dir + "/" + rel;
  // This kernel refuses compressed modules through finit_module (no MODULE_DECOMPRESS).
  if (is_compressed(rel)) {
    return Status::error("module " + path + " is compressed; store it uncompressed");
  }
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::error("open module " + path + ": " + std::strerror(errno));
  long rc = syscall(SYS_finit_module, fd, "", 0);
  int err = errno;
  close(fd);
  // EEXIST: built in, or loaded already; either way the driver is there.
  if (rc != 0 && err != EEXIST) {
    return Status::error("load module " + path + ": " + std::strerror(err));
  }
  return Status();
}

// The whole file, or nullopt if it cannot be opened.
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The modalias of every device on every bus, as the kernel lists them now.
std::vector<std::string> device_modaliases() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& bus : std::filesystem::directory_iterator("/sys/bus", ec)) {
    std::error_code dev_ec;
    for (const auto& dev : std::filesystem::directory_iterator(bus.path() / "devices", dev_ec)) {
      std::ifstream in(dev.path() / "modalias");
      std::string line;
      if (in && std::getline(in, line) && !line.empty()) out.push_back(line);
    }
  }
  return out;
}

// Loads the modules that drive the devices present, with what they need. A bus driver
// (virtio_pci) adds devices of its own bus (the virtio NIC) when it loads, so this looks
// again after each round, until a round finds no new module.
Result<int> load_for_devices(const std::string& dir, const std::vector<ModuleEntry>& entries,
                             const std::vector<std::string>& order,
                             const std::vector<ModuleAlias>& aliases) {
  std::map<std::string, const ModuleEntry*> by_name;
  for (const ModuleEntry& e : entries) by_name[module_name(e.path)] = &e;
  std::set<std::string> loaded;  // paths
  for (;;) {
    std::set<std::string> wanted;  // paths: the drivers and everything they need
    for (const std::string& modalias : device_modaliases()) {
      for (const std::string& name : modules_for(aliases, modalias)) {
        auto it = by_name.find(name);
        if (it == by_name.end()) continue;  // an alias of a module not in the image
        wanted.insert(it->second->path);
        wanted.insert(it->second->deps.begin(), it->second->deps.end());
      }
    }
    size_t before = loaded.size();
    for (const std::string& rel : order) {
      if (wanted.count(rel) == 0 || loaded.count(rel) != 0) continue;
      if (Status st = load_one(dir, rel); !st.ok()) return st;
      loaded.insert(rel);
    }
    if (loaded.size() == before) return static_cast<int>(loaded.size());
  }
}

}  // namespace

Result<int> load_modules() {
  utsname uts{};
  uname(&uts);
  std::string dir = std::string("/lib/modules/") + uts.release;
  auto dep_text = read_file(dir + "/modules.dep");
  if (!dep_text) return 0;  // No modules in the image: the drivers must be built in.
  auto entries = parse_modules_dep(*dep_text);
  if (!entries.ok()) return Status::error(dir + "/" + entries.status().message());
  auto order = module_load_order(*entries);
  if (!order.ok()) return Status::error(dir + "/" + order.status().message());
  // With a modules.alias, only the drivers of the devices present: loading e1000 cost a VM
  // with a virtio NIC about 50 ms from /init to ready under TCG (kernel timestamps).
  if (auto alias_text = read_file(dir + "/modules.alias")) {
    return load_for_devices(dir, *entries, *order, parse_modules_alias(*alias_text));
  }
  for (const std::string& rel : *order) {
    if (Status st = load_one(dir, rel); !st.ok()) return st;
  }
  return static_cast<int>(order->size());
}

}  // namespace vigil::appliance::pid1
