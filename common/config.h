// vigil's configuration as plain data. Every field has its default here, so a
// default-constructed Config runs vigil with no file at all. The TOML loader, the option
// table and the docs live in appliance/config.{h,cpp}.
// Thread: any (plain values).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/address.h"
#include "common/duration.h"

namespace vigil {

using namespace std::chrono_literals;

struct ControlConfig {
  std::string listen = "0.0.0.0:2323";  // Empty: no TCP control port.
  std::string socket_path;              // Empty: no Unix control socket.
  // Peers that may use the TCP port; by default loopback and private (common/address.h).
  std::vector<Cidr> allow = private_networks();
  uint32_t max_connections = 64;

  bool operator==(const ControlConfig&) const = default;
};

struct MemtraceConfig {
  std::string listen = "0.0.0.0:4242";  // Empty: no memtrace port.
  double sampling_rate = 1e-4;          // Samples per 8-byte word.
  std::vector<Cidr> allow = private_networks();
  uint64_t max_queue_bytes = 8u << 20;  // Socket write queue bound; past it, samples drop.
  uint64_t seed = 0;                    // Sampler seed; 0 picks one at random.

  bool operator==(const MemtraceConfig&) const = default;
};

struct LoggingConfig {
  std::string level = "info";   // Default level of every log source.
  std::string levels;           // A level spec applied after `level`: "net*:debug".
  std::string format = "text";  // "text" or "json".

  bool operator==(const LoggingConfig&) const = default;
};

// One metrics source's switches: `[sources.NAME]`.
struct SourceConfig {
  bool enabled = true;
  Nanos period{0};  // 0: use `interval`.

  bool operator==(const SourceConfig&) const = default;
};

// One `[[outputs]]` table.
struct OutputConfig {
  std::string kind;  // "stdout", "influx-tcp", "influx-udp", "influx-http".
  std::string url;
  std::string name;  // Element name; the loader fills "main", "main-2", ... when empty.
  std::string token;
  std::string username;
  std::string password;
  uint64_t buffer_limit = 10000;  // Points queued at most; past it the oldest drop.
  uint64_t batch_size = 5000;     // Points per send at most.
  Nanos timeout = 10s;
  uint64_t max_payload = 1400;  // UDP datagram payload bound, in bytes.

  bool operator==(const OutputConfig&) const = default;
};

struct Config {
  Nanos interval = 10s;
  std::string hostname;  // Empty: the system hostname.
  ControlConfig control;
  MemtraceConfig memtrace;
  LoggingConfig logging;
  // Built-in sources by name ("memory", "cpu", ...); absent names use the defaults.
  std::map<std::string, SourceConfig> sources;
  bool cpu_per_core = true;  // `source/proc/cpu` also reports each cpu.
  // Empty: one stdout output.
  std::vector<OutputConfig> outputs;

  bool operator==(const Config&) const = default;
};

}  // namespace vigil
