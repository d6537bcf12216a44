#include "metrics/output_kinds.h"

#include <array>

namespace vigil::metrics {
namespace {

// The output kinds and what their url looks like, one line each.
constexpr std::array<OutputKind, 4> kKinds{{
    {kStdoutKind, ""},
    {"influx-tcp", "tcp"},
    {"influx-udp", "udp"},
    {"influx-http", "http"},
}};

}  // namespace

std::span<const OutputKind> output_kind_table() { return kKinds; }

std::string output_kind_list(std::string_view last) {
  std::string out;
  for (size_t i = 0; i < kKinds.size(); ++i) {
    if (i > 0) out += i + 1 == kKinds.size() ? last : ", ";
    out += kKinds[i].kind;
  }
  return out;
}

std::string default_output_name(const std::set<std::string>& taken) {
  std::string name(kDefaultOutputName);
  for (int n = 2; taken.count(name) > 0; ++n) {
    name = std::string(kDefaultOutputName) + "-" + std::to_string(n);
  }
  return name;
}

}  // namespace vigil::metrics
