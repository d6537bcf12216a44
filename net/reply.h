// What the control transport asks of its user: a handler that answers one command line.
// net/ frames the lines and enforces the limits; what a line means is the handler's
// business (in vigil: control::Controller, wired in appliance/monitor.cpp).
// Thread: loop only (the handler runs on the loop thread of its ControlServer).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace vigil::net {

// One reply line, without its LF. If `after` is set, the connection answers no further
// line; once the reply has been written, it starts closing and then runs
// `after` once. `after` may destroy the server (for `shutdown`).
struct Reply {
  std::string text;
  std::function<void()> after;
};

// Answers one non-blank line (without its LF or CR; at most kMaxCommandBytes bytes).
using ReplyHandler = std::function<Reply(std::string_view line)>;

}  // namespace vigil::net
