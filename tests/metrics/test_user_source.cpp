// Counters and gauges of an embedding program, updated from other threads.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "metrics/influx.h"
#include "metrics/user_source.h"

using namespace vigil::metrics;

namespace {

// Exposes poll() to the test; the schedule is tested in test_source_schedule.cpp.
class Probe : public CounterSource {
 public:
  using CounterSource::CounterSource;
  std::vector<Point> poll_once() {
    std::vector<Point> out;
    poll(0, &out);
    return out;
  }
};

}  // namespace

TEST_CASE("a counter source yields one point with its tags and every counter and gauge") {
  Probe src("app", "requests", {{"shard", "a"}});
  Counter& served = src.counter("served");
  Gauge& depth = src.gauge("queue_depth");
  served.add(3);
  depth.set(2.5);
  depth.add(-1.0);
  std::string line;
  encode_points(src.poll_once(), &line);
  CHECK(line == "requests,shard=a served=3i,queue_depth=1.5 0\n");
  CHECK(src.tag_keys() == std::vector<std::string>{"shard"});
}

TEST_CASE("a counter source with no counters yields nothing") {
  Probe src("app", "empty");
  CHECK(src.poll_once().empty());
}

TEST_CASE("counters may be updated from several threads at once without losing counts") {
  Probe src("app", "hits");
  Counter& hits = src.counter("hits");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) hits.add();
    });
  }
  for (auto& th : threads) th.join();
  CHECK(hits.value() == 40000);
}
