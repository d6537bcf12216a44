#include "tests/influx/loop_util.h"

namespace vigil::test {
namespace {

struct Check {
  const std::function<bool()>* done;
  std::chrono::steady_clock::time_point until;
};

void free_timer(uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); }

}  // namespace

bool run_until(uv_loop_t* loop, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
  if (done()) return true;
  Check check{&done, std::chrono::steady_clock::now() + limit};
  auto* timer = new uv_timer_t;
  uv_timer_init(loop, timer);
  timer->data = &check;
  uv_timer_start(
      timer,
      [](uv_timer_t* t) {
        auto* c = static_cast<Check*>(t->data);
        if ((*c->done)() || std::chrono::steady_clock::now() > c->until) uv_stop(t->loop);
      },
      10, 10);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_close(reinterpret_cast<uv_handle_t*>(timer), free_timer);
  uv_run(loop, UV_RUN_NOWAIT);
  return done();
}

Every::Every(uv_loop_t* loop, std::chrono::milliseconds period, std::function<void()> fn)
    : timer_(new uv_timer_t), fn_(std::move(fn)) {
  uv_timer_init(loop, timer_);
  timer_->data = this;
  auto ms = static_cast<uint64_t>(period.count());
  uv_timer_start(
      timer_, [](uv_timer_t* t) { static_cast<Every*>(t->data)->fn_(); }, ms, ms);
}

Every::~Every() { uv_close(reinterpret_cast<uv_handle_t*>(timer_), free_timer); }

bool shut_down(uv_loop_t* loop, metrics::Output& out, std::chrono::milliseconds deadline) {
  bool finished = false;
  out.shutdown(deadline, [&finished] { finished = true; });
  return run_until(
      loop, [&finished] { return finished; }, deadline + std::chrono::seconds(10));
}

int close_loop(uv_loop_t* loop) {
  // No uv_walk: a handle still open here is a leak, and uv_loop_close must report it.
  uv_run(loop, UV_RUN_NOWAIT);
  return uv_loop_close(loop);
}

std::vector<metrics::Point> numbered_points(int first, int n, int64_t base_ns) {
  std::vector<metrics::Point> points;
  for (int i = first; i < first + n; ++i) {
    points.push_back(
        metrics::Point{std::string(1, 'm'), {{"host", "h"}}, {{"v", int64_t{i}}}, base_ns + i});
  }
  return points;
}

}  // namespace vigil::test
