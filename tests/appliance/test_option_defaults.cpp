// Each option's documented default (default_text, shown by --help and docs/config.md) is
// the default in common/config.h: setting an option to its documented default must leave
// a default Config unchanged.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "appliance/config.h"
#include "appliance/options.h"

namespace {

// The documented default as a value to set: the text before a " (" remark.
//   "0 (random)" => "0"; "\"\" (off)" => "\"\"".
std::string value_of(const std::string& default_text) {
  return default_text.substr(0, default_text.find(" ("));
}

// Defaults that are not one value but a rule, each with the reason.
const std::set<std::string> kRules = {
    "hostname",     // the system host name, read at start
    "kind", "url",  // required: no default
    "name",         // main, main-2, ...: given by position (metrics/output_kinds.h)
};

bool is_rule(const std::string& name) {
  return kRules.count(name) > 0 || (name.starts_with("sources.") && name.ends_with(".period"));
}

// The config without source entries that hold only the defaults: setting
// sources.X.enabled = true adds such an entry, which means the same as none.
vigil::Config normalized(vigil::Config c) {
  std::erase_if(c.sources, [](const auto& s) { return s.second == vigil::SourceConfig{}; });
  return c;
}

}  // namespace

TEST_CASE("every option's default_text is its default in common/config.h") {
  const vigil::Config defaults;
  size_t checked = 0;
  for (const auto& o : vigil::options()) {
    if (is_rule(o.name)) continue;
    std::string item = o.name + "=" + value_of(o.default_text);
    auto r = vigil::load_config("", {item});
    REQUIRE_MESSAGE(r.ok(), item << ": " << r.status().message());
    CHECK_MESSAGE(normalized(*r) == defaults, "--set " << item << " changes the default config");
    ++checked;
  }
  CHECK(checked >= 15);
}

TEST_CASE("every output option's default_text is its default in common/config.h") {
  auto base = vigil::load_config("", {"outputs=[{kind=\"stdout\"}]"});
  REQUIRE_MESSAGE(base.ok(), base.status().message());
  size_t checked = 0;
  for (const auto& o : vigil::output_options()) {
    if (is_rule(o.name)) continue;
    std::string value = value_of(o.default_text);
    // A bare duration is not TOML inside an inline table; quote it.
    if (o.type == "duration") value = "\"" + value + "\"";
    std::string item = "outputs=[{kind=\"stdout\"," + o.name + "=" + value + "}]";
    auto r = vigil::load_config("", {item});
    REQUIRE_MESSAGE(r.ok(), item << ": " << r.status().message());
    CHECK_MESSAGE(*r == *base, "--set " << item << " changes the default output");
    ++checked;
  }
  CHECK(checked >= 7);
}
