#include "workload_config.h"

#include <cerrno>
#include <cstdlib>
#include <string_view>

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

Status apply_set(const std::string& item, vigil::Config* c) {
  size_t eq = item.find('=');
  if (eq == std::string::npos) return Status::error("--set " + item + ": expected KEY=VALUE");
  std::string key = item.substr(0, eq), value = item.substr(eq + 1);
  auto bad = [&](const char* expected) {
    return Status::error("--set " + item + ": " + key + ": expected " + expected);
  };
  if (key == "memtrace.listen") {
    c->memtrace.listen = value;
  } else if (key == "control.listen") {
    c->control.listen = value;
  } else if (key == "logging.level") {
    c->logging.level = value;
  } else if (key == "memtrace.sampling_rate") {
    char* end = nullptr;
    double r = strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !(r > 0 && r <= 1)) return bad("a number in (0, 1]");
    c->memtrace.sampling_rate = r;
  } else if (key == "memtrace.seed") {
    if (!parse_u64(value, &c->memtrace.seed)) return bad("an unsigned integer");
  } else if (key == "memtrace.max_queue_bytes") {
    if (!parse_u64(value, &c->memtrace.max_queue_bytes)) return bad("an unsigned integer");
  } else if (key == "memtrace.allow") {
    c->memtrace.allow.clear();
    size_t start = 0;
    while (start <= value.size() && !value.empty()) {
      size_t comma = value.find(',', start);
      std::string one = value.substr(start, comma == std::string::npos ? comma : comma - start);
      auto cidr = vigil::parse_cidr(one);
      if (!cidr.ok()) return bad("CIDRs separated by commas");
      c->memtrace.allow.push_back(*cidr);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    return Status::error("--set " + item + ": unknown key '" + key +
                         "' (expected one of: memtrace.listen, memtrace.sampling_rate, "
                         "memtrace.seed, memtrace.max_queue_bytes, memtrace.allow, "
                         "control.listen, logging.level)");
  }
  return Status();
}

}  // namespace

vigil::Status parse_workload_args(int argc, char** argv, WorkloadArgs* args) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) return Status::error(std::string(flag) + ": missing value");
    std::string value = argv[++i];
    if (flag == "--set") {
      if (Status st = apply_set(value, &args->config); !st.ok()) return st;
    } else if (flag == "--config") {
      return Status::error("--config " + value +
                           ": config files need the TOML loader, not in this build yet; "
                           "use --set");
    } else if (flag == "--port-file") {
      args->port_file = value;
    } else if (flag == "--threads") {
      if (!parse_int(value, 1, 64, &args->threads)) return Status::error("--threads: 1..64");
    } else if (flag == "--batch") {
      if (!parse_int(value, 1, 1000000, &args->batch)) return Status::error("--batch: 1..1e6");
    } else if (flag == "--sleep-us") {
      if (!parse_int(value, 0, 1000000, &args->sleep_us)) {
        return Status::error("--sleep-us: 0..1000000");
      }
    } else {
      return Status::error("unknown flag " + std::string(flag) +
                           " (expected --config, --set, --port-file, --threads, --batch, "
                           "--sleep-us)");
    }
  }
  return Status();
}
