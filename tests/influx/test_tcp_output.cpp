// The influx-tcp output: a stream of lines that InfluxDB's own parser accepts, and a
// connection that comes back after the receiver was away.
#include <doctest/doctest.h>

#include <set>
#include <sstream>

#include "metrics/tcp_output.h"
#include "tests/fixtures/influx_case.h"
#include "tests/influx/output_util.h"
#include "tests/influx/tcp_receiver.h"

using namespace vigil;
using namespace vigil::metrics;
using namespace std::chrono_literals;
using vigil::test::InfluxCase;
using vigil::test::TcpReceiver;

namespace {

constexpr int64_t kT0 = 1700000000000000000;

OutputConfig tcp_config(int port) {
  OutputConfig c;
  c.kind = "influx-tcp";
  c.url = "tcp://127.0.0.1:" + std::to_string(port);
  c.batch_size = 7;
  return c;
}

}  // namespace

TEST_CASE_FIXTURE(InfluxCase, "tcp output streams lines that influxdb accepts, every one of them" *
                                  doctest::test_suite("influxd")) {
  VIGIL_INFLUX_READY("test");
  std::string stream;
  {
    TcpReceiver rx(loop());
    REQUIRE(rx.listening());
    TcpOutput out(loop(), tcp_config(rx.port()));
    std::vector<Point> points = test::numbered_points(0, 30, kT0);
    Point odd;
    odd.measurement = "we ird,m";
    odd.tags = {{"t a=g", "v,a l"}, {"path", "a\\b"}};
    odd.fields = {{"s", std::string("q\"uo\\te")}, {"f", -0.5}};
    odd.time_ns = kT0 + 99;
    points.push_back(odd);
    out.write(points);
    out.flush();
    CHECK(test::run_until(loop(), [&] { return rx.lines() == 31; }));
    CHECK(out.stats().sent == 31);
    CHECK(rx.connections() == 1);
    stream = rx.received();
    CHECK(test::shut_down(loop(), out));
    rx.close();
  }
  CHECK(close_loop() == 0);
  std::string answer;
  CHECK(influx.write("test", stream, &answer) == 204);
  CHECK(answer == "");
  CHECK(influx.count("test", "m", "v") == 30);
  CHECK(influx.query("test", "SELECT * FROM \"we ird,m\"") ==
        R"({"results":[{"statement_id":0,"series":[{"name":"we ird,m","columns":["time","f",)"
        R"("path","s","t a=g"],"values":[[1700000000000000099,-0.5,"a\\b","q\"uo\\te",)"
        R"("v,a l"]]}]}]})"
        "\n");
}

TEST_CASE("tcp output keeps its batch while nobody listens and delivers it once") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    int port = 0;
    {
      TcpReceiver probe(&loop);
      port = probe.port();
      probe.close();
      uv_run(&loop, UV_RUN_NOWAIT);
    }
    REQUIRE(port > 0);
    TcpOutput out(&loop, tcp_config(port));
    out.write(test::numbered_points(0, 20, kT0));
    out.flush();
    REQUIRE(test::run_until(&loop, [&] { return out.stats().send_errors > 0; }));
    CHECK(out.stats().sent == 0);
    CHECK(out.stats().queued == 20);
    TcpReceiver rx(&loop, port);
    REQUIRE(rx.listening());
    CHECK(test::run_until(&loop, [&] { return out.stats().queued == 0; }));
    CHECK(test::run_until(&loop, [&] { return rx.lines() == 20; }));
    CHECK(out.stats().sent == 20);
    // Every line arrived once.
    std::set<std::string> unique;
    std::istringstream in(rx.received());
    for (std::string l; std::getline(in, l);) unique.insert(l);
    CHECK(unique.size() == 20);
    CHECK(rx.lines() == 20);
    CHECK(test::shut_down(&loop, out));
    rx.close();
  }
  CHECK(test::close_loop(&loop) == 0);
}
