// The TOML loader. toml11 throws; its exceptions are caught here and nowhere else, and
// become positioned messages.
#include "appliance/config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <type_traits>

#include "appliance/options.h"

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
// the options of the same section, or every section name at the top level.
template <class T>
Status unknown_key(const std::string& key, const Value& v, const std::vector<Option<T>>& table) {
  std::string section = key.substr(0, key.rfind('.') == std::string::npos ? 0 : key.rfind('.'));
  std::set<std::string> choices;
  for (const auto& o : table) {
    bool same = section.empty() ? true : o.name.starts_with(section + ".");
    if (same) choices.insert(section.empty() ? o.name.substr(0, o.name.find('.')) : o.name);
  }
  if constexpr (std::is_same_v<T, Config>) {
    if (section.empty()) choices.insert("outputs");
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  if (list.empty()) list = "none in this section";
  return Status::error(where(v) + ": unknown key '" + key + "' (expected one of: " + list + ")");
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

template <class T>
Status apply_option(T& target, const std::vector<Option<T>>& table, const std::string& key,
                    const Value& v) {
  for (const auto& o : table) {
    if (o.name != key) continue;
    if (Check bad = o.set(target, v)) return bad_value(key, v, *bad);
    return Status();
  }
  return unknown_key(key, v, table);
}

// Walks `table` under `prefix`, setting every leaf through the option table.
template <class T>
Status walk(T& target, const std::vector<Option<T>>& table, const std::string& prefix,
            const Value& node) {
  for (const auto& [k, v] : ordered(node)) {
    std::string key = prefix.empty() ? k : prefix + "." + k;
    Status st = v->is_table() ? walk(target, table, key, *v) : apply_option(target, table, key, *v);
    if (!st.ok()) return st;
  }
  return Status();
}

Status check_output(const std::string& at, const OutputConfig& o) {
  if (o.kind.empty())
    return Status::error(at +
                         ": kind: missing (expected one of stdout, "
                         "influx-tcp, influx-udp, influx-http)");
  if (o.kind == "stdout") return Status();
  const std::string schemes = o.kind == "influx-tcp"   ? "tcp://"
                              : o.kind == "influx-udp" ? "udp://"
                                                       : "http:// or https://";
  const std::string example = o.kind == "influx-tcp"   ? "tcp://HOST:8094"
                              : o.kind == "influx-udp" ? "udp://HOST:8089"
                                                       : "http://HOST:8086/write?db=vigil";
  bool scheme_ok = o.kind == "influx-http"
                       ? (o.url.starts_with("http://") || o.url.starts_with("https://"))
                       : o.url.starts_with(schemes);
  std::string rest = o.url.substr(std::min(o.url.size(), o.url.find("://") + 3));
  std::string hostport = rest.substr(0, rest.find('/'));
  size_t colon = hostport.rfind(':');
  bool has_port = o.kind == "influx-http" ||
                  (colon != std::string::npos && colon > 0 && colon + 1 < hostport.size() &&
                   hostport.find_first_not_of("0123456789", colon + 1) == std::string::npos);
  if (!scheme_ok || hostport.empty() || !has_port) {
    return Status::error(at + ": url: expected " + schemes + " URL such as " + example +
                         ", got \"" + o.url + "\"");
  }
  return Status();
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
    if (Status st = walk(o, output_options(), "", item); !st.ok()) return st;
    if (Status st = check_output(where(item) + ": " + at, o); !st.ok()) return st;
    if (o.name.empty()) {
      o.name = "main";
      for (int n = 2; names.count(o.name) > 0; ++n) o.name = "main-" + std::to_string(n);
    }
    if (!names.insert(o.name).second) {
      return Status::error(where(item) + ": " + at + ": name: \"" + o.name +
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

// toml11's message starts with "[error] " and carries the source excerpt; keep its text
// after our own position prefix.
Status syntax_error(const toml::exception& e) {
  std::string what = e.what();
  if (what.starts_with("[error] ")) what.erase(0, 8);
  toml::source_location loc = e.location();
  std::string at = loc.file_name();
  if (!at.starts_with("--set ")) {
    at += ":" + std::to_string(loc.line()) + ":" + std::to_string(loc.column());
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

}  // namespace

Result<Config> load_config(const std::string& path, const std::vector<std::string>& overrides) {
  Config config;
  if (!path.empty()) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return Status::error(path + ": cannot read: " + std::strerror(errno));
    try {
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
