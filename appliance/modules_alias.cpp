#include "appliance/modules_alias.h"

#include <fnmatch.h>

#include <sstream>

namespace vigil::appliance {

std::vector<ModuleAlias> parse_modules_alias(std::string_view text) {
  std::vector<ModuleAlias> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string keyword, pattern, module, extra;
    if (!(words >> keyword >> pattern >> module) || keyword != "alias" || (words >> extra)) {
      continue;
    }
    for (char& c : module) {
      if (c == '-') c = '_';
    }
    out.push_back({pattern, module});
  }
  return out;
}

std::set<std::string> modules_for(const std::vector<ModuleAlias>& aliases,
                                  const std::string& modalias) {
  std::set<std::string> out;
  for (const ModuleAlias& a : aliases) {
    if (fnmatch(a.pattern.c_str(), modalias.c_str(), 0) == 0) out.insert(a.module);
  }
  return out;
}

}  // namespace vigil::appliance
