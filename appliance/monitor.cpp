#include "appliance/monitor.h"

#include <signal.h>
#include <unistd.h>

#include <memory>
#include <utility>
#include <vector>

#include "appliance/control_handler.h"
#include "appliance/http_endpoints.h"
#include "appliance/memtrace_port.h"
#include "common/uv_handle.h"
#include "control/controller.h"
#include "logging/log.h"
#include "metrics/influx_outputs.h"
#include "metrics/pipeline.h"
#include "net/control_server.h"

namespace vigil {
namespace {

logging::Source kLog{"appliance"};

// The stop's outcome, shared with the parts' callbacks so that it outlives the Monitor if
// the loop runs after the Monitor is gone.
struct StopState {
  bool stopping = false;
  bool stopped = false;                        // every part has stopped and every handle is closed
  std::vector<std::function<void()>> waiters;  // stop()'s callbacks, run once stopped
};

// Counts the parts still stopping; the last one to finish marks the stop done.
struct StopBarrier {
  int pending = 1;  // The extra 1 is released once every part has been asked to stop.
  std::shared_ptr<StopState> state;
  void release() {
    if (--pending != 0) return;
    state->stopped = true;
    std::vector<std::function<void()>> waiters = std::move(state->waiters);
    for (auto& w : waiters) w();
  }
};

// A callback for one part to call when it has stopped.
std::function<void()> expect(const std::shared_ptr<StopBarrier>& barrier) {
  ++barrier->pending;
  return [barrier] { barrier->release(); };
}

// Runs `fn` from the loop, in the close callback of a timer made for it: uv_close()
// always defers its callback to uv_run. For stop() called after the stop has completed.
// The Soon owns itself until that callback.
void run_soon(uv_loop_t* loop, std::function<void()> fn) {
  struct Soon {
    UvHandle timer;
    std::function<void()> fn;
  };
  auto* soon = new Soon{{}, std::move(fn)};
  if (Status st = soon->timer.init_timer(loop, soon); !st.ok()) {
    VIGIL_LOG(kLog, error, "stop callback: %s; running it now", st.message().c_str());
    std::unique_ptr<Soon> self(soon);
    self->fn();
    return;
  }
  soon->timer.close([soon] {
    std::unique_ptr<Soon> self(soon);  // From the close callback: the handle is freed.
    self->fn();
  });
}

}  // namespace

struct Monitor::Impl {
  uv_loop_t* loop;
  Config config;
  metrics::Registry elements;
  // Built in the constructor so that add_source() works before start(); it opens no
  // handle until start().
  std::unique_ptr<metrics::Pipeline> pipeline;
  std::function<void()> shutdown_handler;
  bool started = false;
  bool pipeline_started = false;
  std::shared_ptr<StopState> stop_state = std::make_shared<StopState>();
  // The memtrace port: only when the program links vigil-memprof (appliance/memtrace_port.h).
  std::unique_ptr<MemtracePort> memtrace;
  // The control plane. The controller outlives the server that calls it.
  std::unique_ptr<control::Controller> controller;
  std::unique_ptr<net::ControlServer> control;
  std::unique_ptr<HttpEndpoints> http;  // the HTTP port (docs/http.md)

