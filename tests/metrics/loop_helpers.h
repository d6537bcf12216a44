// Loop plumbing for the metrics loop tests, on the tests' one loop harness
// (tests/support/loop.h), and a capturing Output.
// Thread: loop only.
#pragma once

#include <doctest/doctest.h>
#include <uv.h>

#include <functional>
#include <vector>

#include "metrics/output.h"
#include "tests/support/loop.h"

namespace vigil::metrics::testing {

// Runs the loop until `done()` holds; fails the test after about 5 s.
inline void run_until(uv_loop_t* loop, const std::function<bool()>& done) {
  REQUIRE(vigil::test::run_until(loop, done, std::chrono::seconds(5)));
}

// Runs the loop until every handle has closed and checks that the loop closes cleanly.
inline void close_loop(uv_loop_t* loop) {
  uv_run(loop, UV_RUN_DEFAULT);
  CHECK(vigil::test::close_loop(loop) == 0);
}

// An Output that keeps every point it is given: a fake for pure pipeline checks.
class CaptureOutput : public Output {
 public:
  CaptureOutput() : Output("capture", "main") {}
  void write(std::span<const Point> points) override {
    points_.insert(points_.end(), points.begin(), points.end());
  }
  void flush() override { ++flushes_; }
  void shutdown(Nanos, std::function<void()> done) override {
    shut_down_ = true;
    if (done) done();
  }
  OutputStats stats() const override {
    OutputStats s;
    s.produced = s.queued = points_.size();
    return s;
  }
  const std::vector<Point>& points() const { return points_; }
  int flushes() const { return flushes_; }
  bool shut_down() const { return shut_down_; }

 private:
  std::vector<Point> points_;
  int flushes_ = 0;
  bool shut_down_ = false;
};

}  // namespace vigil::metrics::testing
