// metrics/prometheus.h: points to the Prometheus text exposition format 0.0.4, judged
// against hand-written expected text (golden cases).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "metrics/prometheus.h"
#include "metrics/user_source.h"

using namespace vigil::metrics;

namespace {

Point point(std::string measurement, std::vector<Tag> tags, std::vector<Field> fields,
            int64_t time_ns = 1'700'000'000'123'456'789) {
  return Point{std::move(measurement), std::move(tags), std::move(fields), time_ns};
}

std::string render(const std::vector<Point>& points, const FieldTable* table) {
  ExposedSource src{points, table};
  return to_prometheus(std::span<const ExposedSource>(&src, 1));
}

}  // namespace

TEST_CASE("prometheus: a gauge and a counter, with help, type, labels and the poll time") {
  FieldTable t;
  t.declare("total_bytes", {FieldKind::gauge, "Usable RAM.", {}, 1.0});
  t.declare("rx_bytes", {FieldKind::counter, "Bytes received.", {}, 1.0});
  std::vector<Point> pts = {
      point("memory", {{"host", "h1"}}, {{"total_bytes", uint64_t{25276059648}}}),
      point("net", {{"ifname", "eth0"}, {"host", "h1"}}, {{"rx_bytes", uint64_t{42}}}),
      point("net", {{"ifname", "lo"}, {"host", "h1"}}, {{"rx_bytes", uint64_t{7}}}),
  };
  CHECK(render(pts, &t) ==
        "# HELP vigil_memory_total_bytes Usable RAM.\n"
        "# TYPE vigil_memory_total_bytes gauge\n"
        "vigil_memory_total_bytes{host=\"h1\"} 25276059648 1700000000123\n"
        "# HELP vigil_net_rx_bytes_total Bytes received.\n"
        "# TYPE vigil_net_rx_bytes_total counter\n"
        "vigil_net_rx_bytes_total{ifname=\"eth0\",host=\"h1\"} 42 1700000000123\n"
        "vigil_net_rx_bytes_total{ifname=\"lo\",host=\"h1\"} 7 1700000000123\n");
}

TEST_CASE("prometheus: label values are escaped, names cleaned") {
  std::vector<Point> pts = {
      point("my-app.x", {{"path", "C:\\dir \"q\"\nnext"}, {"0bad-key", "v"}}, {{"req/s", 1.5}})};
  CHECK(render(pts, nullptr) ==
        "# HELP vigil_my_app_x_req_s Field req/s of my-app.x.\n"
        "# TYPE vigil_my_app_x_req_s gauge\n"
        "vigil_my_app_x_req_s{path=\"C:\\\\dir \\\"q\\\"\\nnext\",_0bad_key=\"v\"} 1.5 "
        "1700000000123\n");
  CHECK(prometheus_label_name("__name") == "tag__name");
  CHECK(prometheus_name("a", "b_total", true) == "vigil_a_b_total");
  CHECK(prometheus_name("a", "b", true) == "vigil_a_b_total");
  CHECK(prometheus_name("a", "b:c", false) == "vigil_a_b:c");
}

TEST_CASE("prometheus: value forms: integers exact, floats shortest, specials, booleans") {
  std::vector<Point> pts = {point("v", {},
                                  {{"big", uint64_t{18446744073709551615u}},
                                   {"neg", int64_t{-3}},
                                   {"third", 1.0 / 3.0},
                                   {"nan", std::nan("")},
                                   {"inf", std::numeric_limits<double>::infinity()},
                                   {"ninf", -std::numeric_limits<double>::infinity()},
                                   {"on", true},
                                   {"text", std::string("skipped")}},
                                  2'000'000)};
  std::string out = render(pts, nullptr);
  CHECK(out.find("vigil_v_big 18446744073709551615 2\n") != std::string::npos);
  CHECK(out.find("vigil_v_neg -3 2\n") != std::string::npos);
  CHECK(out.find("vigil_v_third 0.3333333333333333 2\n") != std::string::npos);
  CHECK(out.find("vigil_v_nan NaN 2\n") != std::string::npos);
  CHECK(out.find("vigil_v_inf +Inf 2\n") != std::string::npos);
  CHECK(out.find("vigil_v_ninf -Inf 2\n") != std::string::npos);
  CHECK(out.find("vigil_v_on 1 2\n") != std::string::npos);
  CHECK(out.find("text") == std::string::npos);
}

TEST_CASE("prometheus: exposed name and scale; help escaping") {
  FieldTable t;
  t.declare("last_error_ns",
            {FieldKind::gauge, "When.\nIn s \\ epoch.", "last_error_seconds", 1e-9});
  std::vector<Point> pts = {point("p", {}, {{"last_error_ns", uint64_t{1'500'000'000}}}, 0)};
  CHECK(render(pts, &t) ==
        "# HELP vigil_p_last_error_seconds When.\\nIn s \\\\ epoch.\n"
        "# TYPE vigil_p_last_error_seconds gauge\n"
        "vigil_p_last_error_seconds 1.5 0\n");
}

TEST_CASE("prometheus: families stay together across sources; a type clash is left out") {
  FieldTable counters;
  counters.declare("n", {FieldKind::counter, "N.", {}, 1.0});
  std::vector<Point> a = {point("m", {{"k", "1"}}, {{"n", uint64_t{1}}, {"g", 2.0}}, 0)};
  std::vector<Point> b = {point("m", {{"k", "2"}}, {{"n", uint64_t{3}}}, 0),
                          point("m", {{"k", "3"}}, {{"n_total", 9.0}}, 0)};
  ExposedSource srcs[] = {{a, &counters}, {b, &counters}};
  CHECK(to_prometheus(srcs) ==
        "# HELP vigil_m_n_total N.\n"
        "# TYPE vigil_m_n_total counter\n"
        "vigil_m_n_total{k=\"1\"} 1 0\n"
        "vigil_m_n_total{k=\"2\"} 3 0\n"
        "# HELP vigil_m_g Field g of m.\n"
        "# TYPE vigil_m_g gauge\n"
        "vigil_m_g{k=\"1\"} 2 0\n");
}

TEST_CASE("prometheus: nothing polled, nothing served") { CHECK(render({}, nullptr).empty()); }

TEST_CASE("prometheus: an embedder's CounterSource declares its counters and gauges") {
  CounterSource src("app", "requests");
  src.counter("served", "Requests served.").add(3);
  src.gauge("depth").set(2.5);
  std::vector<Point> pts = {
      point("requests", {{"host", "h"}}, {{"served", uint64_t{3}}, {"depth", 2.5}}, 0)};
  ExposedSource one{pts, &src.fields()};
  CHECK(to_prometheus(std::span<const ExposedSource>(&one, 1)) ==
        "# HELP vigil_requests_served_total Requests served.\n"
        "# TYPE vigil_requests_served_total counter\n"
        "vigil_requests_served_total{host=\"h\"} 3 0\n"
        "# HELP vigil_requests_depth Field depth of requests.\n"
        "# TYPE vigil_requests_depth gauge\n"
        "vigil_requests_depth{host=\"h\"} 2.5 0\n");
}
