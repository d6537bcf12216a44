// Named log sources with atomic levels, and the line writer behind them.
// Thread: any (atomics). Registering and unregistering a source takes a mutex; the log
// fast path does not.
//
// Declare a source once, with static storage, in the .cpp that logs through it:
//   vigil::logging::Source kLog{"net.control"};
//   VIGIL_LOG(kLog, info, "listening on %s", addr.c_str());
// A call at a disabled level costs one relaxed load and a branch: the arguments are not
// evaluated and nothing is formatted. Enabled lines go to the sink (stderr by default) with
// a timestamp, the level and the source name, as text or as one JSON object per line.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logging/level.h"

namespace vigil::logging {

class Source {
 public:
  // Registers the source under `name` at the registry's default level.
  // REQUIRES: no other live source has this name.
  explicit Source(std::string_view name);
  ~Source();
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  const std::string& name() const { return name_; }
  Level level() const { return static_cast<Level>(level_.load(std::memory_order_relaxed)); }
  void set_level(Level level) { level_.store(static_cast<int>(level), std::memory_order_relaxed); }

  bool enabled(Level level) const {
    return static_cast<int>(level) <= level_.load(std::memory_order_relaxed);
  }

  // Formats and writes one line. Call through VIGIL_LOG, which checks enabled() first.
  void write(Level level, const char* format, ...) const __attribute__((format(printf, 3, 4)));

 private:
  std::string name_;
  std::atomic<int> level_;
};

#define VIGIL_LOG(source, lvl, ...)                              \
  do {                                                           \
    if ((source).enabled(::vigil::logging::Level::lvl)) {        \
      (source).write(::vigil::logging::Level::lvl, __VA_ARGS__); \
    }                                                            \
  } while (0)

// Where enabled lines go. Thread: write() may be called from any thread at once.
class Sink {
 public:
  virtual ~Sink() = default;
  // `line` ends with LF.
  virtual void write(std::string_view line) = 0;
};

enum class Format { text, json };

// Sends lines to `sink`, or to stderr when `sink` is null. "*sink" must outlive its use.
void set_sink(Sink* sink);
void set_format(Format format);

// The default level, and what a newly registered source starts at.
Level default_level();

// All registered sources, sorted by name. The pointers are valid while the sources live.
std::vector<Source*> sources();

// Checks every item of `spec` against the registered sources, then applies it: "*" items
// first (the last wins; each sets the default and every source), then named items in
// order. A pattern that matches no source fails with "unknown source: NAME", and nothing
// changes.
Status apply(const LevelSpec& spec);

// How many warning and error lines have been written since start.
uint64_t warnings_logged();
uint64_t errors_logged();

}  // namespace vigil::logging
