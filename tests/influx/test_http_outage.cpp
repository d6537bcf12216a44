// The influx-http output through an outage: influxd is killed while the output runs, then
// restarted. Nothing is lost or sent twice within the bound; past it, exactly the dropped
// points are missing.
#include <doctest/doctest.h>

#include "metrics/http_output.h"
#include "tests/fixtures/influx_case.h"
#include "tests/influx/output_util.h"

using namespace vigil;
using namespace vigil::metrics;
using namespace std::chrono_literals;
using vigil::test::InfluxCase;
using vigil::test::InfluxFixture;

namespace {

constexpr int64_t kT0 = 1700000000000000000;
constexpr int kPerTick = 5;

// A source stand-in: every 200 ms, 5 new points and a flush, as the pipeline does.
struct Producer {
  Producer(uv_loop_t* loop, Output& out)
      : tick(loop, 200ms, [this, &out] {
          out.write(test::numbered_points(produced, kPerTick, kT0));
          produced += kPerTick;
          out.flush();
        }) {}
  int produced = 0;
  test::Every tick;
};

OutputConfig config(const InfluxFixture& influx, uint64_t buffer_limit, uint64_t batch_size) {
  OutputConfig c;
  c.kind = "influx-http";
  c.url = influx.base_url() + "/write?db=test";
  c.timeout = 2s;
  c.buffer_limit = buffer_limit;
  c.batch_size = batch_size;
  return c;
}

}  // namespace

TEST_CASE_FIXTURE(InfluxCase,
                  "every point produced during an outage lands exactly once after influxd returns" *
                      doctest::test_suite("influxd")) {
  VIGIL_INFLUX_READY("test");
  long written_before = 0;
  int produced = 0;
  {
    HttpOutput out(loop(), config(influx, 10000, 50));
    {
      Producer producer(loop(), out);
      REQUIRE(test::run_until(loop(), [&] { return out.stats().sent >= 20; }));
      // Kill between sends, so that the server's counter covers every stored point.
      REQUIRE(test::run_until(loop(), [&] { return out.stats().queued == 0; }));
      written_before = influx.http_points_written();
      influx.kill();
      int at_kill = producer.produced;
      // About three flush intervals without a server.
      REQUIRE(test::run_until(loop(), [&] {
        return producer.produced >= at_kill + 3 * kPerTick && out.stats().send_errors > 0;
      }));
      REQUIRE(influx.restart());
      int at_restart = producer.produced;
      REQUIRE(test::run_until(loop(), [&] { return producer.produced >= at_restart + 10; }));
      produced = producer.produced;
    }
    out.flush();
    CHECK(test::run_until(
        loop(), [&] { return out.stats().queued == 0; }, 30s));
    OutputStats s = out.stats();
    CHECK(s.produced == static_cast<uint64_t>(produced));
    CHECK(s.sent == static_cast<uint64_t>(produced));
    CHECK(s.dropped == 0);
    CHECK(s.send_errors >= 1);
    CHECK(s.last_error_ns > 0);
    CHECK(test::shut_down(loop(), out));
  }
  CHECK(close_loop() == 0);
  CHECK(influx.count("test", "m", "v") == produced);
  // Identical points overwrite each other in InfluxDB, so the count alone cannot see a
  // duplicate; the server's write counter can.
  CHECK(written_before + influx.http_points_written() == produced);
}

TEST_CASE_FIXTURE(InfluxCase, "with a small buffer_limit exactly the dropped points are missing" *
                                  doctest::test_suite("influxd")) {
  VIGIL_INFLUX_READY("test");
  int produced = 0;
  uint64_t dropped = 0;
  {
    HttpOutput out(loop(), config(influx, 12, 4));
    {
      Producer producer(loop(), out);
      REQUIRE(test::run_until(loop(), [&] { return out.stats().sent >= 10; }));
      influx.kill();
      int at_kill = producer.produced;
      // Long enough to overflow 12 slots several times over.
      REQUIRE(test::run_until(loop(), [&] { return producer.produced >= at_kill + 40; }));
      REQUIRE(influx.restart());
      produced = producer.produced;
    }
    out.flush();
    CHECK(test::run_until(
        loop(), [&] { return out.stats().queued == 0; }, 30s));
    OutputStats s = out.stats();
    dropped = s.dropped;
    CHECK(dropped > 0);
    CHECK(s.produced == static_cast<uint64_t>(produced));
    CHECK(s.sent + s.dropped == s.produced);
    CHECK(test::shut_down(loop(), out));
  }
  CHECK(close_loop() == 0);
  CHECK(influx.count("test", "m", "v") == produced - static_cast<long>(dropped));
  // The oldest points went; the newest one is there.
  std::string last = influx.query("test", "SELECT last(v) FROM m");
  CHECK(last.find("," + std::to_string(produced - 1) + "]]") != std::string::npos);
}
