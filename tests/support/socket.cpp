#include "tests/support/socket.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace vigil::test {
namespace {

void set_timeouts(int fd) {
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Binds `fd` to `from` (port 0), and sets the receive buffer, as `options` ask.
bool prepare(int fd, const ConnectOptions& options) {
  set_timeouts(fd);
  if (options.rcvbuf > 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.rcvbuf, sizeof options.rcvbuf);
  }
  if (options.from == nullptr) return true;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  if (inet_pton(AF_INET, options.from, &local.sin_addr) != 1) return false;
  return bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0;
}

}  // namespace

int connect_tcp(int port, const ConnectOptions& options) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a = loopback(port);
  if (!prepare(fd, options) || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int connect_unix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  set_timeouts(fd);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string read_line(int fd) {
  std::string out;
  char c;
  while (recv(fd, &c, 1, 0) == 1) {
    out += c;
    if (c == '\n') break;
  }
  return out;
}

BusyPort::BusyPort() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd_ >= 0);
  sockaddr_in a = loopback(0);
  REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(listen(fd_, 1) == 0);
  socklen_t len = sizeof a;
  REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  port_ = ntohs(a.sin_port);
}

BusyPort::~BusyPort() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace vigil::test
