// vigil's own sources: source/self/{process,allocator,logs}.
#include <dirent.h>
#include <unistd.h>

#include <utility>

#ifdef VIGIL_USE_MIMALLOC
#include <mimalloc.h>
// A weak reference: the library does not pull mimalloc into an embedding program (loading
// libmimalloc replaces malloc process-wide). The source exists when the program links it.
#pragma weak mi_process_info
#endif

#include "logging/log.h"
#include "metrics/proc_parse.h"
#include "metrics/sources/builtin.h"

namespace vigil::metrics {
namespace {

// Open descriptors of this process, or -1 when /proc/self/fd cannot be listed.
int64_t count_open_fds(const std::string& proc_root) {
  DIR* dir = opendir((proc_root + "/self/fd").c_str());
  if (dir == nullptr) return -1;
  int64_t n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // The descriptor opendir itself holds.
}

constexpr FieldKind kGauge = FieldKind::gauge;
constexpr FieldKind kCounter = FieldKind::counter;

const FieldSpec kProcessFields[] = {
    {"cpu_user_seconds", kCounter, "CPU time vigil's process spent in user mode, in seconds."},
    {"cpu_system_seconds", kCounter, "CPU time vigil's process spent in the kernel, in seconds."},
    {"threads", kGauge, "Threads of vigil's process."},
    {"rss_bytes", kGauge, "Resident set size of vigil's process, in bytes."},
    {"open_fds", kGauge, "Open file descriptors of vigil's process."},
};

const FieldSpec kAllocatorFields[] = {
    {"committed_bytes", kGauge, "Memory committed by mimalloc, in bytes."},
    {"peak_committed_bytes", kGauge, "Most memory mimalloc had committed, in bytes."},
    {"rss_bytes", kGauge, "Resident set size as mimalloc reports it, in bytes (an estimate)."},
    {"peak_rss_bytes", kGauge, "Peak resident set size (getrusage), in bytes."},
    {"page_faults", kCounter, "Page faults of the process, as mimalloc reports them."},
};

const FieldSpec kLogsFields[] = {
    {"warnings", kCounter, "Warnings vigil has logged."},
    {"errors", kCounter, "Errors vigil has logged."},
};

class ProcessSource : public Source {
 public:
  explicit ProcessSource(const BuiltinOptions& o) : Source("self", "process"), root_(o.proc_root) {
    fields().declare(kProcessFields);
  }
  void poll(int64_t, std::vector<Point>* out) override {
    Point p;
    p.measurement = name();
    if (read_text_file(root_ + "/self/stat", &buf_)) {
      p.fields = proc::parse_self_stat(buf_, static_cast<uint64_t>(sysconf(_SC_CLK_TCK)),
                                       static_cast<uint64_t>(sysconf(_SC_PAGESIZE)));
    }
    if (int64_t fds = count_open_fds(root_); fds >= 0) {
      p.fields.push_back({"open_fds", static_cast<uint64_t>(fds)});
    }
    if (!p.fields.empty()) out->push_back(std::move(p));
  }

 private:
  std::string root_;
  std::string buf_;
};

#ifdef VIGIL_USE_MIMALLOC
// mimalloc 2.0.9 exposes its statistics only as printed text (mi_stats_print_out), so this
// source reports what mi_process_info returns. On Linux that call gives the committed size
// as the current RSS, and getrusage's maximum RSS as the peak: rss_bytes is an estimate.
class AllocatorSource : public Source {
 public:
  AllocatorSource() : Source("self", "allocator") { fields().declare(kAllocatorFields); }
  void poll(int64_t, std::vector<Point>* out) override {
    size_t elapsed = 0, user = 0, sys = 0, rss = 0, peak_rss = 0, commit = 0, peak_commit = 0,
           faults = 0;
    mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
    Point p;
    p.measurement = name();
    p.fields = {{"committed_bytes", uint64_t{commit}},
                {"peak_committed_bytes", uint64_t{peak_commit}},
                {"rss_bytes", uint64_t{rss}},
                {"peak_rss_bytes", uint64_t{peak_rss}},
                {"page_faults", uint64_t{faults}}};
    out->push_back(std::move(p));
  }
};
#endif

class LogsSource : public Source {
 public:
  LogsSource() : Source("self", "logs") { fields().declare(kLogsFields); }
  void poll(int64_t, std::vector<Point>* out) override {
    Point p;
    p.measurement = name();
    p.fields = {{"warnings", logging::warnings_logged()}, {"errors", logging::errors_logged()}};
    out->push_back(std::move(p));
  }
};

}  // namespace

std::unique_ptr<Source> make_process_source(const BuiltinOptions& o) {
  return std::make_unique<ProcessSource>(o);
}

std::unique_ptr<Source> make_allocator_source(const BuiltinOptions&) {
#ifdef VIGIL_USE_MIMALLOC
  if (&mi_process_info == nullptr) return nullptr;  // the program does not link mimalloc
  return std::make_unique<AllocatorSource>();
#else
  return nullptr;
#endif
}

std::unique_ptr<Source> make_logs_source(const BuiltinOptions&) {
  return std::make_unique<LogsSource>();
}

}  // namespace vigil::metrics
