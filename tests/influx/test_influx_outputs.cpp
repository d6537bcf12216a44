// Building Influx outputs from config tables, as the output factory does.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "metrics/influx_outputs.h"
#include "metrics/output_factory.h"
#include "tests/influx/output_util.h"

using namespace vigil;
using namespace vigil::metrics;

TEST_CASE("the three influx kinds are registered with the output factory") {
  register_influx_outputs();
  std::vector<std::string> kinds = output_kinds();
  std::set<std::string> set(kinds.begin(), kinds.end());
  CHECK(set.count("influx-tcp") == 1);
  CHECK(set.count("influx-udp") == 1);
  CHECK(set.count("influx-http") == 1);
  CHECK(set.count("stdout") == 1);
}

TEST_CASE("the factory builds an influx output and passes its errors on") {
  register_influx_outputs();
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    OutputConfig c;
    c.kind = "influx-tcp";
    c.url = "tcp://127.0.0.1:1";
    c.name = "telegraf";
    auto out = make_output(&loop, c);
    REQUIRE(out.ok());
    CHECK((*out)->full_name() == "output/influx/telegraf");
    CHECK(test::shut_down(&loop, **out));
    c.url = "tcp://127.0.0.1";
    CHECK(make_output(&loop, c).status().message() ==
          "url: expected tcp://HOST:PORT, got 'tcp://127.0.0.1'");
  }
  CHECK(test::close_loop(&loop) == 0);
}

TEST_CASE("a valid table builds an output named after its name key") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    OutputConfig c;
    c.kind = "influx-udp";
    c.url = "udp://127.0.0.1:9";
    c.name = "lab";
    auto out = make_influx_output(&loop, c);
    REQUIRE(out.ok());
    CHECK((*out)->full_name() == "output/influx/lab");
    CHECK(test::shut_down(&loop, **out));
  }
  CHECK(test::close_loop(&loop) == 0);
}

TEST_CASE("a bad table builds nothing and says why") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  OutputConfig c;
  c.kind = "influx-http";
  c.url = "http://h:8086/";
  auto out = make_influx_output(&loop, c);
  CHECK(!out.ok());
  CHECK(out.status().message().rfind("url: expected http(s)://", 0) == 0);
  c.kind = "stdout";
  c.url = "";
  CHECK(make_influx_output(&loop, c).status().message() == "not an influx output kind: 'stdout'");
  CHECK(test::close_loop(&loop) == 0);
}
