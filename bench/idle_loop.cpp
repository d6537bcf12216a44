// The footprint baseline: a bare libuv loop with a 1 s timer that does nothing, i.e. the
// least any loop-based agent polling every second can cost. bench/footprint.sh runs it
// beside vigil and reports vigil's RSS and CPU against it.
// Runs for argv[1] seconds (default 60), then exits 0.
#include <uv.h>

#include <cstdint>
#include <cstdlib>

namespace {

struct State {
  uint64_t ticks_left;
};

void on_tick(uv_timer_t* t) {
  auto* s = static_cast<State*>(t->data);
  if (--s->ticks_left == 0) uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  State state{argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 60};
  if (state.ticks_left == 0) state.ticks_left = 1;
  uv_loop_t* loop = uv_default_loop();
  uv_timer_t timer;
  uv_timer_init(loop, &timer);
  timer.data = &state;
  uv_timer_start(&timer, on_tick, 1000, 1000);
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop) == 0 ? 0 : 1;
}
