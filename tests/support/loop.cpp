#include "tests/support/loop.h"

#include <atomic>
#include <cstdio>
#include <thread>

namespace vigil::test {

bool run_until(uv_loop_t* loop, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
  if (done()) return true;
  auto until = std::chrono::steady_clock::now() + limit;
  bool expired = false;
  {
    // The poll also wakes the loop for conditions that other threads make true.
    Timer poll(loop, [&] {
      if (std::chrono::steady_clock::now() > until) expired = true;
    });
    if (Status st = poll.start(10, 10); !st.ok()) {
      std::fprintf(stderr, "run_until: %s\n", st.message().c_str());
      return done();
    }
    while (!done() && !expired) uv_run(loop, UV_RUN_ONCE);
  }
  uv_run(loop, UV_RUN_NOWAIT);  // Lets the poll timer's close callback run.
  return done();
}

void run_while(uv_loop_t* loop, const std::function<void()>& client,
               std::chrono::milliseconds limit) {
  std::atomic<bool> finished{false};
  std::thread t([&] {
    client();
    finished = true;
  });
  run_until(
      loop, [&] { return finished.load(); }, limit);
  t.join();
}

bool run_to_end(uv_loop_t* loop, std::chrono::milliseconds limit) {
  bool expired = false;
  {
    Timer dog(loop, [&] {
      expired = true;
      uv_stop(loop);
    });
    if (Status st = dog.start(static_cast<uint64_t>(limit.count())); !st.ok()) {
      std::fprintf(stderr, "run_to_end: %s\n", st.message().c_str());
      expired = true;  // No watchdog: the loop is not run.
    } else {
      dog.unref();
      uv_run(loop, UV_RUN_DEFAULT);
    }
  }
  uv_run(loop, UV_RUN_NOWAIT);  // Lets the watchdog's close callback run.
  return !expired;
}

Every::Every(uv_loop_t* loop, std::chrono::milliseconds period, std::function<void()> fn)
    : timer_(loop, std::move(fn)) {
  auto ms = static_cast<uint64_t>(period.count());
  if (Status st = timer_.start(ms, ms); !st.ok())
    std::fprintf(stderr, "Every: %s\n", st.message().c_str());
}

int close_loop(uv_loop_t* loop) {
  uv_run(loop, UV_RUN_NOWAIT);
  return uv_loop_close(loop);
}

}  // namespace vigil::test
