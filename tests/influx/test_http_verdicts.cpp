// What the influx-http output makes of each kind of answer (metrics/http_output.h): a
// scripted server on loopback for the statuses InfluxDB rarely gives, and a real InfluxDB
// 1.6.7 for a partial write.
#include <doctest/doctest.h>

#include "metrics/http_output.h"
#include "tests/fixtures/influx_case.h"
#include "tests/influx/output_util.h"
#include "tests/influx/script_server.h"

using namespace vigil;
using namespace vigil::metrics;
using namespace std::chrono_literals;
using vigil::test::InfluxCase;
using vigil::test::ScriptServer;
using vigil::test::ScriptStep;
using A = ScriptStep::Action;

namespace {

constexpr int64_t kT0 = 1700000000000000000;
const std::string k204 = "HTTP/1.1 204 No Content\r\n\r\n";

// An answer with `body` and its length.
std::string answer(const std::string& status_line, const std::string& body) {
  return status_line + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

OutputConfig config_for(int port) {
  OutputConfig c;
  c.kind = "influx-http";
  c.url = "http://127.0.0.1:" + std::to_string(port) + "/write?db=d";
  c.timeout = 2s;
  return c;
}

// Writes 3 points, flushes, and runs until the queue is empty; returns the stats.
OutputStats send_three(const std::vector<ScriptStep>& steps, size_t* requests) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  OutputStats s;
  {
    ScriptServer server(steps);
    HttpOutput out(&loop, config_for(server.port()));
    out.write(test::numbered_points(0, 3, kT0));
    out.flush();
    CHECK(test::run_until(&loop, [&] { return out.stats().queued == 0; }));
    s = out.stats();
    CHECK(test::shut_down(&loop, out));
    *requests = server.requests().size();
  }
  CHECK(test::close_loop(&loop) == 0);
  return s;
}

}  // namespace

TEST_CASE("503 and a garbage answer are retried, then the batch is delivered") {
  size_t requests = 0;
  OutputStats s =
      send_three({{A::reply_and_close, answer("HTTP/1.1 503 Service Unavailable", "busy")},
                  {A::reply, "hello\r\n\r\n"},
                  {A::reply, k204}},
                 &requests);
  CHECK(requests == 3);
  CHECK(s.sent == 3);
  CHECK(s.dropped == 0);
  CHECK(s.send_errors == 2);
}

TEST_CASE("429 is retried") {
  size_t requests = 0;
  OutputStats s = send_three(
      {{A::reply, answer("HTTP/1.1 429 Too Many Requests", "")}, {A::reply, k204}}, &requests);
  CHECK(requests == 2);
  CHECK(s.sent == 3);
  CHECK(s.send_errors == 1);
}

TEST_CASE("401 rejects the batch: dropped and counted, not retried") {
  size_t requests = 0;
  OutputStats s = send_three(
      {{A::reply, answer("HTTP/1.1 401 Unauthorized", "{\"error\":\"authorization failed\"}")}},
      &requests);
  CHECK(requests == 1);
  CHECK(s.sent == 0);
  CHECK(s.dropped == 3);
  CHECK(s.send_errors == 0);
}

TEST_CASE_FIXTURE(InfluxCase,
                  "a partial write stores the good lines, and the whole batch counts as dropped" *
                      doctest::test_suite("influxd")) {
  VIGIL_INFLUX_READY("test");
  // v is an integer in m (in the shard of the batch's times); a float v conflicts.
  REQUIRE(influx.write("test", "m,host=h v=100i " + std::to_string(kT0 - 1000) + "\n") == 204);
  {
    OutputConfig c = config_for(influx.http_port());
    c.url = influx.base_url() + "/write?db=test";
    HttpOutput out(loop(), c);
    std::vector<Point> points = test::numbered_points(0, 3, kT0);
    points[1].fields = {{"v", 0.5}};
    out.write(points);
    out.flush();
    CHECK(test::run_until(loop(), [&] { return out.stats().queued == 0; }));
    OutputStats s = out.stats();
    CHECK(s.sent == 0);
    CHECK(s.dropped == 3);
    CHECK(s.send_errors == 0);
    CHECK(test::shut_down(loop(), out));
  }
  CHECK(close_loop() == 0);
  // The first point, the two good lines.
  CHECK(influx.count("test", "m", "v") == 3);
}
