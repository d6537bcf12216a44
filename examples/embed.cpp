// The smallest embedding of vigil: a service with its own libuv loop starts a Monitor,
// does its own work, and stops it. Run: build/examples/embed [SECONDS]
// Out of tree: c++ -std=c++20 embed.cpp $(pkg-config --cflags --libs vigil)
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "appliance/monitor.h"

namespace {

struct App {
  vigil::Monitor* monitor;
  uv_timer_t work;
  uv_timer_t done;
  int ticks = 0;
  bool* stopped;
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  // A control client that closes before reading its reply must not kill the process:
  // with SIGPIPE ignored, the write fails with EPIPE instead (docs/embedding.md).
  std::signal(SIGPIPE, SIG_IGN);

  // Configure in code; every field has a default (common/config.h).
  vigil::Config config;
  config.control.listen = "127.0.0.1:0";
  config.memtrace.listen = "";  // No memtrace port in this example.
  config.interval = std::chrono::seconds(1);

  uv_loop_t loop;
  if (int rc = uv_loop_init(&loop); rc != 0) {
    std::fprintf(stderr, "embed: uv_loop_init: %s\n", uv_err_name(rc));
    return 1;
  }
  int rc = 0;
  bool stopped = false;
  {
    vigil::Monitor monitor(&loop, config);
    if (vigil::Status st = monitor.start(); !st.ok()) {
      std::fprintf(stderr, "embed: %s\n", st.message().c_str());
      return 1;
    }
    std::fprintf(stderr, "embed: control port %d\n", monitor.control_port());

    // The service's own work shares the loop with vigil.
    App app{&monitor, {}, {}, 0, &stopped};
    if (uv_timer_init(&loop, &app.work) != 0 || uv_timer_init(&loop, &app.done) != 0) return 1;
    app.work.data = app.done.data = &app;
    uv_timer_start(
        &app.work, [](uv_timer_t* t) { ++static_cast<App*>(t->data)->ticks; }, 100, 100);
    uv_timer_start(
        &app.done,
        [](uv_timer_t* t) {
          auto* a = static_cast<App*>(t->data);
          uv_close(reinterpret_cast<uv_handle_t*>(&a->work), nullptr);
          uv_close(reinterpret_cast<uv_handle_t*>(&a->done), nullptr);
          a->monitor->stop([a] { *a->stopped = true; });
        },
        static_cast<uint64_t>(seconds * 1000), 0);
    uv_run(&loop, UV_RUN_DEFAULT);  // Returns once the stop has finished.
    std::fprintf(stderr, "embed: %d ticks of own work, stop callback %s\n", app.ticks,
                 stopped ? "ran" : "did not run");
    // Every vigil handle is closed: the loop can close while the Monitor still exists.
    rc = uv_loop_close(&loop);
    std::fprintf(stderr, "embed: uv_loop_close returned %d\n", rc);
  }
  return rc == 0 && stopped ? 0 : 1;
}
