// The TOML loader. toml11 throws; its exceptions are caught here and nowhere else, and
// become positioned messages.
#include "appliance/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <set>
#include <sstream>
#include <type_traits>

#include "appliance/options.h"
#include "metrics/output_url.h"

namespace vigil {
namespace {

using Value = toml::value;

// "file:line:col" for a value from the file, or "--set KEY=VALUE" for an override.
std::string where(const Value& v) {
  toml::source_location loc = v.location();
  const std::string& file = loc.file_name();
  if (file.starts_with("--set ")) return file;
  return file + ":" + std::to_string(loc.line()) + ":" + std::to_string(loc.column());
}

// The value as written, kept short.
std::string shown(const Value& v) {
  std::string text;
  if (v.is_string()) {
    text = "\"" + v.as_string().str + "\"";
  } else if (v.is_table()) {
    text = "a table";
  } else if (v.is_array()) {
    for (const Value& item : v.as_array()) text += (text.empty() ? "" : ", ") + shown(item);
    text = "[" + text + "]";
  } else {
    std::ostringstream out;
    out << v;
    text = out.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  }
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

Status bad_value(const std::string& key, const Value& v, const Bad& bad) {
  std::string msg = where(v) + ": " + key + ": expected " + bad.expected + ", got " + shown(v);
  if (!bad.detail.empty()) msg += " (" + bad.detail + ")";
  return Status::error(msg);
}

// "unknown key 'control.lisen' (expected one of: control.listen, ...)": the choices are
// the options of the nearest section that has any ("sources.nosuch.enabled" lists the
// sources), or every section name at the top level. `label` goes in front of the key
// shown ("outputs[0].").
template <class T>
Status unknown_key(const std::string& key, const Value& v, const std::vector<Option<T>>& table,
                   const std::string& label) {
  std::string section = key;
  std::set<std::string> choices;
  while (choices.empty()) {
    size_t dot = section.rfind('.');
    section = dot == std::string::npos ? "" : section.substr(0, dot);
    std::string prefix = section.empty() ? "" : section + ".";
    for (const auto& o : table) {
      if (!o.name.starts_with(prefix)) continue;
      choices.insert(o.name.substr(0, o.name.find('.', prefix.size())));
    }
    if (section.empty()) break;
  }
  if constexpr (std::is_same_v<T, Config>) {
    if (section.empty()) choices.insert("outputs");
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  return Status::error(where(v) + ": unknown key '" + label + key + "' (expected one of: " + list +
                       ")");
}

// Keys of a table in the order they were written, so the first error is the first in
// the file.
std::vector<std::pair<std::string, const Value*>> ordered(const Value& table) {
  std::vector<std::pair<std::string, const Value*>> out;
  for (const auto& [k, v] : table.as_table()) out.emplace_back(k, &v);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    auto la = a.second->location(), lb = b.second->location();
    return std::pair(la.line(), la.column()) < std::pair(lb.line(), lb.column());
  });
  return out;
}

// `label` goes in front of the key in messages: "outputs[0]." for an output's keys.
template <class T>
Status apply_option(T& target, const std::vector<Option<T>>& table, const std::string& key,
                    const Value& v, const std::string& label = "") {
  for (const auto& o : table) {
    if (o.name != key) continue;
    if (Check bad = o.set(target, v)) return bad_value(label + key, v, *bad);
    return Status();
  }
  return unknown_key(key, v, table, label);
}

// Walks `table` under `prefix`, setting every leaf through the option table.
template <class T>
Status walk(T& target, const std::vector<Option<T>>& table, const std::string& prefix,
            const Value& node, const std::string& label = "") {
  for (const auto& [k, v] : ordered(node)) {
    std::string key = prefix.empty() ? k : prefix + "." + k;
    Status st = v->is_table() ? walk(target, table, key, *v, label)
                              : apply_option(target, table, key, *v, label);
    if (!st.ok()) return st;
  }
  return Status();
}

// Where the message "KEY: ..." of a check on a whole output table points: at KEY's value
// when the table has that key, else at the table.
std::string where_in(const Value& table, const std::string& message) {
  std::string key = message.substr(0, message.find(':'));
  if (table.is_table() && table.as_table().count(key) > 0) return where(table.as_table().at(key));
  return where(table);
}

// `outputs` replaces the whole list: an array of tables, each walked against the output
// table, then checked as a whole and given its default name.
Status set_outputs(Config& config, const Value& v) {
  if (!v.is_array()) {
    return bad_value("outputs", v, Bad{"an array of tables, e.g. [[outputs]]", ""});
  }
  std::vector<OutputConfig> outputs;
  std::set<std::string> names;
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    const Value& item = v.as_array()[i];
    std::string at = "outputs[" + std::to_string(i) + "]";
    if (!item.is_table()) return bad_value(at, item, Bad{"a table with kind and url", ""});
    OutputConfig o;
    if (Status st = walk(o, output_options(), "", item, at + "."); !st.ok()) return st;
    if (o.kind.empty()) {
      return Status::error(where(item) + ": " + at + ".kind: missing (expected one of " +
                           metrics::output_kind_list() + ")");
    }
    if (Status st = metrics::check_output(o); !st.ok()) {
      return Status::error(where_in(item, st.message()) + ": " + at + "." + st.message());
    }
    if (o.name.empty()) o.name = metrics::default_output_name(names);
    if (!names.insert(o.name).second) {
      return Status::error(where_in(item, "name:") + ": " + at + ".name: \"" + o.name +
                           "\" is used by another output (expected unique names)");
    }
    outputs.push_back(std::move(o));
  }
  config.outputs = std::move(outputs);
  return Status();
}

Status apply_document(Config& config, const Value& root) {
  for (const auto& [k, v] : ordered(root)) {
    Status st = k == "outputs"  ? set_outputs(config, *v)
                : v->is_table() ? walk(config, options(), k, *v)
                                : apply_option(config, options(), k, *v);
    if (!st.ok()) return st;
  }
  return Status();
}

// The line and column that toml11's excerpt marks with '^':
//    2 | b =
//      |     ^--- expected value, but got nothing
// toml11's own location() is the start of the region it was parsing, often column 1.
// Returns false when the message has no such excerpt.
bool excerpt_position(const std::string& what, size_t* line, size_t* column) {
  std::istringstream in(what);
  std::string text, prev;
  while (std::getline(in, text)) {
    size_t caret = text.find('^');
    size_t bar = text.find(" | ");
    size_t prev_bar = prev.find(" | ");
    if (caret != std::string::npos && bar != std::string::npos && bar > 0 && bar < caret &&
        prev_bar == bar && std::isdigit(static_cast<unsigned char>(prev[bar - 1]))) {
      size_t start = prev.find_first_not_of(' ');
      size_t n = 0;
      auto [end, ec] = std::from_chars(prev.data() + start, prev.data() + bar, n);
      if (ec != std::errc() || end != prev.data() + bar) return false;
      *line = n;
      *column = caret - (bar + 3) + 1;
      return true;
    }
    prev = text;
  }
  return false;
}

// toml11's message starts with "[error] " and carries the source excerpt; keep its text
// after our own position prefix.
Status syntax_error(const toml::exception& e) {
  std::string what = e.what();
  if (what.starts_with("[error] ")) what.erase(0, 8);
  toml::source_location loc = e.location();
  std::string at = loc.file_name();
  if (!at.starts_with("--set ")) {
    size_t line = loc.line(), column = loc.column();
    excerpt_position(what, &line, &column);
    at += ":" + std::to_string(line) + ":" + std::to_string(column);
  }
  return Status::error(at + ": bad TOML: " + what);
}

Result<Value> parse_override(const std::string& item) {
  size_t eq = item.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::error("--set " + item + ": expected KEY=VALUE, such as interval=5s");
  }
  std::string key = item.substr(0, eq);
  std::string value = item.substr(eq + 1);
  const std::string name = "--set " + item;
  if (key.find('[') != std::string::npos) {
    // `outputs[].kind` in --help is one table's key; the list is set as a whole.
    return Status::error(name +
                         ": one output's key cannot be set alone; set the whole list, e.g. "
                         "--set 'outputs=[{kind=\"stdout\"}]' or --set "
                         "'outputs=[{kind=\"influx-udp\",url=\"udp://127.0.0.1:8089\"}]'");
  }
  try {
    std::istringstream doc(key + " = " + value);
    return toml::parse(doc, name);
  } catch (const std::exception&) {
    // Not TOML: take the text as a string ("--set control.listen=127.0.0.1:0").
  }
  std::string quoted;
  for (char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  try {
    std::istringstream doc(key + " = \"" + quoted + "\"");
    return toml::parse(doc, name);
  } catch (const toml::exception& e) {
    return syntax_error(e);
  } catch (const std::exception& e) {
    return Status::error(name + ": " + e.what());
  }
}

// A config larger than this is refused rather than read: no real config comes near it.
constexpr off_t kMaxConfigBytes = 16 << 20;

// The whole text of the config file. Only a regular file is read: a directory, a FIFO or a
// device is refused by its type, before any read that could block or never end.
Result<std::string> read_config_file(const std::string& path) {
  auto failed = [&path] { return Status::error(path + ": cannot read: " + std::strerror(errno)); };
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return failed();
  std::string text;
  struct stat st;
  Status status;
  if (fstat(fd, &st) != 0) {
    status = failed();
  } else if (!S_ISREG(st.st_mode)) {
    status = Status::error(path + ": not a regular file");
  } else if (st.st_size > kMaxConfigBytes) {
    status = Status::error(path + ": larger than " + std::to_string(kMaxConfigBytes) + " bytes");
  } else {
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 && text.size() <= size_t{kMaxConfigBytes}) {
      text.append(buf, static_cast<size_t>(n));
    }
    if (n < 0) status = failed();
  }
  close(fd);
  if (!status.ok()) return status;
  return text;
}

}  // namespace

