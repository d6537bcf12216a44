// The output kinds and the default output names: the one table each, from which the option
// check, the docs, the messages and the factories derive their lists.
// Thread: any (constant data, pure functions).
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>

namespace vigil::metrics {

// The output kinds: the one table every list of kinds (option check, docs, messages,
// factories) is derived from.
struct OutputKind {
  std::string_view kind;    // "stdout", "influx-tcp", ...
  std::string_view scheme;  // The url's scheme: "tcp", "udp", "http"; "" for no url.
};
std::span<const OutputKind> output_kind_table();
// The built-in kind (no url): the output of a config that names none.
inline constexpr std::string_view kStdoutKind = "stdout";
// The kinds for a message: "stdout, influx-tcp, influx-udp, influx-http" (`last` joins the
// last two: ", " or " or ").
std::string output_kind_list(std::string_view last = ", ");

// The element name of an output that names none: "main", then "main-2", "main-3", ... the
// first not in `taken`.
inline constexpr std::string_view kDefaultOutputName = "main";
std::string default_output_name(const std::set<std::string>& taken);

}  // namespace vigil::metrics
