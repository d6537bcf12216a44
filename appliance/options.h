// The option tables behind appliance/config.h. Internal to appliance/.
// Thread: any (the tables are built once and never change).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <toml.hpp>
#include <vector>

#include "common/config.h"

namespace vigil {

// What a setter reports for a bad value: what was expected, and optionally why the value
// failed ("time unit needed, ...").
struct Bad {
  std::string expected;
  std::string detail;
};
using Check = std::optional<Bad>;

// Stores a checked value into the target, or says what was expected. A failed setter
// leaves the target as it was.
template <class Target>
using Setter = std::function<Check(Target&, const toml::value&)>;

template <class Target>
struct Option {
  std::string name;  // Dotted key, e.g. "control.listen".
  std::string type;
  std::string default_text;
  std::string doc;
  bool runtime;  // Can change while vigil runs, through the control port.
  Setter<Target> set;
};

// Top-level options, in documentation order.
const std::vector<Option<Config>>& options();
// The keys of one `[[outputs]]` table.
const std::vector<Option<OutputConfig>>& output_options();

}  // namespace vigil
