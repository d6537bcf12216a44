#include "net_test_util.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "appliance/control_handler.h"
#include "tests/support/loop.h"

namespace vigil::test {
namespace {

void set_timeout(int fd) {
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

Pipeline::Pipeline()
    : cpu(std::make_unique<FakeElement>(metrics::Kind::source, "proc", "cpu")),
      memory(std::make_unique<FakeElement>(metrics::Kind::source, "proc", "memory")),
      net(std::make_unique<FakeElement>(metrics::Kind::source, "proc", "net",
                                        std::vector<std::string>{"ifname"})),
      net2(std::make_unique<FakeElement>(metrics::Kind::source, "other", "net")),
      output(std::make_unique<FakeElement>(metrics::Kind::output, "influx", "main")),
      transform(std::make_unique<FakeElement>(metrics::Kind::transform, "calc", "sum")) {
  for (FakeElement* e :
       {cpu.get(), memory.get(), net.get(), net2.get(), output.get(), transform.get()}) {
    registry.add(e);
  }
}

Pipeline::~Pipeline() {
  for (FakeElement* e :
       {cpu.get(), memory.get(), net.get(), net2.get(), output.get(), transform.get()}) {
    registry.remove(e);
  }
}

int connect_tcp(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  set_timeout(fd);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int connect_unix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  set_timeout(fd);
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

std::string talk(int port, std::string_view data, bool half_close) {
  int fd = connect_tcp(port);
  if (fd < 0) return "<connect failed>";
  send_all(fd, data);
  if (half_close) shutdown(fd, SHUT_WR);
  std::string reply = read_all(fd);
  close(fd);
  return reply;
}

Watchdog::Watchdog(uv_loop_t* loop)
    : timer(loop, [loop] {
        FAIL_CHECK("watchdog: the loop did not end");
        uv_stop(loop);
      }) {
  REQUIRE(timer.start(10'000).ok());
  timer.unref();
}

ServerFixture::ServerFixture(net::ServerOptions options, net::ReplyHandler handler)
    : controller(&pipeline.registry, [this] { ++shutdowns; }) {
  uv_loop_init(&loop);
  if (!handler) handler = appliance::control_handler(&controller);
  server = std::make_unique<net::ControlServer>(&loop, std::move(handler), std::move(options));
}

ServerFixture::~ServerFixture() {
  if (!finished) finish();
}

void ServerFixture::run_client(const std::function<void()>& client) { run_while(&loop, client); }

int ServerFixture::finish() {
  finished = true;
  server.reset();
  uv_run(&loop, UV_RUN_DEFAULT);
  return uv_loop_close(&loop);
}

}  // namespace vigil::test
