// The system-wide sources: source/proc/{memory,cpu,net,disk,load}.
#include <utility>

#include "logging/log.h"
#include "metrics/proc_parse.h"
#include "metrics/sources/builtin.h"

namespace vigil::metrics {
namespace {

// Reads files under the proc root; warns once per source when one is missing.
class ProcSource : public Source {
 public:
  ProcSource(std::string name, std::vector<std::string> tag_keys, const BuiltinOptions& o)
      : Source("proc", std::move(name), std::move(tag_keys)), root_(o.proc_root) {}

 protected:
  // The text of root/relative, or empty (with one warning) when it cannot be read.
  std::string_view read(const char* relative, std::string* buf) {
    std::string path = root_ + "/" + relative;
    if (read_text_file(path, buf)) return *buf;
    if (!warned_) {
      VIGIL_LOG(source_log(), warning, "source/proc/%s: cannot read %s; no points from it",
                name().c_str(), path.c_str());
      warned_ = true;
    }
    buf->clear();
    return {};
  }

  std::string buf_;
  std::string buf2_;

 private:
  std::string root_;
  bool warned_ = false;
};

void append(std::vector<Point>* out, std::vector<Point> points) {
  for (Point& p : points) out->push_back(std::move(p));
}

class MemorySource : public ProcSource {
 public:
  explicit MemorySource(const BuiltinOptions& o) : ProcSource("memory", {}, o) {}
  void poll(int64_t, std::vector<Point>* out) override {
    append(out, proc::parse_meminfo(read("meminfo", &buf_)));
  }
};

class CpuSource : public ProcSource {
 public:
  explicit CpuSource(const BuiltinOptions& o)
      : ProcSource("cpu", {"cpu"}, o), per_core_(o.cpu_per_core) {}
  void poll(int64_t, std::vector<Point>* out) override {
    std::vector<proc::CpuTimes> now = proc::parse_stat_cpus(read("stat", &buf_), per_core_);
    if (now.empty()) return;
    append(out, proc::cpu_fractions(previous_, now));
    previous_ = std::move(now);
  }

 private:
  bool per_core_;
  std::vector<proc::CpuTimes> previous_;
};

class NetSource : public ProcSource {
 public:
  explicit NetSource(const BuiltinOptions& o) : ProcSource("net", {"ifname"}, o) {}
  void poll(int64_t, std::vector<Point>* out) override {
    append(out, proc::parse_net_dev(read("net/dev", &buf_)));
  }
};

class DiskSource : public ProcSource {
 public:
  explicit DiskSource(const BuiltinOptions& o) : ProcSource("disk", {"device"}, o) {}
  void poll(int64_t, std::vector<Point>* out) override {
    append(out, proc::parse_diskstats(read("diskstats", &buf_)));
  }
};

class LoadSource : public ProcSource {
 public:
  explicit LoadSource(const BuiltinOptions& o) : ProcSource("load", {}, o) {}
  void poll(int64_t, std::vector<Point>* out) override {
    std::string_view loadavg = read("loadavg", &buf_);
    append(out, proc::parse_load(loadavg, read("uptime", &buf2_)));
  }
};

}  // namespace

std::unique_ptr<Source> make_memory_source(const BuiltinOptions& o) {
  return std::make_unique<MemorySource>(o);
}
std::unique_ptr<Source> make_cpu_source(const BuiltinOptions& o) {
  return std::make_unique<CpuSource>(o);
}
std::unique_ptr<Source> make_net_source(const BuiltinOptions& o) {
  return std::make_unique<NetSource>(o);
}
std::unique_ptr<Source> make_disk_source(const BuiltinOptions& o) {
  return std::make_unique<DiskSource>(o);
}
std::unique_ptr<Source> make_load_source(const BuiltinOptions& o) {
  return std::make_unique<LoadSource>(o);
}

}  // namespace vigil::metrics
