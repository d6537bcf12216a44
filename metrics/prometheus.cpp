#include "metrics/prometheus.h"

#include <charconv>
#include <cmath>
#include <map>
#include <variant>
#include <vector>

namespace vigil::metrics {
namespace {

bool name_char(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (colon && c == ':');
}

void append_clean(std::string* out, std::string_view text, bool colon) {
  for (char c : text) out->push_back(name_char(c, colon) ? c : '_');
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void append_help(std::string* out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else {
      out->push_back(c);
    }
  }
}

void append_double(std::string* out, double v) {
  if (std::isnan(v)) {
    *out += "NaN";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, r.ptr);
  }
}

template <class T>
void append_int(std::string* out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// The sample value, or false for a string field.
bool append_value(std::string* out, const FieldValue& value, double scale) {
  if (std::holds_alternative<std::string>(value)) return false;
  if (scale != 1.0) {
    double d = std::visit(
        [](const auto& x) -> double {
          using X = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<X, std::string>) {
            return 0.0;
          } else {
            return static_cast<double>(x);
          }
        },
        value);
    append_double(out, d * scale);
    return true;
  }
  if (const auto* d = std::get_if<double>(&value)) append_double(out, *d);
  if (const auto* i = std::get_if<int64_t>(&value)) append_int(out, *i);
  if (const auto* u = std::get_if<uint64_t>(&value)) append_int(out, *u);
  if (const auto* b = std::get_if<bool>(&value)) *out += *b ? '1' : '0';
  return true;
}

struct Family {
  FieldKind kind;
  std::string help;
  std::string samples;
};

std::string default_help(std::string_view measurement, std::string_view field) {
  return "Field " + std::string(field) + " of " + std::string(measurement) + ".";
}

}  // namespace

std::string prometheus_name(std::string_view measurement, std::string_view field, bool counter) {
  std::string name = "vigil_";
  append_clean(&name, measurement, true);
  name += '_';
  append_clean(&name, field, true);
  if (counter && !ends_with(name, "_total")) name += "_total";
  return name;
}

std::string prometheus_label_name(std::string_view key) {
  std::string name;
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) name = "_";
  append_clean(&name, key, false);
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') name.insert(0, "tag");
  return name;
}

std::string prometheus_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string to_prometheus(std::span<const ExposedSource> sources) {
  std::vector<std::string> order;
  std::map<std::string, Family, std::less<>> families;
  std::string sample;
  for (const ExposedSource& src : sources) {
    for (const Point& p : src.points) {
      std::string labels;
      for (const Tag& t : p.tags) {
        labels += labels.empty() ? "{" : ",";
        labels += prometheus_label_name(t.key);
        labels += "=\"";
        labels += prometheus_label_value(t.value);
        labels += '"';
      }
      if (!labels.empty()) labels += '}';
      for (const Field& f : p.fields) {
        const FieldInfo* info = src.fields != nullptr ? src.fields->find(f.key) : nullptr;
        FieldKind kind = info != nullptr ? info->kind : FieldKind::gauge;
        std::string_view key =
            info != nullptr && !info->exposed_name.empty() ? info->exposed_name : f.key;
        sample.clear();
        sample = prometheus_name(p.measurement, key, kind == FieldKind::counter);
        size_t name_len = sample.size();
        sample += labels;
        sample += ' ';
        if (!append_value(&sample, f.value, info != nullptr ? info->scale : 1.0)) continue;
        sample += ' ';
        append_int(&sample, p.time_ns / 1'000'000);
        sample += '\n';
        std::string_view name(sample.data(), name_len);
        auto it = families.find(name);
        if (it == families.end()) {
          std::string help = info != nullptr && !info->help.empty()
                                 ? info->help
                                 : default_help(p.measurement, f.key);
          it = families.emplace(std::string(name), Family{kind, std::move(help), {}}).first;
          order.push_back(it->first);
        } else if (it->second.kind != kind) {
          continue;
        }
        it->second.samples += sample;
      }
    }
  }
  std::string out;
  for (const std::string& name : order) {
    const Family& f = families.find(name)->second;
    out += "# HELP " + name + ' ';
    append_help(&out, f.help);
    out += "\n# TYPE " + name + (f.kind == FieldKind::counter ? " counter\n" : " gauge\n");
    out += f.samples;
  }
  return out;
}

}  // namespace vigil::metrics
