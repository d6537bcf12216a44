// Executes parsed control commands against the real registries and builds the reply text
// (docs/control-protocol.md). Parsing is in control/parse.h; the sockets are net/'s
// ControlServer, which appliance/monitor.cpp gives execute() as its reply handler.
// Thread: loop only, except stats(), whose counters may be read from any thread.
//
// Every command is checked completely before any part of it is applied, so a command
// with one bad item changes nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "control/parse.h"
#include "metrics/registry.h"

namespace vigil::control {

// Counters of the commands, for the `source/self/pipeline` metrics (the transport counts
// its connections and its own error replies in net::ServerStats).
// Thread: any (atomics, relaxed).
struct ControlStats {
  std::atomic<uint64_t> commands_ok{0};     // Commands answered "ok" or "ok: ...".
  std::atomic<uint64_t> commands_error{0};  // Lines answered "error: ..." by execute().
};

// One reply line, without its LF. `shutdown` is true for `shutdown`/`stop`: the transport
// sends the reply first, then calls Controller::shutdown().
struct Reply {
  std::string text;
  bool shutdown = false;
};

class Controller {
 public:
  // "*elements" must outlive this object. `on_shutdown` runs on the loop when a
  // `shutdown` command has been answered; it may destroy the transport that called it.
  Controller(metrics::Registry* elements, std::function<void()> on_shutdown);
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Parses, checks and applies one line, and counts the outcome.
  Reply execute(std::string_view line);
  // Applies an already parsed command; does not count.
  Reply apply(const Command& cmd);

  void shutdown();

  ControlStats& stats() { return stats_; }

 private:
  Reply set_levels(const SetLevels& cmd);
  Reply query_levels(const QueryLevels& cmd);
  Reply set_metrics(const SetMetrics& cmd);
  Reply query_metrics(const QueryMetrics& cmd);
  Reply control(const Control& cmd);
  Reply elements(const Elements& cmd);

  metrics::Registry* elements_;
  std::function<void()> on_shutdown_;
  ControlStats stats_;
};

// The one-line summary `help` returns after "ok: ".
std::string_view help_text();

}  // namespace vigil::control
