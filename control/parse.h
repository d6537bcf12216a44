// The control command language (docs/control-protocol.md §2-§5) as a pure parser: one line
// of bytes in, one Command or an error text out. Nothing here looks at the registries:
// names are checked when the command is applied (control/controller.h).
// Thread: any (pure functions).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/command_limit.h"
#include "common/duration.h"
#include "common/status.h"
#include "logging/level.h"
#include "metrics/element.h"

namespace vigil::control {

// Which sources a query lists: `l`/`m` (those that differ from the default), `l*`/`m*`
// (all), or `lNAME,NAME`/`mNAME,NAME` (the named ones, each checked by the applier).
enum class QueryScope { differing, all, named };

// `L<items>`: the parsed level spec.
struct SetLevels {
  logging::LevelSpec spec;
};

struct QueryLevels {
  QueryScope scope = QueryScope::differing;
  std::vector<std::string> names;  // Only for QueryScope::named, in the order written.
};

// One `M` item. `all`: `EN` or `*:EN`; `tag`: `tag:KEY:EN`; `source`: `NAME:EN` or
// `src:NAME:EN`.
struct MetricsItem {
  enum class Target { all, tag, source };
  Target target = Target::all;
  std::string name;  // The tag key or the source name; empty for `all`.
  bool enable = true;
};

struct SetMetrics {
  std::vector<MetricsItem> items;  // In the order written.
};

struct QueryMetrics {
  QueryScope scope = QueryScope::differing;
  std::vector<std::string> names;
};

struct Shutdown {};

// A segment of a pipeline pattern: `*`, `*suffix`, `prefix*` or an exact name.
struct NamePattern {
  enum class Mode { any, exact, prefix, suffix };
  Mode mode = Mode::any;
  std::string text;  // The fixed part, without the '*'.
  bool matches(std::string_view name) const;
};

// KIND or KIND/PLUGIN/ELEMENT. `kinds[k]` is true for each kind the pattern selects.
struct ElementPattern {
  bool kinds[3] = {false, false, false};  // Indexed by metrics::Kind.
  NamePattern plugin;
  NamePattern element;
  std::string text;  // As written, for error messages.
  bool matches(const metrics::Element& e) const;
};

enum class Action { pause, resume, stop, set_period, trigger_now };

// Whether `action` does something to an element of `kind` (§5.1 applicability): the one
// table that both the parser (a pattern that selects no such kind is an error) and the
// controller (elements of other kinds are skipped) read.
bool action_applies(Action action, metrics::Kind kind);

struct Control {
  ElementPattern pattern;
  Action action = Action::pause;
  std::string action_word;  // As written ("disable", "set-poll-interval"), for messages.
  Nanos period{0};          // Only for Action::set_period; never zero.
};

struct Elements {
  bool has_pattern = false;
  ElementPattern pattern;
};

struct Help {};

using Command = std::variant<SetLevels, QueryLevels, SetMetrics, QueryMetrics, Shutdown, Control,
                             Elements, Help>;

// Parses one command line, without its LF (and without the CR before it). The error text
// is the reply without the leading "error: ", exactly as the spec gives it:
//   "Lnet*:debug"              => SetLevels{net*: debug}
//   "control source/a/b foo"   => "invalid command 'control source/a/b foo': invalid command"
//   ""                         => "unknown command"
// Any bytes are accepted, including NUL and invalid UTF-8; a line over kMaxCommandBytes is
// the "command too long" error.
Result<Command> parse_command(std::string_view line);

// Parses PATTERN (§5.1). Errors as in the spec: "bad kind: 'foo': invalid element kind".
Result<ElementPattern> parse_element_pattern(std::string_view text);

}  // namespace vigil::control
