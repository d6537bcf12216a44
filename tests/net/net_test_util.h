// Helpers for the net tests: a small pipeline of elements, blocking socket clients, and a
// control server on a loop that runs on the test thread while a client thread talks to it
// (tests/support/loop.h's run_while).
// Thread: the blocking client functions may run on any thread; the rest on the loop's.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/timer.h"
#include "control/controller.h"
#include "metrics/registry.h"
#include "net/control_server.h"

namespace vigil::test {

// An element that records the actions that reach it (a fake for the pure controller tests;
// the registry around it is the real one).
class FakeElement : public metrics::Element {
 public:
  using metrics::Element::Element;
  void set_period(Nanos p) override { period = p; }
  void trigger_now() override { ++triggers; }
  Nanos period{0};
  int triggers = 0;
};

// source/proc/cpu, source/proc/memory, source/proc/net (tag ifname), source/other/net,
// output/influx/main and transform/calc/sum, registered in that order.
struct Pipeline {
  Pipeline();
  ~Pipeline();
  metrics::Registry registry;
  std::unique_ptr<FakeElement> cpu, memory, net, net2, output, transform;
};

// Blocking clients. Reads time out after 5 s, so a test never hangs on a silent server.
int connect_tcp(int port);
int connect_unix(const std::string& path);
bool send_all(int fd, std::string_view data);
// Reads until EOF, an error or the timeout.
std::string read_all(int fd);
// Reads up to and including the next LF (or until EOF/error/timeout).
std::string read_line(int fd);
// Connects, sends `data`, half-closes if asked, and returns everything read until EOF.
std::string talk(int port, std::string_view data, bool half_close = true);

// Fails the test and stops the loop if it is still running after 10 s. Unreferenced, so it
// does not keep the loop alive by itself. close() before the loop is closed.
struct Watchdog {
  explicit Watchdog(uv_loop_t* loop);
  void close() { timer.close(); }
  vigil::Timer timer;
};

// A loop, a controller on a Pipeline and a ControlServer, for socket tests. The server
// answers with `handler`, or with the controller when it is empty. The loop runs on the
// test thread only inside run_client() and finish().
struct ServerFixture {
  explicit ServerFixture(net::ServerOptions options = {}, net::ReplyHandler handler = {});
  ~ServerFixture();
  // Runs `client` on a new thread while the loop runs here; returns when it has finished.
  void run_client(const std::function<void()>& client);
  // Closes the server, runs the loop until every handle is closed, and returns
  // uv_loop_close()'s result.
  int finish();

  uv_loop_t loop;
  Pipeline pipeline;
  int shutdowns = 0;
  control::Controller controller;
  std::unique_ptr<net::ControlServer> server;
  bool finished = false;
};

}  // namespace vigil::test
