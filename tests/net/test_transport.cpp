// The control transport alone, with a fake reply handler (no controller, no registry):
// framing, the line limit, a reply's `after` action and the server's own counters, over
// real sockets on 127.0.0.1 and a real socket file.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "net_test_util.h"

using vigil::test::connect_tcp;
using vigil::test::connect_unix;
using vigil::test::read_line;
using vigil::test::send_all;
using vigil::test::ServerFixture;
using vigil::test::talk;

namespace {

// Answers "echo LINE"; "bye" is answered "bye" with an `after` that counts its runs.
struct Echo {
  std::vector<std::string> lines;  // Every line the handler saw, in order.
  int afters = 0;
  vigil::net::ReplyHandler handler() {
    return [this](std::string_view line) {
      lines.emplace_back(line);
      vigil::net::Reply reply{"echo " + std::string(line), nullptr};
      if (line == "bye") reply = {"bye", [this] { ++afters; }};
      return reply;
    };
  }
};

}  // namespace

TEST_CASE("batch framing: each non-blank line goes to the handler, without CR or LF") {
  Echo echo;
  ServerFixture f({}, echo.handler());
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  std::string reply;
  f.run_client([&] { reply = talk(port, "a\r\n\n \t\nb c\nlast"); });
  CHECK(reply == "echo a\necho b c\necho last\n");
  CHECK(echo.lines == std::vector<std::string>{"a", "b c", "last"});
  CHECK(f.server->stats().connections.load() == 1);
  CHECK(f.server->stats().errors.load() == 0);
  CHECK(f.finish() == 0);
}

TEST_CASE("line framing: the unix socket answers each line before the next arrives") {
  char templ[] = "/tmp/vigil-transport-XXXXXX";
  REQUIRE(mkdtemp(templ) != nullptr);
  std::string path = std::string(templ) + "/control.sock";
  Echo echo;
  ServerFixture f({}, echo.handler());
  REQUIRE(f.server->listen_unix(path).ok());
  std::string r1, r2;
  f.run_client([&] {
    int fd = connect_unix(path);
    send_all(fd, "one\n");
    r1 = read_line(fd);
    send_all(fd, "two\r\n");
    r2 = read_line(fd);
    close(fd);
  });
  CHECK(r1 == "echo one\n");
  CHECK(r2 == "echo two\n");
  CHECK(f.finish() == 0);
  rmdir(templ);
}

TEST_CASE("a batch over 4096 bytes is refused by the transport and never reaches the handler") {
  Echo echo;
  ServerFixture f({}, echo.handler());
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  std::string exact, over;
  f.run_client([&] {
    exact = talk(port, std::string(4095, 'x') + "\n");  // 4096 bytes with the LF.
    over = talk(port, "a\n" + std::string(4095, 'y') + "\n");
  });
  CHECK(exact == "echo " + std::string(4095, 'x') + "\n");
  CHECK(over == "error: command too long (limit 4096 bytes)\n");
  CHECK(echo.lines.size() == 1);
  CHECK(f.server->stats().errors.load() == 1);
  CHECK(f.finish() == 0);
}

TEST_CASE("a reply with an `after` ends the batch; `after` runs once, after the write") {
  Echo echo;
  ServerFixture f({}, echo.handler());
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  std::string reply;
  f.run_client([&] { reply = talk(port, "first\nbye\nnever\n"); });
  CHECK(reply == "echo first\nbye\n");
  CHECK(echo.lines == std::vector<std::string>{"first", "bye"});
  CHECK(echo.afters == 1);
  CHECK(f.finish() == 0);
}

TEST_CASE("past the per-peer limit the transport refuses and counts, without the handler") {
  Echo echo;
  vigil::net::ServerOptions options;
  // One slot per address: the second connection from 127.0.0.1 is refused, not admitted by
  // closing the first (that is for a full port; common/admission.h).
  options.max_connections = 4;
  options.max_per_peer = 1;
  ServerFixture f(options, echo.handler());
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  std::string refused;
  f.run_client([&] {
    int a = connect_tcp(port);  // Accepted first; holds the only slot while silent.
    refused = talk(port, "hello\n");
    close(a);
  });
  CHECK(refused == "error: too many connections\n");
  CHECK(echo.lines.empty());
  CHECK(f.server->stats().over_limit.load() == 1);
  CHECK(f.server->stats().connections.load() == 1);
  CHECK(f.finish() == 0);
}
