// Loads the kernel modules of the image with finit_module, in modules.dep order.
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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

}  // namespace

Result<int> load_modules() {
  utsname uts{};
  uname(&uts);
  std::string dir = std::string("/lib/modules/") + uts.release;
  std::ifstream in(dir + "/modules.dep");
  if (!in) return 0;  // No modules in the image: the drivers must be built in.
  std::stringstream text;
  text << in.rdbuf();
  auto entries = parse_modules_dep(text.str());
  if (!entries.ok()) return Status::error(dir + "/" + entries.status().message());
  auto order = module_load_order(*entries);
  if (!order.ok()) return Status::error(dir + "/" + order.status().message());
  for (const std::string& rel : *order) {
    if (Status st = load_one(dir, rel); !st.ok()) return st;
  }
  return static_cast<int>(order->size());
}

}  // namespace vigil::appliance::pid1
