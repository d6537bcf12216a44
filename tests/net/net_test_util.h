// Helpers for the net tests: a small pipeline of elements, the blocking socket clients of
// tests/support/socket.h (included here, with talk() on top), and a control server on a
// loop that runs on the test thread while a client thread talks to it (tests/support/loop.h's
// run_while).
// Thread: the blocking client functions may run on any thread; the rest on the loop's.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "control/controller.h"
#include "metrics/registry.h"
#include "net/control_server.h"
#include "tests/support/socket.h"

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

// Connects, sends `data`, half-closes if asked, and returns everything read until EOF (or
// the 5 s timeout of tests/support/socket.h).
std::string talk(int port, std::string_view data, bool half_close = true);

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
