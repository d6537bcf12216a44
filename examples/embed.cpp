// The smallest embedding of vigil: a service with its own libuv loop starts a Monitor,
// does its own work, and stops it. Run: build/examples/embed [SECONDS]
#include <uv.h>

#include <cstdio>
#include <cstdlib>

#include "appliance/monitor.h"

namespace {

struct App {
  vigil::Monitor* monitor;
  uv_timer_t work;
  uv_timer_t done;
  int ticks = 0;
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;

  // Configure in code; every field has a default (common/config.h).
  vigil::Config config;
  config.control.listen = "127.0.0.1:0";
  config.memtrace.listen = "";  // No memtrace port in this example.
  config.interval = std::chrono::seconds(1);

  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    vigil::Monitor monitor(&loop, config);
    if (vigil::Status st = monitor.start(); !st.ok()) {
      std::fprintf(stderr, "embed: %s\n", st.message().c_str());
      return 1;
    }
    std::fprintf(stderr, "embed: control port %d\n", monitor.control_port());

    // The service's own work shares the loop with vigil.
    App app{&monitor, {}, {}, 0};
    uv_timer_init(&loop, &app.work);
    uv_timer_init(&loop, &app.done);
    app.work.data = app.done.data = &app;
    uv_timer_start(
        &app.work, [](uv_timer_t* t) { ++static_cast<App*>(t->data)->ticks; }, 100, 100);
    uv_timer_start(
        &app.done,
        [](uv_timer_t* t) {
          auto* a = static_cast<App*>(t->data);
          uv_close(reinterpret_cast<uv_handle_t*>(&a->work), nullptr);
          uv_close(reinterpret_cast<uv_handle_t*>(&a->done), nullptr);
          a->monitor->stop();
        },
        static_cast<uint64_t>(seconds * 1000), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    std::fprintf(stderr, "embed: %d ticks of own work\n", app.ticks);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  int rc = uv_loop_close(&loop);
  std::fprintf(stderr, "embed: uv_loop_close returned %d\n", rc);
  return rc == 0 ? 0 : 1;
}
