#include "tests/influx/script_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include "tests/support/socket.h"

namespace vigil::test {
namespace {

void set_timeout(int fd) {
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// One request: the head up to its blank line, then Content-Length bytes of body. Empty on
// EOF, an error or the timeout before a whole request.
std::string read_request(int fd) {
  std::string in;
  char buf[4096];
  size_t head_end = std::string::npos;
  size_t want = 0;
  for (;;) {
    if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos) {
      size_t at = in.find("Content-Length: ");
      size_t length = at < head_end ? std::strtoul(in.c_str() + at + 16, nullptr, 10) : 0;
      want = head_end + 4 + length;
    }
    if (head_end != std::string::npos && in.size() >= want) return in;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return "";
    in.append(buf, static_cast<size_t>(n));
  }
}

// Reads until the peer closes (or the timeout).
void drain(int fd) {
  char buf[4096];
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

}  // namespace

ScriptServer::ScriptServer(std::vector<ScriptStep> steps) : steps_(std::move(steps)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 8) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return;  // port() stays 0; the test's requests then fail.
  }
  set_timeout(listen_fd_);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

ScriptServer::~ScriptServer() {
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

std::vector<std::string> ScriptServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

int ScriptServer::accept_one() {
  int fd = accept(listen_fd_, nullptr, nullptr);
  if (fd >= 0) {
    set_timeout(fd);
    ++accepted_;
  }
  return fd;
}

void ScriptServer::run() {
  int conn = -1;
  for (const ScriptStep& step : steps_) {
    std::string request;
    while (request.empty()) {
      if (conn < 0 && (conn = accept_one()) < 0) return;
      request = read_request(conn);
      if (request.empty()) {  // The client closed this connection; take the next.
        close(conn);
        conn = -1;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    using A = ScriptStep::Action;
    if (step.action == A::reply || step.action == A::reply_and_close) send_all(conn, step.reply);
    if (step.action == A::hold) drain(conn);
    if (step.action != A::reply) {
      close(conn);
      conn = -1;
    }
  }
  if (conn >= 0) {
    drain(conn);
    close(conn);
  }
}

}  // namespace vigil::test
