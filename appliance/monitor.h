// vigil::Monitor: the one entry point of the library, the analogue of
// mirage-monitoring's `create`. It hosts the control port, the memtrace port, the HTTP
// port (/metrics, /debug/pprof) and the metrics push on the caller's libuv loop.
// Thread: loop only.
//
//   uv_loop_t loop; uv_loop_init(&loop);
//   vigil::Monitor monitor(&loop, config);
//   if (auto st = monitor.start(); !st.ok()) { ...st.message()...; }
//   ... later, from a timer, a signal handle or the `shutdown` command:
//   monitor.stop([] { /* every vigil handle is closed */ });
//   uv_run(&loop, UV_RUN_DEFAULT);   // returns after the stop has finished and `done` ran
//   uv_loop_close(&loop);            // returns 0, with the Monitor still alive
//
// The memtrace port exists only in programs that link the opt-in vigil-memprof library
// (appliance/memtrace_port.h); elsewhere memtrace.listen is ignored.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>

#include "common/config.h"
#include "common/status.h"
#include "metrics/registry.h"
#include "metrics/source.h"

namespace vigil {

class Monitor {
 public:
  // "*loop" must outlive this object. `config` is taken as given: validate it with
  // appliance/config.h first, or build it in code.
  Monitor(uv_loop_t* loop, Config config);
  // Stops what is still running and releases it. The loop must run afterwards, or have
  // run since stop(), for the handles to close.
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Applies the logging config, then starts the pipeline, the memtrace port and the control
  // listeners, in that order. On error (e.g. "listen 0.0.0.0:2323: EADDRINUSE") what had
  // started is stopped as by stop(): after the loop runs, no handle is left. A Monitor
  // is started at most once; start() after stop() is an error.
  Status start();

  // Graceful stop: stop accepting connections, poll nothing more, flush every output for
  // up to 5 s, remove the Unix socket file, close every handle; the parts stop in reverse
  // order of start. Idempotent. `done`, if given, runs on the loop (never inside stop())
  // once everything is closed; every call's `done` runs, also a call made after the stop
  // (for example by `shutdown`) has already finished.
  void stop(std::function<void()> done = {});

  // What the `shutdown` command does after replying. By default it calls stop(); the
  // appliance also ends the process with status 0 once the loop has drained.
  void set_shutdown_handler(std::function<void()> handler);
  void request_shutdown();

  // Adds an embedder's source (e.g. a metrics::CounterSource) to the metrics pipeline.
  // Before start() it starts with the built-ins and `[sources.NAME]` applies to it; after
  // start() it starts polling at once. REQUIRES: stop() has not been called.
  void add_source(std::unique_ptr<metrics::Source> source);

  const Config& config() const;
  metrics::Registry& elements();

  // The bound TCP ports (useful with port 0), or 0 when that listener is off.
  int control_port() const;
  int memtrace_port() const;
  int http_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil
