// modules.alias matching, for PID 1 mode: which of the image's modules drive the devices
// that are present. Thread: any (pure functions, no I/O).
//
// modules.alias (written by depmod) maps device ids to modules, one line each:
//   alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000
//   alias virtio:d00000001v* virtio_net
// The pattern is a shell glob over a device's modalias, as the kernel gives it in
// /sys/bus/*/devices/*/modalias ("pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00").
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::appliance {

struct ModuleAlias {
  std::string pattern;
  std::string module;  // As module_name() gives it: '-' written as '_'.
};

// Parses the whole file. Lines other than "alias PATTERN MODULE" (comments, blank lines) are
// skipped, as modprobe skips them.
std::vector<ModuleAlias> parse_modules_alias(std::string_view text);

// The modules whose pattern matches `modalias`.
std::set<std::string> modules_for(const std::vector<ModuleAlias>& aliases,
                                  const std::string& modalias);

}  // namespace vigil::appliance
