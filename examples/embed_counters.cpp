// An embedding program with its own metrics, the analogue of mirage's counter_metrics:
// it runs vigil::Monitor on its own libuv loop, registers a CounterSource (a counter and a
// gauge), updates them from a worker thread, and stops gracefully on SIGINT/SIGTERM or
// after the number of seconds given as the first argument (default 5).
//
//   build/examples/embed_counters 3
//   => lines such as "requests,host=...,service=demo served=42i,queue_depth=3 ..." on stdout
#include <uv.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "appliance/monitor.h"
#include "metrics/user_source.h"

namespace {

struct App {
  vigil::Monitor* monitor;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  uv_timer_t deadline;
  bool stopping = false;
};

void close_app_handles(App& app) {
  uv_close(reinterpret_cast<uv_handle_t*>(&app.sigint), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&app.sigterm), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&app.deadline), nullptr);
}

void begin_stop(App& app) {
  if (app.stopping) return;
  app.stopping = true;
  app.monitor->stop([&app] { close_app_handles(app); });
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
  uv_loop_t loop;
  uv_loop_init(&loop);

  vigil::Config config;
  config.interval = std::chrono::seconds(1);
  config.control.listen = "";  // This example shows metrics only.
  config.memtrace.listen = "";
  config.sources["disk"].enabled = false;  // Keep the output short; `M` can turn it on.
  config.sources["net"].enabled = false;

  std::atomic<bool> running{true};
  std::thread worker;
  {
    vigil::Monitor monitor(&loop, config);
    auto source = std::make_unique<vigil::metrics::CounterSource>(
        "app", "requests", std::vector<vigil::metrics::Tag>{{"service", "demo"}});
    vigil::metrics::Counter& served = source->counter("served", "Requests served.");
    vigil::metrics::Gauge& depth = source->gauge("queue_depth", "Requests waiting.");
    monitor.add_source(std::move(source));

    if (vigil::Status st = monitor.start(); !st.ok()) {
      std::fprintf(stderr, "embed_counters: %s\n", st.message().c_str());
      return 2;
    }
    // Counters and gauges may be updated from any thread.
    worker = std::thread([&] {
      for (int i = 0; running.load(); ++i) {
        served.add();
        depth.set(static_cast<double>(i % 7));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });

    App app{&monitor, {}, {}, {}};
    uv_signal_init(&loop, &app.sigint);
    uv_signal_init(&loop, &app.sigterm);
    app.sigint.data = app.sigterm.data = &app;
    auto on_signal = [](uv_signal_t* h, int) { begin_stop(*static_cast<App*>(h->data)); };
    uv_signal_start(&app.sigint, on_signal, SIGINT);
    uv_signal_start(&app.sigterm, on_signal, SIGTERM);
    uv_timer_init(&loop, &app.deadline);
    app.deadline.data = &app;
    uv_timer_start(
        &app.deadline, [](uv_timer_t* t) { begin_stop(*static_cast<App*>(t->data)); },
        static_cast<uint64_t>(seconds) * 1000, 0);

    uv_run(&loop, UV_RUN_DEFAULT);
    running = false;
    worker.join();
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  return uv_loop_close(&loop) == 0 ? 0 : 1;
}
