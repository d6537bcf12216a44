// Live capture from a memtrace port: connect, read for a while, stop the session, drain.
// Thread: the caller's (blocking sockets and poll; no loop).
//
// The protocol (docs/memtrace.md): tracing starts when a client connects and stops when it
// sends anything or disconnects; vigil then finishes the trace and closes. capture() sends
// one byte after `seconds`, then reads until the server closes (or 10 s pass).
//
// Errors are one line each: a refused or unreachable port, a server that closes before
// sending anything (another client is tracing: one client at a time), a read error.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "common/status.h"

namespace vigil::tools {

// "HOST:PORT" with a numeric port, and no file of that name: true, with the parts.
bool parse_host_port(const std::string& arg, std::string* host, std::string* port);

struct CaptureOptions {
  std::string host, port;
  double seconds = 10;
  // Called with every piece of bytes received, in order.
  std::function<void(std::span<const uint8_t>)> on_bytes;
  // Called about 4 times a second, and once at the end, with the seconds elapsed and the
  // bytes so far (for a progress line).
  std::function<void(double elapsed, uint64_t bytes)> on_progress;
  // Polled a few times a second: true stops the session before `seconds` (the stop byte is
  // sent, and the rest of the trace read as usual).
  std::function<bool()> should_stop;
};

Status capture(const CaptureOptions& options);

}  // namespace vigil::tools
