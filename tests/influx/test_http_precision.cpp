// `precision=` in an influx-http url: vigil writes its timestamps in that precision, and
// InfluxDB 1.6.7 stores the time the point was taken (cut to the unit).
#include <doctest/doctest.h>

#include <string>

#include "metrics/http_output.h"
#include "tests/fixtures/influx_case.h"
#include "tests/influx/output_util.h"

using namespace vigil;
using namespace vigil::metrics;
using vigil::test::InfluxCase;

namespace {

constexpr int64_t kT0 = 1700000000123456789;

// Writes one point at kT0 through an output whose url names `precision`, and returns the
// time InfluxDB stored, in nanoseconds as its query answer shows it. The output gets a loop
// of its own, so that a handle it leaves open fails the check of its own precision.
std::string stored_time(test::InfluxFixture& influx, const std::string& precision) {
  std::string db = "p_" + precision;
  REQUIRE(influx.create_database(db));
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    OutputConfig c;
    c.kind = "influx-http";
    c.url = influx.base_url() + "/write?db=" + db + "&precision=" + precision;
    c.timeout = std::chrono::seconds(2);
    HttpOutput out(&loop, c);
    Point p;
    p.measurement = "m";
    p.fields = {{"v", int64_t{1}}};
    p.time_ns = kT0;
    out.write({&p, 1});
    out.flush();
    CHECK(test::run_until(&loop, [&] { return out.stats().queued == 0; }));
    CHECK_MESSAGE(out.stats().sent == 1, "precision=" << precision);
    CHECK(test::shut_down(&loop, out));
  }
  CHECK(test::close_loop(&loop) == 0);
  std::string answer = influx.query(db, "SELECT v FROM m");
  size_t at = answer.find("\"values\":[[");
  if (at == std::string::npos) return "no point stored: " + answer;
  at += 11;
  return answer.substr(at, answer.find(',', at) - at);
}

}  // namespace

TEST_CASE_FIXTURE(InfluxCase,
                  "an http url's precision= is the unit of the timestamps vigil writes" *
                      doctest::test_suite("influxd")) {
  VIGIL_INFLUX_READY();
  // kT0 cut to each unit, worked out by hand: 1700000000 s is 28333333 min 20 s and
  // 472222 h 800 s.
  CHECK(stored_time(influx, "n") == "1700000000123456789");
  CHECK(stored_time(influx, "u") == "1700000000123456000");
  CHECK(stored_time(influx, "ms") == "1700000000123000000");
  CHECK(stored_time(influx, "s") == "1700000000000000000");
  CHECK(stored_time(influx, "m") == "1699999980000000000");
  CHECK(stored_time(influx, "h") == "1699999200000000000");
}
