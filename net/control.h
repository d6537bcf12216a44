// Executes parsed control commands against the real registries and builds the reply text
// (spec/control-protocol.md). Parsing is in net/control_parse.h; sockets are in
// net/control_server.h.
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

#include "metrics/registry.h"
#include "net/control_parse.h"

namespace vigil::net {

// Counters of the control plane, for the `source/self/pipeline` metrics.
// Thread: any (atomics, relaxed).
struct ControlStats {
  std::atomic<uint64_t> commands_ok{0};     // Commands answered "ok" or "ok: ...".
  std::atomic<uint64_t> commands_error{0};  // Lines answered "error: ...".
  std::atomic<uint64_t> connections{0};     // Connections accepted and served.
  std::atomic<uint64_t> denied_peers{0};    // TCP peers outside control.allow.
  std::atomic<uint64_t> over_limit{0};      // Connections refused by max_connections.
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

  // Counts a reply made by a transport ("error: command too long ...").
  void count_error() { stats_.commands_error.fetch_add(1, std::memory_order_relaxed); }
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

}  // namespace vigil::net
