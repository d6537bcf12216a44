// The tests' one set of blocking socket clients, and a port held busy so that a listener
// on it fails. Every connection goes to loopback only.
// Thread: any; each call works on its own descriptor.
//
// The caller owns every returned descriptor and closes it. Sends and receives on a
// connection made here time out after 5 s, so a test never hangs on a silent server: a
// read then returns what it had.
#pragma once

#include <string>
#include <string_view>

namespace vigil::test {

struct ConnectOptions {
  // Binds the local end to this 127.x address first (the server then sees that peer).
  const char* from = nullptr;
  // > 0: SO_RCVBUF, set before connecting so that the window stays small.
  int rcvbuf = 0;
};

// A blocking TCP connection to 127.0.0.1:port, or -1.
int connect_tcp(int port, const ConnectOptions& options = {});
// A blocking connection to the Unix stream socket at `path`, or -1.
int connect_unix(const std::string& path);
// Sends all of `data` (no SIGPIPE); false if the peer or the timeout cut it short.
bool send_all(int fd, std::string_view data);
// Reads until EOF, an error or the timeout.
std::string read_all(int fd);
// Reads up to and including the next LF (or until EOF, an error or the timeout).
std::string read_line(int fd);

// A TCP socket bound and listening on a free port of 127.0.0.1, for as long as it lives,
// so that a listener on that port fails with EADDRINUSE. Fails the test (REQUIRE) if it
// cannot be made.
class BusyPort {
 public:
  BusyPort();
  ~BusyPort();
  BusyPort(const BusyPort&) = delete;
  BusyPort& operator=(const BusyPort&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:PORT".
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace vigil::test
