#include "control/parse.h"

#include <algorithm>
#include <array>
#include <optional>

namespace vigil::control {
namespace {

using metrics::Kind;

// The kind words of §5.1, and which kinds each selects.
struct KindWord {
  std::string_view word;
  bool source, transform, output;
};
constexpr std::array<KindWord, 12> kKindWords{{
    {"src", true, false, false},
    {"source", true, false, false},
    {"sources", true, false, false},
    {"tra", false, true, false},
    {"transform", false, true, false},
    {"transforms", false, true, false},
    {"out", false, false, true},
    {"output", false, false, true},
    {"outputs", false, false, true},
    {"*", true, true, true},
    {"all", true, true, true},
    {"any", true, true, true},
}};

// The action words of §5.1, and whether each takes a duration.
struct ActionWord {
  std::string_view word;
  Action action;
  bool takes_duration;
};
constexpr std::array<ActionWord, 8> kActionWords{{
    {"pause", Action::pause, false},
    {"disable", Action::pause, false},
    {"resume", Action::resume, false},
    {"enable", Action::resume, false},
    {"stop", Action::stop, false},
    {"set-period", Action::set_period, true},
    {"set-poll-interval", Action::set_period, true},
    {"trigger-now", Action::trigger_now, false},
}};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Splits on runs of ASCII whitespace: "  a \t b " => {"a", "b"}.
std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

// Splits on every `sep`: "a,,b" => {"a", "", "b"}; "" => {""}.
std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t end; (end = text.find(sep, start)) != std::string_view::npos; start = end + 1) {
    parts.push_back(text.substr(start, end - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

// `l`, `l*`, `lNAME,...` (the same shape for `m`).
void parse_scope(std::string_view arg, QueryScope* scope, std::vector<std::string>* names) {
  if (arg.empty()) {
    *scope = QueryScope::differing;
  } else if (arg == "*") {
    *scope = QueryScope::all;
  } else {
    *scope = QueryScope::named;
    for (std::string_view n : split(arg, ',')) names->emplace_back(n);
  }
}

// mirage's decoder: "enable"/"on"/"disable"/"off" in any case.
Result<bool> parse_switch(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (lower == "enable" || lower == "on") return true;
  if (lower == "disable" || lower == "off") return false;
  return Status::error("couldn't decode 'enable' or 'disable': " + lower);
}

// One `M` item:  "on" | "*:off" | "tag:ifname:on" | "src:tag:on" | "memory:on".
Result<MetricsItem> parse_metrics_item(std::string_view item) {
  std::vector<std::string_view> parts = split(item, ':');
  MetricsItem out;
  std::string_view en;
  if (parts.size() == 1 || (parts.size() == 2 && parts[0] == "*")) {
    out.target = MetricsItem::Target::all;
  } else if (parts.size() == 2 && parts[0] != "tag" && parts[0] != "src") {
    out.target = MetricsItem::Target::source;
    out.name = parts[0];
  } else if (parts.size() == 3 && (parts[0] == "tag" || parts[0] == "src")) {
    out.target = parts[0] == "tag" ? MetricsItem::Target::tag : MetricsItem::Target::source;
    out.name = parts[1];
  } else {
    return Status::error("couldn't decode metrics " + std::string(item));
  }
  Result<bool> on = parse_switch(parts.back());
  if (!on.ok()) return on.status();
  out.enable = *on;
  return out;
}

Result<Command> parse_set_metrics(std::string_view arg) {
  SetMetrics cmd;
  for (std::string_view item : split(arg, ',')) {
    Result<MetricsItem> parsed = parse_metrics_item(item);
    if (!parsed.ok()) return parsed.status();
    cmd.items.push_back(std::move(*parsed));
  }
  return Command(std::move(cmd));
}

Result<Command> parse_letter(char letter, std::string_view arg) {
  switch (letter) {
    case 'L': {
      Result<logging::LevelSpec> spec = logging::parse_level_spec(arg);
      if (!spec.ok()) return spec.status();
      return Command(SetLevels{std::move(*spec)});
    }
    case 'l': {
      QueryLevels q;
      parse_scope(arg, &q.scope, &q.names);
      return Command(std::move(q));
    }
    case 'M':
      return parse_set_metrics(arg);
    default: {
      QueryMetrics q;
      parse_scope(arg, &q.scope, &q.names);
      return Command(std::move(q));
    }
  }
}

// "*" | "*suffix" | "prefix*" | "exact"; a '*' anywhere else is an error.
Result<NamePattern> parse_name_pattern(std::string_view text) {
  NamePattern p;
  if (text == "*") return p;
  size_t stars = static_cast<size_t>(std::count(text.begin(), text.end(), '*'));
  if (stars == 0) {
    p.mode = NamePattern::Mode::exact;
    p.text = text;
  } else if (stars == 1 && text.front() == '*') {
    p.mode = NamePattern::Mode::suffix;
    p.text = text.substr(1);
  } else if (stars == 1 && text.back() == '*') {
    p.mode = NamePattern::Mode::prefix;
    p.text = text.substr(0, text.size() - 1);
  } else {
    return Status::error("bad pattern: '" + std::string(text) +
                         "': invalid pattern: asterisk '*' in the middle of the string");
  }
  return p;
}

// Which kinds of element each action applies to, and the words of the error for a pattern
// that selects none of them.
struct ActionKinds {
  Action action;
  bool kinds[3];  // Indexed by metrics::Kind.
  std::string_view only;
};
constexpr std::array<ActionKinds, 5> kActionKinds{{
    {Action::pause, {true, true, true}, ""},
    {Action::resume, {true, true, true}, ""},
    {Action::stop, {true, false, true}, "sources and outputs"},
    {Action::set_period, {true, false, false}, "sources"},
    {Action::trigger_now, {true, false, false}, "sources"},
}};

const ActionKinds& action_kinds(Action action) {
  for (const ActionKinds& a : kActionKinds) {
    if (a.action == action) return a;
  }
  return kActionKinds[0];
}

const ActionWord* find_action(std::string_view word) {
  for (const ActionWord& a : kActionWords) {
    if (a.word == word) return &a;
  }
  return nullptr;
}

// "control PATTERN ACTION [DURATION]", already split into words.
Result<Command> parse_control(const std::vector<std::string_view>& words) {
  if (words.size() < 2)
    return Status::error("invalid command 'control': missing argument 'selector'");
  std::string line = join(words);
  Result<ElementPattern> pattern = parse_element_pattern(words[1]);
  if (!pattern.ok()) return pattern.status();
  if (words.size() < 3) {
    return Status::error("invalid command '" + line + "': missing arguments after the selector");
  }
  const ActionWord* action = find_action(words[2]);
  if (action == nullptr || words.size() != (action->takes_duration ? 4u : 3u)) {
    return Status::error("invalid command '" + line + "': invalid command");
  }
  Control cmd{std::move(*pattern), action->action, std::string(action->word), Nanos(0)};
  std::string invalid = "invalid control '" + cmd.action_word + "': ";
  if (action->takes_duration) {
    Result<Nanos> d = parse_duration(words[3]);
    if (!d.ok()) {
      return Status::error("invalid duration '" + std::string(words[3]) +
                           "': " + d.status().message());
    }
    if (d->count() == 0) return Status::error(invalid + "the period must be non-zero");
    cmd.period = *d;
  }
  const ActionKinds& applies = action_kinds(cmd.action);
  bool any = false;
  for (int k = 0; k < 3; ++k) any = any || (cmd.pattern.kinds[k] && applies.kinds[k]);
  if (!any)
    return Status::error(invalid + "it can only be applied to " + std::string(applies.only));
  return Command(std::move(cmd));
}

Result<Command> parse_elements(const std::vector<std::string_view>& words) {
  Elements cmd;
  if (words.size() > 2) {
    return Status::error("invalid command '" + join(words) + "': invalid command");
  }
  if (words.size() == 2) {
    Result<ElementPattern> pattern = parse_element_pattern(words[1]);
    if (!pattern.ok()) return pattern.status();
    cmd.has_pattern = true;
    cmd.pattern = std::move(*pattern);
  }
  return Command(std::move(cmd));
}

}  // namespace

bool NamePattern::matches(std::string_view name) const {
  switch (mode) {
    case Mode::any:
      return true;
    case Mode::exact:
      return name == text;
    case Mode::prefix:
      return name.starts_with(text);
    case Mode::suffix:
      return name.ends_with(text);
  }
  return false;
}

bool ElementPattern::matches(const metrics::Element& e) const {
  return kinds[static_cast<int>(e.kind())] && plugin.matches(e.plugin()) &&
         element.matches(e.name());
}

Result<ElementPattern> parse_element_pattern(std::string_view text) {
  ElementPattern p;
  p.text = text;
  // Split at the first two '/': the element name may itself hold a '/'.
  size_t first = text.find('/');
  std::string_view kind = text.substr(0, first);
  const KindWord* k = nullptr;
  for (const KindWord& w : kKindWords) {
    if (w.word == kind) k = &w;
  }
  if (k == nullptr)
    return Status::error("bad kind: '" + std::string(kind) + "': invalid element kind");
  p.kinds[static_cast<int>(Kind::source)] = k->source;
  p.kinds[static_cast<int>(Kind::transform)] = k->transform;
  p.kinds[static_cast<int>(Kind::output)] = k->output;
  if (first == std::string_view::npos) return p;
  size_t second = text.find('/', first + 1);
  if (second == std::string_view::npos) {
    return Status::error("bad pattern, expected kind/plugin/element but got '" + std::string(text) +
                         "'");
  }
  Result<NamePattern> plugin = parse_name_pattern(text.substr(first + 1, second - first - 1));
  if (!plugin.ok()) return plugin.status();
  Result<NamePattern> element = parse_name_pattern(text.substr(second + 1));
  if (!element.ok()) return element.status();
  p.plugin = std::move(*plugin);
  p.element = std::move(*element);
  return p;
}

Result<Command> parse_command(std::string_view line) {
  if (line.size() > kMaxCommandBytes) return Status::error(too_long_message());
  if (!line.empty()) {
    char c = line.front();
    if (c == 'L' || c == 'l' || c == 'M' || c == 'm') return parse_letter(c, line.substr(1));
  }
  std::vector<std::string_view> words = split_words(line);
  if (words.empty()) return Status::error("unknown command");
  std::string_view verb = words.front();
  if (verb == "shutdown" || verb == "stop") return Command(Shutdown{});
  if (verb == "control") return parse_control(words);
  if (verb == "elements") return parse_elements(words);
  if (verb == "help") return Command(Help{});
  return Status::error("unknown command");
}

bool action_applies(Action action, Kind kind) {
  return action_kinds(action).kinds[static_cast<int>(kind)];
}

}  // namespace vigil::control
