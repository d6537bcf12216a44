// The influx-http output against a real InfluxDB 1.6.7: points land exactly; bad writes
// are dropped and counted.
#include <doctest/doctest.h>

#include <limits>

#include "metrics/http_output.h"
#include "tests/fixtures/influx_case.h"
#include "tests/influx/output_util.h"

using namespace vigil;
using namespace vigil::metrics;
using vigil::test::InfluxCase;
using vigil::test::InfluxFixture;

namespace {

constexpr int64_t kT0 = 1700000000123456789;

OutputConfig http_config(const InfluxFixture& influx, const std::string& db) {
  OutputConfig c;
  c.kind = "influx-http";
  c.url = influx.base_url() + "/write?db=" + db;
  c.timeout = std::chrono::seconds(2);
  return c;
}

// One point per escaping rule and field type of spec/influx-push.md §2 and §3.
std::vector<Point> escaping_points() {
  Point a;
  a.measurement = "cpu load,x";
  a.tags = {{"zone", "eu west"}, {"k=1", "a,b=c"}, {"empty", ""}, {"path", "C:\\dir"}};
  a.fields = {{"f", 0.1},
              {"neg", int64_t{-42}},
              {"big", std::numeric_limits<uint64_t>::max()},
              {"ok", true},
              {"s", std::string("say \"hi\" \\ bye")},
              {"nan", std::numeric_limits<double>::quiet_NaN()}};
  a.time_ns = kT0;
  Point b;
  b.measurement = "cpu load,x";
  b.tags = {{"zone", "line\nbreak"}};
  b.fields = {{"f", 1e300}, {"ok", false}};
  b.time_ns = kT0 + 1;
  return {a, b};
}

}  // namespace

TEST_CASE_FIXTURE(InfluxCase,
                  "http output lands points with exact values, tags and nanosecond timestamps" *
                      doctest::test_suite("influxd")) {
  VIGIL_INFLUX_READY("test");
  {
    HttpOutput out(loop(), http_config(influx, "test"));
    std::vector<Point> points = escaping_points();
    out.write(points);
    out.flush();
    CHECK(test::run_until(loop(), [&] { return out.stats().queued == 0; }));
    CHECK(out.stats().sent == 2);
    CHECK(out.stats().dropped == 0);
    CHECK(test::shut_down(loop(), out));
  }
  CHECK(close_loop() == 0);
  // Expected by hand from escaping_points(): the empty tag and the NaN field are gone,
  // uint64 max is clamped, the LF in a tag value became a space.
  CHECK(influx.query("test", "SELECT * FROM \"cpu load,x\"") ==
        R"({"results":[{"statement_id":0,"series":[{"name":"cpu load,x","columns":["time",)"
        R"("big","f","k=1","neg","ok","path","s","zone"],"values":[[1700000000123456789,)"
        R"(9223372036854775807,0.1,"a,b=c",-42,true,"C:\\dir","say \"hi\" \\ bye","eu west"],)"
        R"([1700000000123456790,null,1e+300,null,null,false,null,null,"line break"]]}]}]})"
        "\n");
}

TEST_CASE_FIXTURE(InfluxCase, "a write to a missing database is dropped, counted and not retried" *
                                  doctest::test_suite("influxd")) {
  VIGIL_INFLUX_READY();
  {
    HttpOutput out(loop(), http_config(influx, "nosuchdb"));
    out.write(test::numbered_points(0, 7, kT0));
    out.flush();
    CHECK(test::run_until(loop(), [&] { return out.stats().queued == 0; }));
    OutputStats s = out.stats();
    CHECK(s.produced == 7);
    CHECK(s.dropped == 7);
    CHECK(s.sent == 0);
    CHECK(s.send_errors == 0);
    // Sending goes on after a rejection.
    REQUIRE(influx.create_database("nosuchdb"));
    out.write(test::numbered_points(7, 3, kT0));
    out.flush();
    CHECK(test::run_until(loop(), [&] { return out.stats().queued == 0; }));
    CHECK(out.stats().sent == 3);
    CHECK(test::shut_down(loop(), out));
  }
  CHECK(close_loop() == 0);
  CHECK(influx.count("nosuchdb", "m", "v") == 3);
}

TEST_CASE_FIXTURE(InfluxCase,
                  "a point with no valid field is dropped and counted, the others land" *
                      doctest::test_suite("influxd")) {
  VIGIL_INFLUX_READY("test");
  {
    HttpOutput out(loop(), http_config(influx, "test"));
    std::vector<Point> points = test::numbered_points(0, 2, kT0);
    points[1].fields = {{"v", std::numeric_limits<double>::infinity()}};
    out.write(points);
    out.flush();
    CHECK(test::run_until(loop(), [&] { return out.stats().queued == 0; }));
    CHECK(out.stats().dropped == 1);
    CHECK(out.stats().sent == 1);
    CHECK(test::shut_down(loop(), out));
  }
  CHECK(close_loop() == 0);
  CHECK(influx.count("test", "m", "v") == 1);
}