Result<Config> load_config(const std::string& path, const std::vector<std::string>& overrides) {
  Config config;
  if (!path.empty()) {
    auto text = read_config_file(path);
    if (!text.ok()) return text.status();
    try {
      std::istringstream file(*text);
      Value root = toml::parse(file, path);
      if (Status st = apply_document(config, root); !st.ok()) return st;
    } catch (const toml::exception& e) {
      return syntax_error(e);
    } catch (const std::exception& e) {
      return Status::error(path + ": " + e.what());
    }
  }
  for (const std::string& item : overrides) {
    auto doc = parse_override(item);
    if (!doc.ok()) return doc.status();
    if (Status st = apply_document(config, *doc); !st.ok()) return st;
  }
  return config;
}

std::string options_help() {
  std::string out;
  auto entry = [&](const std::string& name, const auto& o) {
    out += "  " + name + " (" + o.type + ", default " + o.default_text +
           (o.runtime ? ", runtime" : "") + ")\n      " + o.doc + "\n";
  };
  for (const auto& o : options()) entry(o.name, o);
  for (const auto& o : output_options()) entry("outputs[]." + o.name, o);
  return out;
}

std::string options_markdown() {
  std::string out = "| key | type | default | runtime | meaning |\n|---|---|---|---|---|\n";
  auto row = [&](const std::string& name, const auto& o) {
    out += "| `" + name + "` | " + o.type + " | " + o.default_text + " | " +
           (o.runtime ? "yes" : "no") + " | " + o.doc + " |\n";
  };
  for (const auto& o : options()) row(o.name, o);
  out +=
      "\nEach `[[outputs]]` table takes:\n\n"
      "| key | type | default | runtime | meaning |\n|---|---|---|---|---|\n";
  for (const auto& o : output_options()) row(o.name, o);
  return out;
}

}  // namespace vigil
