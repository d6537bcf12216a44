#include "logging/level.h"

#include <array>
#include <cstdio>

namespace vigil::logging {
namespace {

constexpr std::array<std::string_view, 6> kNames{"quiet",   "app",  "error",
                                                 "warning", "info", "debug"};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

std::string_view level_name(Level level) { return kNames[static_cast<size_t>(level)]; }

std::optional<Level> level_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Level>(i);
  }
  return std::nullopt;
}

std::string level_names() {
  std::string out;
  for (std::string_view n : kNames) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

Result<LevelSpec> parse_level_spec(std::string_view text) {
  LevelSpec spec;
  for (std::string_view item : split(text, ',')) {
    std::vector<std::string_view> parts = split(item, ':');
    if (parts.size() > 2) {
      return Status::error("Can't parse log threshold: " + std::string(item));
    }
    std::string_view pattern = parts.size() == 2 ? parts[0] : "*";
    std::string_view name = parts.back();
    std::optional<Level> level = level_from_name(name);
    if (!level) return Status::error(ocaml_quote(name) + ": unknown log level");
    spec.items.push_back({std::string(pattern), *level});
  }
  return spec;
}

bool name_matches(std::string_view pattern, std::string_view name) {
  if (pattern == "*") return true;
  if (pattern.size() > 1 && pattern.back() == '*') {
    return name.starts_with(pattern.substr(0, pattern.size() - 1));
  }
  if (pattern.size() > 1 && pattern.front() == '*') return name.ends_with(pattern.substr(1));
  return pattern == name;
}

std::string ocaml_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (c >= 0x20 && c <= 0x7e) {
          out += c;
        } else {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned char>(c));
          out += buf;
        }
    }
  }
  return out + "\"";
}

}  // namespace vigil::logging
