// How the pipeline builds, wires and shuts down its elements, with a capturing output.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <uv.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>

#include "loop_helpers.h"
#include "metrics/influx.h"
#include "metrics/output_factory.h"
#include "metrics/pipeline.h"
#include "metrics/user_source.h"

using namespace vigil::metrics;
using namespace std::chrono_literals;
using vigil::metrics::testing::CaptureOutput;
using vigil::metrics::testing::close_loop;
using vigil::metrics::testing::run_until;

namespace {

std::string element_list(const Registry& r) {
  std::string s;
  for (Element* e : r.elements())
    s += e->full_name() + ":" + std::string(state_name(e->state())) + "\n";
  return s;
}

std::unique_ptr<CallbackSource> one_point_source(const char* name) {
  return std::make_unique<CallbackSource>("test", name, std::vector<std::string>{},
                                          [name](std::vector<Point>* out) {
                                            Point p;
                                            p.measurement = name;
                                            p.fields = {{"v", int64_t{1}}};
                                            out->push_back(p);
                                          });
}

vigil::Config quiet_config() {
  vigil::Config c;
  c.interval = 1h;
  c.hostname = "h";
  return c;
}

}  // namespace

TEST_CASE("with no outputs configured the pipeline runs one stdout output and every built-in") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int flags = fcntl(1, F_GETFL);
  Registry registry;
  {
    Pipeline p(&loop, &registry, quiet_config());
    REQUIRE(p.start().ok());
    std::string expected =
        "output/stdout/main:running\n"
        "source/proc/cpu:running\n"
        "source/proc/disk:running\n"
        "source/proc/load:running\n"
        "source/proc/memory:running\n"
        "source/proc/net:running\n"
#ifdef VIGIL_USE_MIMALLOC
        "source/self/allocator:running\n"
#endif
        "source/self/logs:running\n"
        "source/self/pipeline:running\n"
        "source/self/process:running\n";
    CHECK(element_list(registry) == expected);
    bool done = false;
    p.shutdown(5s, [&] { done = true; });
    run_until(&loop, [&] { return done; });
  }
  CHECK(registry.elements().empty());
  fcntl(1, F_SETFL, flags);  // A stdout pipe was made non-blocking by libuv.
  close_loop(&loop);
}

TEST_CASE("every built-in source yields points on this machine except where /proc lacks them") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Registry registry;
  {
    Pipeline p(&loop, &registry, quiet_config());
    auto cap = std::make_unique<CaptureOutput>();
    CaptureOutput* capture = cap.get();
    p.add_output(std::move(cap));
    REQUIRE(p.start().ok());
    for (Source* s : p.sources()) s->trigger_now();
    std::set<std::string> measurements;
    for (const Point& pt : capture->points()) measurements.insert(pt.measurement);
    CHECK(measurements.count("memory") == 1);
    CHECK(measurements.count("cpu") == 1);
    CHECK(measurements.count("load") == 1);
    CHECK(measurements.count("process") == 1);
    CHECK(measurements.count("logs") == 1);
    CHECK(measurements.count("pipeline") == 1);
    for (const Point& pt : capture->points()) {
      CHECK(pt.tags.back().key == "host");
      CHECK(pt.time_ns > 0);
    }
    bool done = false;
    p.shutdown(5s, [&] { done = true; });
    run_until(&loop, [&] { return done; });
  }
  close_loop(&loop);
}

TEST_CASE("an unknown output kind is an error at start that lists the known kinds") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Registry registry;
  vigil::Config c = quiet_config();
  c.outputs.resize(1);
  c.outputs[0].kind = "carrier-pigeon";
  {
    Pipeline p(&loop, &registry, c);
    vigil::Status st = p.start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().rfind(
              "outputs[0] (carrier-pigeon): unknown kind 'carrier-pigeon' (expected ", 0) == 0);
    CHECK(st.message().find("stdout") != std::string::npos);
    CHECK(registry.elements().empty());
  }
  close_loop(&loop);
}

