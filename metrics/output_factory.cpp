#include "metrics/output_factory.h"

#include <map>
#include <utility>

#include "metrics/output_kinds.h"
#include "metrics/stdout_output.h"

namespace vigil::metrics {
namespace {

std::map<std::string, OutputFactory>& factories() {
  static std::map<std::string, OutputFactory> map = {
      {std::string(kStdoutKind),
       [](uv_loop_t* loop, const OutputConfig& c) -> Result<std::unique_ptr<Output>> {
         return std::unique_ptr<Output>(std::make_unique<StdoutOutput>(loop, c));
       }}};
  return map;
}

}  // namespace

void register_output_kind(const std::string& kind, OutputFactory factory) {
  factories()[kind] = std::move(factory);
}

std::vector<std::string> output_kinds() {
  std::vector<std::string> kinds;
  for (const auto& [kind, factory] : factories()) kinds.push_back(kind);
  return kinds;
}

Result<std::unique_ptr<Output>> make_output(uv_loop_t* loop, const OutputConfig& config) {
  auto it = factories().find(config.kind);
  if (it == factories().end()) {
    std::string expected;
    for (const std::string& k : output_kinds()) expected += (expected.empty() ? "" : ", ") + k;
    return Status::error("unknown kind '" + config.kind + "' (expected " + expected + ")");
  }
  return it->second(loop, config);
}

}  // namespace vigil::metrics
