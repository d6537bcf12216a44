// The influx-udp output: batches split into datagrams at line boundaries, against the UDP
// listener of a real InfluxDB 1.6.7.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "metrics/udp_output.h"
#include "tests/fixtures/influx_case.h"
#include "tests/influx/output_util.h"

using namespace vigil;
using namespace vigil::metrics;
using namespace std::chrono_literals;
using vigil::test::InfluxCase;
using vigil::test::InfluxFixture;

namespace {

constexpr int64_t kT0 = 1700000000000000000;

OutputConfig udp_config(const InfluxFixture& influx, uint64_t max_payload) {
  OutputConfig c;
  c.kind = "influx-udp";
  c.url = "udp://127.0.0.1:" + std::to_string(influx.udp_port());
  c.max_payload = max_payload;
  return c;
}

}  // namespace

TEST_CASE("datagrams are cut at line boundaries and never exceed the payload") {
  std::vector<std::string> lines = {std::string(40, 'a'), std::string(50, 'b'),
                                    std::string(100, 'c'), std::string(1, 'd'),
                                    std::string(99, 'e')};
  CHECK(split_datagrams(lines, 100) == std::vector<size_t>{2, 1, 2});
  CHECK(split_datagrams(lines, 191) == std::vector<size_t>{4, 1});
  CHECK(split_datagrams(lines, 190) == std::vector<size_t>{3, 2});
  CHECK(split_datagrams(lines, 1000) == std::vector<size_t>{5});
  CHECK(split_datagrams({}, 100).empty());
}

TEST_CASE_FIXTURE(InfluxCase, "udp output lands points with exact values, tags and timestamps" *
                                  doctest::test_suite("influxd")) {
  VIGIL_INFLUX_READY();
  {
    UdpOutput out(loop(), udp_config(influx, 120));
    Point p;
    p.measurement = "disk io";
    p.tags = {{"device", "sd a,1"}, {"k=v", "x=y"}};
    p.fields = {{"reads", uint64_t{12}}, {"ratio", 0.25}, {"name", std::string("a \"b\"")}};
    p.time_ns = kT0 + 7;
    std::vector<Point> points = test::numbered_points(0, 20, kT0);
    points.push_back(p);
    out.write(points);
    out.flush();
    CHECK(test::run_until(loop(), [&] { return out.stats().queued == 0; }));
    CHECK(out.stats().sent == 21);
    CHECK(test::shut_down(loop(), out));
  }
  CHECK(close_loop() == 0);
  // The listener writes asynchronously (batch-size 1, 10 ms): wait for the points.
  std::string json;
  for (int i = 0; i < 200 && influx.count("udpdb", "m", "v") < 20; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(influx.count("udpdb", "m", "v") == 20);
  for (int i = 0; i < 200 && json.find("values") == std::string::npos; ++i) {
    json = influx.query("udpdb", "SELECT * FROM \"disk io\"");
    std::this_thread::sleep_for(10ms);
  }
  CHECK(json == R"({"results":[{"statement_id":0,"series":[{"name":"disk io","columns":["time",)"
                R"("device","k=v","name","ratio","reads"],"values":[[1700000000000000007,"sd a,1",)"
                R"("x=y","a \"b\"",0.25,12]]}]}]})"
                "\n");
}

TEST_CASE_FIXTURE(InfluxCase,
                  "a line longer than max_payload is dropped and counted, the rest lands" *
                      doctest::test_suite("influxd")) {
  VIGIL_INFLUX_READY();
  {
    UdpOutput out(loop(), udp_config(influx, 64));
    std::vector<Point> points = test::numbered_points(0, 3, kT0);
    points[1].fields.push_back({"long", std::string(100, 'x')});
    out.write(points);
    out.flush();
    CHECK(test::run_until(loop(), [&] { return out.stats().queued == 0; }));
    CHECK(out.stats().dropped == 1);
    CHECK(out.stats().sent == 2);
    CHECK(test::shut_down(loop(), out));
  }
  CHECK(close_loop() == 0);
  for (int i = 0; i < 200 && influx.count("udpdb", "m", "v") < 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(influx.count("udpdb", "m", "v") == 2);
  CHECK(influx.query("udpdb", "SELECT v FROM m") ==
        R"({"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],)"
        R"("values":[[1700000000000000000,0],[1700000000000000002,2]]}]}]})"
        "\n");
}
