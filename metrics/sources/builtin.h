// The built-in sources, by name: one table drives creation, config validation and docs.
// Thread: loop only.
//
// | name      | element                 | what                                            |
// |-----------|-------------------------|-------------------------------------------------|
// | memory    | source/proc/memory      | /proc/meminfo                                   |
// | cpu       | source/proc/cpu         | /proc/stat, fractions since the last poll       |
// | net       | source/proc/net         | /proc/net/dev, tag ifname                       |
// | disk      | source/proc/disk        | /proc/diskstats, tag device                     |
// | load      | source/proc/load        | /proc/loadavg and /proc/uptime                  |
// | process   | source/self/process     | /proc/self/stat and /proc/self/fd               |
// | allocator | source/self/allocator   | mi_process_info (mimalloc builds only)          |
// | logs      | source/self/logs        | warnings and errors logged                      |
// | pipeline  | source/self/pipeline    | output and component counters (pipeline.h)     |
//
// A missing or unreadable file yields no point and one warning per source (containers and
// PID 1 may lack parts of /proc); it never stops the other sources.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "metrics/source.h"

namespace vigil::metrics {

struct BuiltinOptions {
  bool cpu_per_core = true;
  std::string proc_root = "/proc";  // Tests may point it at a fake tree.
};

struct BuiltinSource {
  std::string_view name;
  std::string_view plugin;
  // Null for `pipeline`, which the Pipeline builds itself, and for sources this build
  // lacks (allocator without mimalloc).
  std::unique_ptr<Source> (*make)(const BuiltinOptions& options);
};

// Every built-in, in the order of the table above.
std::span<const BuiltinSource> builtin_sources();
// The entry named `name`, or null.
const BuiltinSource* find_builtin_source(std::string_view name);

// Reads a whole small file (a /proc file) into *out. Returns false if it cannot be opened
// or read. Blocking, but /proc reads do not wait on I/O.
bool read_text_file(const std::string& path, std::string* out);

// Implemented in proc_sources.cpp and self_sources.cpp.
std::unique_ptr<Source> make_memory_source(const BuiltinOptions& options);
std::unique_ptr<Source> make_cpu_source(const BuiltinOptions& options);
std::unique_ptr<Source> make_net_source(const BuiltinOptions& options);
std::unique_ptr<Source> make_disk_source(const BuiltinOptions& options);
std::unique_ptr<Source> make_load_source(const BuiltinOptions& options);
std::unique_ptr<Source> make_process_source(const BuiltinOptions& options);
std::unique_ptr<Source> make_allocator_source(const BuiltinOptions& options);
std::unique_ptr<Source> make_logs_source(const BuiltinOptions& options);

}  // namespace vigil::metrics