  Status start_parts(Monitor* self);
  Status start_memtrace();
  Status start_control(Monitor* self);
};

Status Monitor::Impl::start_memtrace() {
  const MemtraceProvider* provider = memtrace_provider();
  // The HTTP port's heap profiles use the memtrace sampler too, with or without port 4242.
  if (config.memtrace.listen.empty() && config.http.listen.empty()) return Status();
  if (provider == nullptr) {
    if (config.memtrace.listen.empty()) return Status();
    VIGIL_LOG(kLog, info,
              "memtrace port off: this program does not link vigil-memprof "
              "(memtrace.listen=%s ignored)",
              config.memtrace.listen.c_str());
    return Status();
  }
  memtrace = provider->make(loop, config.memtrace, config.hostname);
  if (Status st = memtrace->start(); !st.ok()) return st;
  pipeline->add_counter("trace_samples", provider->samples);
  pipeline->add_counter("trace_drops", provider->drops);
  pipeline->add_counter("trace_free_lost", provider->free_lost);
  return Status();
}

Status Monitor::Impl::start_control(Monitor* self) {
  const ControlConfig& cc = config.control;
  controller =
      std::make_unique<control::Controller>(&elements, [self] { self->request_shutdown(); });
  net::ServerOptions options;
  options.max_connections = cc.max_connections;
  options.allow = cc.allow;
  options.max_per_peer = cc.max_connections_per_peer;
  control = std::make_unique<net::ControlServer>(loop, appliance::control_handler(controller.get()),
                                                 options);
  Status st;
  if (!cc.listen.empty()) st = control->listen_tcp(cc.listen);
  if (st.ok() && !cc.socket_path.empty()) {
    st = control->listen_unix(cc.socket_path);
    if (!st.ok()) st = Status::error("control.socket_path: " + st.message());
  }
  if (!st.ok()) control->close();
  return st;
}

Monitor::Monitor(uv_loop_t* loop, Config config) : impl_(std::make_unique<Impl>()) {
  impl_->loop = loop;
  impl_->config = std::move(config);
  if (impl_->config.hostname.empty()) {
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    impl_->config.hostname = host;
  }
  impl_->pipeline = std::make_unique<metrics::Pipeline>(loop, &impl_->elements, impl_->config);
}

Monitor::~Monitor() { stop(); }

Status Monitor::start() {
  if (impl_->started) return Status::error("start: the monitor is already started");
  if (impl_->stop_state->stopping) return Status::error("start: the monitor was stopped");
  Status st = impl_->start_parts(this);
  if (!st.ok()) {
    stop();  // Whatever did start stops, in reverse order, behind the stop barrier.
    return st;
  }
  impl_->started = true;
  VIGIL_LOG(kLog, info, "vigil started on host %s", impl_->config.hostname.c_str());
  return Status();
}

// Starts the parts in order: logging, the pipeline, memtrace, control. Stops at the first
// error; the caller stops what was started.
Status Monitor::Impl::start_parts(Monitor* self) {
  // A client that goes away while a port writes to it must not kill the host process: with
  // SIGPIPE at its default, ignore it (a host that handles SIGPIPE keeps its handler).
  struct sigaction pipe_action {};
  if (sigaction(SIGPIPE, nullptr, &pipe_action) == 0 && pipe_action.sa_handler == SIG_DFL) {
    signal(SIGPIPE, SIG_IGN);
  }
  const LoggingConfig& lc = config.logging;
  logging::set_format(lc.format == "json" ? logging::Format::json : logging::Format::text);
  for (const std::string& spec_text : {lc.level, lc.levels}) {
    if (spec_text.empty()) continue;
    auto spec = logging::parse_level_spec(spec_text);
    if (!spec.ok()) return Status::error("logging: " + spec.status().message());
    if (Status st = logging::apply(*spec); !st.ok())
      return Status::error("logging: " + st.message());
  }
  // The influx-tcp, influx-udp and influx-http kinds, before the pipeline builds outputs.
  metrics::register_influx_outputs();
  if (Status st = pipeline->start(); !st.ok()) return st;
  pipeline_started = true;
  if (Status st = start_memtrace(); !st.ok()) return st;
  if (Status st = start_control(self); !st.ok()) return st;
  // The commands are counted by the controller, the connections and the transport's own
  // error replies ("command too long") by the server.
  control::ControlStats* cs = &controller->stats();
  net::ServerStats* ss = &control->stats();
  pipeline->add_counter("control_commands_ok", [cs] { return cs->commands_ok.load(); });
  pipeline->add_counter("control_commands_error",
                        [cs, ss] { return cs->commands_error.load() + ss->errors.load(); });
  pipeline->add_counter("control_denied", [ss] { return ss->denied_peers.load(); });
  pipeline->add_counter("control_over_limit", [ss] { return ss->over_limit.load(); });
  http = std::make_unique<HttpEndpoints>(loop, config, pipeline.get(), &elements, memtrace.get());
  if (Status st = http->start(); !st.ok()) return st;
  return Status();
}

void Monitor::stop(std::function<void()> done) {
  StopState& state = *impl_->stop_state;
  if (done) {
    if (state.stopped) {
      run_soon(impl_->loop, std::move(done));
    } else {
      state.waiters.push_back(std::move(done));
    }
  }
  if (state.stopping) return;
  state.stopping = true;
  if (impl_->started) VIGIL_LOG(kLog, info, "stopping");
  if (impl_->http) impl_->http->stop();  // first: it may hold the sampling session
  auto barrier = std::make_shared<StopBarrier>();
  barrier->state = impl_->stop_state;
  // Each part is asked to stop with its own callback from expect(barrier), in reverse order
  // of start: control, memtrace, the pipeline.
  if (impl_->control) impl_->control->close(expect(barrier));
  if (impl_->memtrace) impl_->memtrace->stop(expect(barrier));
  // Outputs get up to 5 s to send what is queued (docs/control-protocol.md §5.2).
  if (impl_->pipeline_started) impl_->pipeline->shutdown(std::chrono::seconds(5), expect(barrier));
  if (barrier->pending == 1 && !state.waiters.empty()) {
    // Nothing was running: `done` still runs from the loop, never inside stop().
    run_soon(impl_->loop, [barrier] { barrier->release(); });
  } else {
    barrier->release();
  }
}

void Monitor::add_source(std::unique_ptr<metrics::Source> source) {
  impl_->pipeline->add_source(std::move(source));
}

void Monitor::set_shutdown_handler(std::function<void()> handler) {
  impl_->shutdown_handler = std::move(handler);
}

void Monitor::request_shutdown() {
  if (impl_->shutdown_handler) {
    impl_->shutdown_handler();
  } else {
    stop();
  }
}

const Config& Monitor::config() const { return impl_->config; }
metrics::Registry& Monitor::elements() { return impl_->elements; }
int Monitor::control_port() const { return impl_->control ? impl_->control->tcp_port() : 0; }
int Monitor::memtrace_port() const { return impl_->memtrace ? impl_->memtrace->port() : 0; }
int Monitor::http_port() const { return impl_->http ? impl_->http->port() : 0; }

}  // namespace vigil
