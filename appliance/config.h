// Loading vigil's config: one TOML file plus `--set key.path=value` overrides, checked
// against the option table. The table is the only place an option is declared: it drives
// parsing, `--help` and docs/config.md.
// Thread: any (pure functions; reads the config file).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace vigil {

// Reads `path` (empty: no file, every default) and applies each override "KEY=VALUE" in
// order. VALUE is TOML ("5", "\"x\"", "[\"10.0.0.0/8\"]"); text that is not TOML is taken
// as a string, and a string given for a list is split at commas.
// An error names the place and what was expected, e.g.
//   "vigil.toml:3:19: control.max_connections: expected an integer from 1 to 100000, got 0"
//   "vigil.toml:7:1: unknown key 'control.lisen' (expected one of: control.listen, ...)"
//   "--set interval=10: interval: expected a duration such as 10s, 500ms or 1h30m, got
//    \"10\" (time unit needed, for example 10sec or 10ms)"
Result<Config> load_config(const std::string& path, const std::vector<std::string>& overrides);

// The option table as text for `--help`: one entry per option with type, default and doc.
std::string options_help();

// The option table as Markdown: the body of docs/config.md.
std::string options_markdown();

// The names of the built-in metrics sources, which `[sources.NAME]` may configure.
const std::vector<std::string_view>& builtin_source_names();

}  // namespace vigil
