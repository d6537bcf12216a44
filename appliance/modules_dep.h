// modules.dep parsing and module load order, for PID 1 mode.
// Thread: any (pure functions, no I/O).
//
// modules.dep (written by depmod) has one line per module: its path relative to
// /lib/modules/<release>/, a colon, then every module it needs, directly or not:
//   kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko
//   kernel/net/core/failover.ko
// A module must be loaded after everything it needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::appliance {

struct ModuleEntry {
  std::string path;               // As written: "kernel/drivers/net/virtio_net.ko".
  std::vector<std::string> deps;  // Paths, as written.
  size_t line = 0;                // 1-based line in modules.dep, for messages.
};

// Parses the whole file. Blank lines are skipped; a line without ':' or with an empty path
// is an error "modules.dep:3: expected 'path.ko: deps...'".
Result<std::vector<ModuleEntry>> parse_modules_dep(std::string_view text);

// The module name of a path: "kernel/net/core/failover.ko" => "failover",
// "a/snd-pcm.ko.xz" => "snd_pcm" (the kernel treats '-' and '_' alike).
std::string module_name(std::string_view path);

// Returns the paths of every module in `entries`, each after all the modules it needs and
// otherwise in file order, each once. Errors: a dependency with no line of its own, or a
// cycle, named with its line.
Result<std::vector<std::string>> module_load_order(const std::vector<ModuleEntry>& entries);

}  // namespace vigil::appliance
