// Hostile clients: a flood of connections, a silent client, a 1 MiB line and random bytes.
// The server must keep answering a good client, keep its memory bounded and not crash.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "net_test_util.h"

using namespace std::chrono_literals;
using vigil::test::connect_tcp;
using vigil::test::read_all;
using vigil::test::send_all;
using vigil::test::ServerFixture;
using vigil::test::talk;

namespace {

constexpr char kRefused[] = "error: too many connections\n";

// Resident set size of this process, in KiB.
long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      long kib = 0;
      in >> kib;
      return kib;
    }
  }
  return 0;
}

// Reads from every fd until `want` of them have received exactly a refusal and EOF, or 5 s
// pass. Returns how many did.
int count_refusals(const std::vector<int>& fds, int want) {
  std::vector<std::string> got(fds.size());
  std::vector<bool> eof(fds.size(), false);
  int done = 0;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (done < want && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> pfds;
    for (int fd : fds) pfds.push_back({fd, POLLIN, 0});
    if (poll(pfds.data(), pfds.size(), 100) <= 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (eof[i] || !(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[256];
      ssize_t n = recv(fds[i], buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        got[i].append(buf, static_cast<size_t>(n));
        continue;
      }
      eof[i] = true;
      done += got[i] == kRefused;
    }
  }
  return done;
}

}  // namespace

TEST_CASE("a flood of 200 connections is bounded and a good client is served afterwards") {
  ServerFixture f;  // max_connections 64, max_per_peer 8.
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  int refusals = 0;
  std::string while_full, after;
  f.run_client([&] {
    std::vector<int> fds;
    for (int i = 0; i < 200; ++i) fds.push_back(connect_tcp(port));
    refusals = count_refusals(fds, 192);
    while_full = talk(port, "m\n");
    for (int fd : fds) close(fd);
    for (int i = 0; i < 100; ++i) {
      after = talk(port, "m\n");
      if (after != kRefused) break;
      std::this_thread::sleep_for(50ms);
    }
  });
  CHECK(refusals == 192);  // 8 silent clients hold every slot of their address.
  CHECK(while_full == kRefused);
  CHECK(after == "ok: *:enabled\n");
  CHECK(f.finish() == 0);
}

TEST_CASE("a silent client, a 1 MiB line and random bytes do not stop a good client") {
  ServerFixture f;
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  long rss_before = rss_kib();
  std::string huge_reply, good1, good2, good3;
  std::vector<std::string> random_replies;
  f.run_client([&] {
    int silent = connect_tcp(port);
    good1 = talk(port, "mmemory\n");
    std::thread huge([&] { huge_reply = talk(port, std::string(1 << 20, 'L') + "\n"); });
    std::mt19937 rng(42);
    for (int i = 0; i < 20; ++i) {
      std::string junk(static_cast<size_t>(rng() % 3000), '\0');
      for (char& c : junk) c = static_cast<char>(rng() & 0xff);
      random_replies.push_back(talk(port, junk));
    }
    good2 = talk(port, "mmemory\n");
    huge.join();
    good3 = talk(port, "mmemory\n");
    close(silent);
  });
  CHECK(good1 == "ok: memory:enabled\n");
  CHECK(good2 == "ok: memory:enabled\n");
  CHECK(good3 == "ok: memory:enabled\n");
  CHECK(huge_reply == "error: command too long (limit 4096 bytes)\n");
  for (const std::string& r : random_replies) {
    // Every reply line is a well-formed reply.
    size_t start = 0;
    while (start < r.size()) {
      size_t lf = r.find('\n', start);
      REQUIRE(lf != std::string::npos);
      std::string line = r.substr(start, lf - start);
      CHECK((line == "ok" || line.starts_with("ok: ") || line.starts_with("error: ")));
      start = lf + 1;
    }
  }
  // The server keeps at most 4 KiB per connection plus a shared 64 KiB read buffer; the
  // bound here leaves room for the clients' own 1 MiB and the allocator.
  CHECK(rss_kib() - rss_before < 16 * 1024);
  CHECK(f.finish() == 0);
}