TEST_CASE("a registered output kind is built with the next free default name") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Registry registry;
  std::vector<std::string> names;
  register_output_kind(
      "test-capture",
      [&](uv_loop_t*, const vigil::OutputConfig& c) -> vigil::Result<std::unique_ptr<Output>> {
        names.push_back(c.name);
        return std::unique_ptr<Output>(std::make_unique<CaptureOutput>());
      });
  vigil::Config c = quiet_config();
  c.outputs.resize(2);
  c.outputs[0].kind = c.outputs[1].kind = "test-capture";
  {
    Pipeline p(&loop, &registry, c);
    REQUIRE(p.start().ok());
    CHECK(names == std::vector<std::string>{"main", "main-2"});
    CHECK(p.outputs().size() == 2);
    bool done = false;
    p.shutdown(5s, [&] { done = true; });
    run_until(&loop, [&] { return done; });
  }
  close_loop(&loop);
}

TEST_CASE("an unknown source name in the config is an error at start") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Registry registry;
  vigil::Config c = quiet_config();
  c.sources["memroy"] = {};
  {
    Pipeline p(&loop, &registry, c);
    vigil::Status st = p.start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().rfind("sources: unknown source 'memroy' (expected memory, cpu, ", 0) == 0);
  }
  close_loop(&loop);
}

TEST_CASE("a source disabled in the config is registered but switched off with M") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Registry registry;
  vigil::Config c = quiet_config();
  c.sources["mine"].enabled = false;
  c.sources["mine"].period = 250ms;
  {
    Pipeline p(&loop, &registry, c);
    auto cap = std::make_unique<CaptureOutput>();
    CaptureOutput* capture = cap.get();
    p.add_output(std::move(cap));
    auto src = one_point_source("mine");
    Source* mine = src.get();
    p.add_source(std::move(src));
    REQUIRE(p.start().ok());
    CHECK(mine->period() == 250ms);
    CHECK_FALSE(registry.enabled(*mine));
    mine->trigger_now();
    CHECK(capture->points().empty());
    registry.set_all(true);  // `M*:enable` clears the override.
    mine->trigger_now();
    CHECK(capture->points().size() == 1);
    bool done = false;
    p.shutdown(5s, [&] { done = true; });
    run_until(&loop, [&] { return done; });
  }
  close_loop(&loop);
}

TEST_CASE("outputs are flushed every interval and a stopped output gets no more points") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Registry registry;
  vigil::Config c = quiet_config();
  c.interval = 10ms;
  for (const char* n : {"memory", "cpu", "net", "disk", "load", "process", "allocator", "logs"}) {
    c.sources[n].period = 1h;
  }
  {
    Pipeline p(&loop, &registry, c);
    auto a = std::make_unique<CaptureOutput>();
    auto b = std::make_unique<CaptureOutput>();
    CaptureOutput* first = a.get();
    CaptureOutput* second = b.get();
    p.add_output(std::move(a));
    p.add_output(std::move(b));
    auto src = one_point_source("mine");
    Source* mine = src.get();
    p.add_source(std::move(src));
    REQUIRE(p.start().ok());
    run_until(&loop, [&] { return first->flushes() >= 2 && second->flushes() >= 2; });
    second->stop();
    size_t before = second->points().size();
    mine->trigger_now();
    CHECK(second->points().size() == before);
    CHECK(std::count_if(first->points().begin(), first->points().end(),
                        [](const Point& pt) { return pt.measurement == "mine"; }) >= 1);
    bool done = false;
    p.shutdown(5s, [&] { done = true; });
    run_until(&loop, [&] { return done; });
    CHECK(first->shut_down());
    CHECK(second->shut_down());
  }
  close_loop(&loop);
}

TEST_CASE("source/self/pipeline reports each output and each registered counter") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Registry registry;
  {
    Pipeline p(&loop, &registry, quiet_config());
    auto cap = std::make_unique<CaptureOutput>();
    CaptureOutput* capture = cap.get();
    p.add_output(std::move(cap));
    p.add_counter("control_commands_served", [] { return uint64_t{7}; });
    REQUIRE(p.start().ok());
    p.add_counter("trace_drops", [] { return uint64_t{2}; });
    p.pipeline_source()->trigger_now();
    std::string lines;
    for (Point pt : capture->points()) {
      pt.time_ns = 0;
      encode_point(pt, &lines);
    }
    CHECK(lines ==
          "pipeline,host=h,output=output/capture/main produced=0i,sent=0i,dropped=0i,queued=0i,"
          "send_errors=0i,last_error_ns=0i 0\n"
          "pipeline,host=h control_commands_served=7i,trace_drops=2i 0\n");
    bool done = false;
    p.shutdown(5s, [&] { done = true; });
    run_until(&loop, [&] { return done; });
  }
  close_loop(&loop);
}
