// Element states of a push output: pause keeps queuing, resume sends the backlog, stop
// drains then ends, shutdown gives up at its deadline and counts what it left.
#include <doctest/doctest.h>

#include "metrics/http_output.h"
#include "metrics/tcp_output.h"
#include "metrics/udp_output.h"
#include "tests/influx/output_util.h"
#include "tests/influx/tcp_receiver.h"

using namespace vigil;
using namespace vigil::metrics;
using namespace std::chrono_literals;
using vigil::test::TcpReceiver;

namespace {

constexpr int64_t kT0 = 1700000000000000000;

OutputConfig tcp_config(int port) {
  OutputConfig c;
  c.kind = "influx-tcp";
  c.url = "tcp://127.0.0.1:" + std::to_string(port);
  return c;
}

void check_invariant(const OutputStats& s) { CHECK(s.produced == s.sent + s.dropped + s.queued); }

}  // namespace

TEST_CASE("a paused output keeps queuing and sends nothing until resumed") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    TcpReceiver rx(&loop);
    TcpOutput out(&loop, tcp_config(rx.port()));
    out.pause();
    CHECK(out.state() == State::paused);
    int flushes = 0;
    {
      test::Every tick(&loop, 20ms, [&] {
        out.write(test::numbered_points(flushes, 1, kT0));
        out.flush();
        ++flushes;
      });
      REQUIRE(test::run_until(&loop, [&] { return flushes >= 10; }));
    }
    CHECK(out.stats().sent == 0);
    CHECK(out.stats().queued == static_cast<uint64_t>(flushes));
    CHECK(rx.connections() == 0);
    out.resume();
    CHECK(test::run_until(&loop, [&] { return rx.lines() == static_cast<size_t>(flushes); }));
    CHECK(out.stats().sent == static_cast<uint64_t>(flushes));
    check_invariant(out.stats());
    CHECK(test::shut_down(&loop, out));
    rx.close();
  }
  CHECK(test::close_loop(&loop) == 0);
}

TEST_CASE("stop drains the queue, ends, and drops later points with a count") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    TcpReceiver rx(&loop);
    TcpOutput out(&loop, tcp_config(rx.port()));
    out.write(test::numbered_points(0, 12, kT0));
    out.stop();  // No flush: stop alone sends the backlog.
    CHECK(out.state() == State::stopped);
    CHECK(test::run_until(&loop, [&] { return rx.lines() == 12; }));
    CHECK(test::run_until(&loop, [&] { return out.stats().queued == 0; }));
    out.write(test::numbered_points(12, 3, kT0));
    out.flush();
    OutputStats s = out.stats();
    CHECK(s.sent == 12);
    CHECK(s.dropped == 3);
    CHECK(s.produced == 15);
    out.resume();  // A stopped element stays stopped.
    CHECK(out.state() == State::stopped);
    CHECK(test::shut_down(&loop, out));
    rx.close();
  }
  CHECK(test::close_loop(&loop) == 0);
}

TEST_CASE("shutdown with an unreachable target ends at its deadline and counts the rest") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    int port = 0;
    {
      TcpReceiver probe(&loop);
      port = probe.port();
    }
    uv_run(&loop, UV_RUN_NOWAIT);
    TcpOutput out(&loop, tcp_config(port));
    out.write(test::numbered_points(0, 9, kT0));
    out.flush();
    REQUIRE(test::run_until(&loop, [&] { return out.stats().send_errors > 0; }));
    bool done = false;
    out.shutdown(300ms, [&] { done = true; });
    CHECK(test::run_until(&loop, [&] { return done; }));
    OutputStats s = out.stats();
    CHECK(s.sent == 0);
    CHECK(s.dropped == 9);
    CHECK(s.queued == 0);
    check_invariant(s);
    // A second shutdown finds it closed and answers at once.
    bool again = false;
    out.shutdown(1s, [&] { again = true; });
    CHECK(again);
  }
  CHECK(test::close_loop(&loop) == 0);
}

TEST_CASE("shutdown with no time left settles the udp batch in flight before done") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    OutputConfig c;
    c.kind = "influx-udp";
    c.url = "udp://127.0.0.1:9";  // Discard port: datagrams go nowhere, without error.
    UdpOutput out(&loop, c);
    out.write(test::numbered_points(0, 50, kT0));
    out.flush();
    bool done = false;
    out.shutdown(0ms, [&] { done = true; });
    CHECK(test::run_until(&loop, [&] { return done; }));
    check_invariant(out.stats());
    CHECK(out.stats().queued == 0);
    CHECK(out.stats().produced == 50);
  }
  CHECK(test::close_loop(&loop) == 0);
}

TEST_CASE("shutdown abandons an http request the server never answers") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    TcpReceiver silent(&loop);  // Accepts and reads, never answers.
    OutputConfig c;
    c.kind = "influx-http";
    c.url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/write?db=d";
    HttpOutput out(&loop, c);
    out.write(test::numbered_points(0, 4, kT0));
    out.flush();
    REQUIRE(test::run_until(&loop, [&] { return silent.lines() >= 4; }));
    bool done = false;
    out.shutdown(100ms, [&] { done = true; });
    CHECK(test::run_until(&loop, [&] { return done; }));
    OutputStats s = out.stats();
    CHECK(s.sent == 0);
    CHECK(s.dropped == 4);
    check_invariant(s);
    silent.close();
  }
  CHECK(test::close_loop(&loop) == 0);
}
