#include "workload_config.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "appliance/config.h"

namespace {

using vigil::Status;

bool parse_u64(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || text[0] == '-') return false;
  *out = v;
  return true;
}

bool parse_int(const std::string& text, int lo, int hi, int* out) {
  uint64_t v = 0;
  if (!parse_u64(text, &v) || v < static_cast<uint64_t>(lo) || v > static_cast<uint64_t>(hi)) {
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

vigil::Status parse_workload_args(int argc, char** argv, WorkloadArgs* args) {
  std::string config_path;
  std::vector<std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    constexpr std::string_view kFlags[] = {"--set",     "--config", "--port-file",
                                           "--threads", "--batch",  "--sleep-us"};
    if (std::find(std::begin(kFlags), std::end(kFlags), flag) == std::end(kFlags)) {
      return Status::error("unknown flag " + std::string(flag) +
                           " (expected --config, --set, --port-file, --threads, --batch, "
                           "--sleep-us or --help)");
    }
    if (i + 1 >= argc) return Status::error(std::string(flag) + ": missing value");
    std::string value = argv[++i];
    if (flag == "--set") {
      overrides.push_back(value);
    } else if (flag == "--config") {
      config_path = value;
    } else if (flag == "--port-file") {
      args->port_file = value;
    } else if (flag == "--threads") {
      if (!parse_int(value, 1, 64, &args->threads)) return Status::error("--threads: 1..64");
    } else if (flag == "--batch") {
      if (!parse_int(value, 1, 1000000, &args->batch)) return Status::error("--batch: 1..1e6");
    } else {  // --sleep-us
      if (!parse_int(value, 0, 1000000, &args->sleep_us)) {
        return Status::error("--sleep-us: 0..1000000");
      }
    }
  }
  vigil::Result<vigil::Config> config = vigil::load_config(config_path, overrides);
  if (!config.ok()) return config.status();
  args->config = std::move(*config);
  return Status();
}
