// A source's schedule on a real loop: period, set_period, trigger_now, pause/resume and
// the M switches. Poll stamps come from the loop clock, so gaps between polls can be
// checked exactly: libuv never fires a timer before its due loop time.
#include <doctest/doctest.h>
#include <uv.h>

#include <memory>
#include <vector>

#include "loop_helpers.h"
#include "metrics/registry.h"
#include "metrics/user_source.h"

using namespace vigil::metrics;
using namespace std::chrono_literals;
using vigil::metrics::testing::close_loop;
using vigil::metrics::testing::run_until;

namespace {

struct Fixture {
  uv_loop_t loop;
  Registry registry;
  std::vector<Point> seen;
  std::unique_ptr<CallbackSource> source;

  explicit Fixture(vigil::Nanos period) {
    uv_loop_init(&loop);
    source = std::make_unique<CallbackSource>(
        "test", "ticks", std::vector<std::string>{"k"},
        [](std::vector<Point>* out) {
          Point p;
          p.measurement = "ticks";
          p.tags = {{"k", "v"}};
          p.fields = {{"n", int64_t{1}}};
          out->push_back(p);
        },
        period);
    registry.add(source.get());
  }

  void start() {
    SourceContext ctx;
    ctx.loop = &loop;
    ctx.registry = &registry;
    ctx.host = "h1";
    ctx.default_period = 1h;
    ctx.clock = [this] { return static_cast<int64_t>(uv_now(&loop)) * 1000000; };
    ctx.sink = [this](std::span<const Point> pts) {
      seen.insert(seen.end(), pts.begin(), pts.end());
    };
    source->start(std::move(ctx));
  }

  ~Fixture() {
    registry.remove(source.get());
    source.reset();
    close_loop(&loop);
  }
};

}  // namespace

TEST_CASE("a source polls every period and stamps points with the poll time and host tag") {
  Fixture f(20ms);
  f.start();
  run_until(&f.loop, [&] { return f.seen.size() >= 4; });
  for (size_t i = 1; i < f.seen.size(); ++i) {
    CHECK(f.seen[i].time_ns - f.seen[i - 1].time_ns >= 20000000);
  }
  CHECK(f.seen[0].measurement == "ticks");
  REQUIRE(f.seen[0].tags.size() == 2);
  CHECK(f.seen[0].tags[1].key == "host");
  CHECK(f.seen[0].tags[1].value == "h1");
}

TEST_CASE("a source without its own period uses the default period") {
  Fixture f(0ms);
  f.start();
  CHECK(f.source->period() == 1h);
}

TEST_CASE("set_period applies from the next poll on") {
  Fixture f(10ms);
  f.start();
  run_until(&f.loop, [&] { return f.seen.size() >= 2; });
  f.source->set_period(60ms);
  CHECK(f.source->period() == 60ms);
  size_t from = f.seen.size();
  run_until(&f.loop, [&] { return f.seen.size() >= from + 2; });
  for (size_t i = from; i < f.seen.size(); ++i) {
    CHECK(f.seen[i].time_ns - f.seen[i - 1].time_ns >= 60000000);
  }
}

TEST_CASE("trigger_now polls at once, even with a long period") {
  Fixture f(1h);
  f.start();
  f.source->trigger_now();
  CHECK(f.seen.size() == 1);
  CHECK(f.source->polls() == 1);
}

TEST_CASE("a paused source is not polled, not even by trigger_now, and resumes polling") {
  Fixture f(10ms);
  f.start();
  run_until(&f.loop, [&] { return f.seen.size() >= 1; });
  f.source->pause();
  f.source->trigger_now();
  size_t at_pause = f.seen.size();
  bool checked = false;
  vigil::Timer later(&f.loop, [&] {
    CHECK(f.seen.size() == at_pause);
    f.source->resume();
    checked = true;
  });
  later.start(60, 0);
  run_until(&f.loop, [&] { return checked && f.seen.size() >= at_pause + 2; });
  CHECK(f.source->state() == State::running);
}

TEST_CASE("a source switched off with M is not polled until switched on again") {
  Fixture f(10ms);
  f.registry.set_source("ticks", false);
  f.start();
  f.source->trigger_now();
  bool switched = false;
  vigil::Timer later(&f.loop, [&] {
    CHECK(f.seen.empty());
    CHECK(f.source->polls() == 0);
    f.registry.set_source("ticks", true);
    switched = true;
  });
  later.start(60, 0);
  run_until(&f.loop, [&] { return switched && !f.seen.empty(); });
}

TEST_CASE("a source with a disabled tag key is polled again once the tag is enabled") {
  Fixture f(1h);
  f.start();
  f.registry.set_all(false);
  f.source->trigger_now();
  CHECK(f.seen.empty());
  f.registry.set_tag("k", true);
  f.source->trigger_now();
  CHECK(f.seen.size() == 1);
}

TEST_CASE("a stopped source is never polled again") {
  Fixture f(10ms);
  f.start();
  f.source->stop();
  f.source->resume();
  f.source->trigger_now();
  CHECK(f.seen.empty());
  CHECK(f.source->state() == State::stopped);
}
