#include "tools/trace_capture.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace vigil::tools {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Connects to host:port (any address family getaddrinfo gives); returns the fd or -1 with
// `error` set.
int connect_to(const CaptureOptions& o, std::string* error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string where = o.host + ":" + o.port;
  int rc = getaddrinfo(o.host.c_str(), o.port.c_str(), &hints, &res);
  if (rc != 0) {
    *error = "connect " + where + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  int err = 0;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) *error = "connect " + where + ": " + std::strerror(err);
  return fd;
}

}  // namespace

bool parse_host_port(const std::string& arg, std::string* host, std::string* port) {
  size_t colon = arg.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == arg.size()) return false;
  for (size_t i = colon + 1; i < arg.size(); ++i) {
    if (arg[i] < '0' || arg[i] > '9') return false;
  }
  struct stat st;
  if (stat(arg.c_str(), &st) == 0) return false;  // a file named like that wins
  *host = arg.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);  // [::1]:4242
  }
  *port = arg.substr(colon + 1);
  return true;
}

Status capture(const CaptureOptions& o) {
  std::string error;
  int fd = connect_to(o, &error);
  if (fd < 0) return Status::error(error);
  std::string where = o.host + ":" + o.port;
  Clock::time_point start = Clock::now();
  Clock::time_point last_progress = start;
  uint64_t total = 0;
  bool stop_sent = false;
  double stopped_at = 0;
  std::vector<uint8_t> buf(1 << 16);
  Status result;
  for (;;) {
    double elapsed = since(start);
    if (!stop_sent && (elapsed >= o.seconds || (o.should_stop && o.should_stop()))) {
      // Any byte stops the session; the server then flushes and closes.
      if (::write(fd, "x", 1) != 1) {
        result = Status::error("stop " + where + ": " + std::strerror(errno));
        break;
      }
      stop_sent = true;
      stopped_at = elapsed;
    }
    if (stop_sent && elapsed >= stopped_at + 10) {
      result = Status::error(where + " did not close within 10 s of the stop byte");
      break;
    }
    pollfd p{fd, POLLIN, 0};
    int ready = poll(&p, 1, 250);
    if (ready < 0 && errno != EINTR) {
      result = Status::error("poll " + where + ": " + std::strerror(errno));
      break;
    }
    if (ready > 0) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno != EINTR) {
        result = Status::error("read " + where + ": " + std::strerror(errno));
        break;
      }
      if (n == 0) {
        if (total == 0) {
          result = Status::error(where +
                                 " closed the connection without sending a trace (is another "
                                 "client tracing? one client at a time)");
        } else if (!stop_sent) {
          result = Status::error(where + " closed the connection after " +
                                 std::to_string(since(start)).substr(0, 4) + " s, before the stop");
        }
        break;
      }
      if (n > 0) {
        total += static_cast<uint64_t>(n);
        o.on_bytes(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
      }
    }
    if (o.on_progress && since(last_progress) >= 0.25) {
      last_progress = Clock::now();
      o.on_progress(since(start), total);
    }
  }
  ::close(fd);
  if (o.on_progress) o.on_progress(since(start), total);
  return result;
}

}  // namespace vigil::tools
