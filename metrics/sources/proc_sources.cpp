// The system-wide sources: source/proc/{memory,cpu,net,disk,load}.
#include <utility>

#include "logging/log.h"
#include "metrics/proc_parse.h"
#include "metrics/sources/builtin.h"

namespace vigil::metrics {
namespace {

// Each source's fields: counter or gauge, and the help line of /metrics.
constexpr FieldKind kGauge = FieldKind::gauge;
constexpr FieldKind kCounter = FieldKind::counter;

const FieldSpec kMemoryFields[] = {
    {"total_bytes", kGauge, "Usable RAM (MemTotal of /proc/meminfo), in bytes."},
    {"available_bytes", kGauge, "Memory available for new work without swapping (MemAvailable)."},
    {"free_bytes", kGauge, "Memory not used at all (MemFree), in bytes."},
    {"buffers_bytes", kGauge, "Memory in block device buffers (Buffers), in bytes."},
    {"cached_bytes", kGauge, "Memory in the page cache (Cached), in bytes."},
    {"swap_total_bytes", kGauge, "Swap space (SwapTotal), in bytes."},
    {"swap_used_bytes", kGauge, "Swap space in use (SwapTotal - SwapFree), in bytes."},
};

const FieldSpec kCpuFields[] = {
    {"user_fraction", kGauge, "Share of CPU time in user mode since the previous poll (0..1)."},
    {"nice_fraction", kGauge, "Share of CPU time in niced user mode since the previous poll."},
    {"system_fraction", kGauge, "Share of CPU time in kernel mode since the previous poll."},
    {"idle_fraction", kGauge, "Share of CPU time idle since the previous poll."},
    {"iowait_fraction", kGauge, "Share of CPU time waiting for I/O since the previous poll."},
    {"irq_fraction", kGauge, "Share of CPU time serving interrupts since the previous poll."},
    {"softirq_fraction", kGauge, "Share of CPU time in softirqs since the previous poll."},
    {"steal_fraction", kGauge,
     "Share of CPU time stolen by the hypervisor since the previous poll."},
};

const FieldSpec kNetFields[] = {
    {"rx_bytes", kCounter, "Bytes received by the interface."},
    {"rx_packets", kCounter, "Packets received by the interface."},
    {"rx_errors", kCounter, "Receive errors of the interface."},
    {"rx_drops", kCounter, "Received packets dropped by the interface."},
    {"tx_bytes", kCounter, "Bytes sent by the interface."},
    {"tx_packets", kCounter, "Packets sent by the interface."},
    {"tx_errors", kCounter, "Send errors of the interface."},
    {"tx_drops", kCounter, "Packets dropped on sending by the interface."},
};

const FieldSpec kDiskFields[] = {
    {"reads", kCounter, "Reads completed by the device."},
    {"writes", kCounter, "Writes completed by the device."},
    {"read_bytes", kCounter, "Bytes read from the device."},
    {"written_bytes", kCounter, "Bytes written to the device."},
    {"io_time_seconds", kCounter, "Time the device spent doing I/O, in seconds."},
};

const FieldSpec kLoadFields[] = {
    {"load1", kGauge, "Load average over 1 minute."},
    {"load5", kGauge, "Load average over 5 minutes."},
    {"load15", kGauge, "Load average over 15 minutes."},
    {"procs_running", kGauge, "Runnable threads (from /proc/loadavg)."},
    {"uptime_seconds", kGauge, "Time since boot (/proc/uptime), in seconds."},
};

// Reads files under the proc root; warns once per source when one is missing.
class ProcSource : public Source {
 public:
  ProcSource(std::string name, std::vector<std::string> tag_keys, const BuiltinOptions& o,
             std::span<const FieldSpec> table)
      : Source("proc", std::move(name), std::move(tag_keys)), root_(o.proc_root) {
    fields().declare(table);
  }

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
  explicit MemorySource(const BuiltinOptions& o) : ProcSource("memory", {}, o, kMemoryFields) {}
  void poll(int64_t, std::vector<Point>* out) override {
    append(out, proc::parse_meminfo(read("meminfo", &buf_)));
  }
};

class CpuSource : public ProcSource {
 public:
  explicit CpuSource(const BuiltinOptions& o)
      : ProcSource("cpu", {"cpu"}, o, kCpuFields), per_core_(o.cpu_per_core) {}
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
  explicit NetSource(const BuiltinOptions& o) : ProcSource("net", {"ifname"}, o, kNetFields) {}
  void poll(int64_t, std::vector<Point>* out) override {
    append(out, proc::parse_net_dev(read("net/dev", &buf_)));
  }
};

class DiskSource : public ProcSource {
 public:
  explicit DiskSource(const BuiltinOptions& o) : ProcSource("disk", {"device"}, o, kDiskFields) {}
  void poll(int64_t, std::vector<Point>* out) override {
    append(out, proc::parse_diskstats(read("diskstats", &buf_)));
  }
};

class LoadSource : public ProcSource {
 public:
  explicit LoadSource(const BuiltinOptions& o) : ProcSource("load", {}, o, kLoadFields) {
    // "procs_total" is a gauge; Prometheus keeps the _total suffix for counters.
    fields().declare("procs_total",
                     {FieldKind::gauge, "Threads that exist (from /proc/loadavg).", "procs", 1.0});
  }
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
