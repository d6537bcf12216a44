// Log levels and the level-spec language shared by `logging.levels` and the `L` command.
// Thread: any (pure functions).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::logging {

// From quietest to loudest. `quiet` means off: no message is ever logged at it.
enum class Level : int { quiet = 0, app = 1, error = 2, warning = 3, info = 4, debug = 5 };

// "info" for Level::info.
std::string_view level_name(Level level);
// The level named exactly `name` (case-sensitive, as in mirage-monitoring), or nothing.
std::optional<Level> level_from_name(std::string_view name);
// The valid names, for error messages: "quiet, app, error, warning, info, debug".
std::string level_names();

// One item of a spec. `pattern` is "*" for the default-and-every-source item, or a source
// name, "prefix*" or "*suffix".
struct LevelItem {
  std::string pattern;
  Level level;
};

// A parsed spec: the items in the order written.
struct LevelSpec {
  std::vector<LevelItem> items;
};

// Parses a comma-separated spec. Each item is LEVEL, *:LEVEL or NAME:LEVEL.
//   "*:info,net*:debug" => default info, sources matching net* debug
//   "debug"             => default and every source debug
// The first bad item gives the error, in the control protocol's words (without "error: "):
//   ""       => "\"\": unknown log level"
//   "DEBUG"  => "\"DEBUG\": unknown log level"
//   "a:b:c"  => "Can't parse log threshold: a:b:c"
Result<LevelSpec> parse_level_spec(std::string_view text);

// True iff `name` matches `pattern`: exact, "prefix*" or "*suffix". "*" matches any name.
bool name_matches(std::string_view pattern, std::string_view name);

// OCaml's %S: the text in double quotes, with \" \\ \n \t \r \b and \ddd escapes.
std::string ocaml_quote(std::string_view text);

}  // namespace vigil::logging
