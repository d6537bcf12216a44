#include "metrics/sources/builtin.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace vigil::metrics {
namespace {

#ifdef VIGIL_USE_MIMALLOC
constexpr auto kAllocator = &make_allocator_source;
#else
constexpr std::unique_ptr<Source> (*kAllocator)(const BuiltinOptions&) = nullptr;
#endif

const BuiltinSource kBuiltins[] = {
    {"memory", "proc", &make_memory_source}, {"cpu", "proc", &make_cpu_source},
    {"net", "proc", &make_net_source},       {"disk", "proc", &make_disk_source},
    {"load", "proc", &make_load_source},     {"process", "self", &make_process_source},
    {"allocator", "self", kAllocator},       {"logs", "self", &make_logs_source},
    {"pipeline", "self", nullptr},
};

}  // namespace

std::span<const BuiltinSource> builtin_sources() { return kBuiltins; }

const BuiltinSource* find_builtin_source(std::string_view name) {
  for (const BuiltinSource& b : kBuiltins) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

bool read_text_file(const std::string& path, std::string* out) {
  out->clear();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  bool ok = true;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out->append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      ok = false;
      break;
    }
  }
  close(fd);
  return ok;
}

}  // namespace vigil::metrics
