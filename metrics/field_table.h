// FieldTable: what each field of a source means, for pull-based consumers (/metrics):
// counter or gauge, and a one-line help. Built-in sources fill theirs from a table in their
// own file; embedders declare theirs through CounterSource / Source::fields().
// Thread: filled before the source starts (or on the loop); read on the loop.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

namespace vigil::metrics {

enum class FieldKind { gauge, counter };

struct FieldInfo {
  FieldKind kind = FieldKind::gauge;
  std::string help;
  // For /metrics only: a name to use instead of the field key, and a factor applied to the
  // value (e.g. nanoseconds exposed in seconds, as Prometheus names want base units).
  std::string exposed_name;
  double scale = 1.0;
};

// One row of a built-in source's table.
struct FieldSpec {
  std::string_view field;
  FieldKind kind;
  std::string_view help;
};

class FieldTable {
 public:
  void declare(std::string field, FieldInfo info) { fields_[std::move(field)] = std::move(info); }
  void declare(std::span<const FieldSpec> table) {
    for (const FieldSpec& f : table)
      declare(std::string(f.field), {f.kind, std::string(f.help), {}, 1.0});
  }
  // Null when the field was never declared.
  const FieldInfo* find(std::string_view field) const {
    auto it = fields_.find(field);
    return it == fields_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, FieldInfo, std::less<>> fields_;
};

}  // namespace vigil::metrics
