#include "appliance/monitor.h"

#include <unistd.h>

#include <memory>
#include <utility>

#include "appliance/control_handler.h"
#include "control/controller.h"
#include "logging/log.h"
#include "metrics/influx_outputs.h"
#include "metrics/pipeline.h"
#include "net/control_server.h"
#ifdef VIGIL_HAVE_MEMPROF
#include "memprof/trace_server.h"
#endif

namespace vigil {
namespace {

logging::Source kLog{"appliance"};

// Counts the parts still stopping; the last one to finish runs `done`. Shared by the
// callbacks, so it outlives the Monitor if the loop runs after the Monitor is gone.
struct StopBarrier {
  int pending = 1;  // The extra 1 is released once every part has been asked to stop.
  std::function<void()> done;
};

// A callback for one part to call when it has stopped.
std::function<void()> expect(const std::shared_ptr<StopBarrier>& barrier) {
  ++barrier->pending;
  return [barrier] {
    if (--barrier->pending == 0 && barrier->done) barrier->done();
  };
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
  bool stopping = false;
#ifdef VIGIL_HAVE_MEMPROF
  std::unique_ptr<memprof::TraceServer> memtrace;  // the memtrace port (memprof builds only)
#endif
  // The control plane. The controller outlives the server that calls it.
  std::unique_ptr<control::Controller> controller;
  std::unique_ptr<net::ControlServer> control;

  Status start_control(Monitor* self);
};

Status Monitor::Impl::start_control(Monitor* self) {
  const ControlConfig& cc = config.control;
  controller =
      std::make_unique<control::Controller>(&elements, [self] { self->request_shutdown(); });
  net::ServerOptions options;
  options.max_connections = cc.max_connections;
  options.allow = cc.allow;
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
  const LoggingConfig& lc = impl_->config.logging;
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
  if (Status st = impl_->pipeline->start(); !st.ok()) return st;
  impl_->pipeline_started = true;
#ifdef VIGIL_HAVE_MEMPROF
  impl_->memtrace = std::make_unique<memprof::TraceServer>(impl_->loop, impl_->config.memtrace,
                                                           impl_->config.hostname);
  if (Status st = impl_->memtrace->start(); !st.ok()) {
    impl_->memtrace.reset();
    return st;
  }
  impl_->pipeline->add_counter("trace_samples", [] { return memprof::trace_counters().samples; });
  impl_->pipeline->add_counter("trace_drops", [] { return memprof::trace_counters().dropped; });
#endif
  if (Status st = impl_->start_control(this); !st.ok()) return st;
  // The commands are counted by the controller, the connections and the transport's own
  // error replies ("command too long") by the server.
  control::ControlStats* cs = &impl_->controller->stats();
  net::ServerStats* ss = &impl_->control->stats();
  impl_->pipeline->add_counter("control_commands_ok", [cs] { return cs->commands_ok.load(); });
  impl_->pipeline->add_counter("control_commands_error",
                               [cs, ss] { return cs->commands_error.load() + ss->errors.load(); });
  impl_->pipeline->add_counter("control_denied", [ss] { return ss->denied_peers.load(); });
  impl_->pipeline->add_counter("control_over_limit", [ss] { return ss->over_limit.load(); });
  impl_->started = true;
  VIGIL_LOG(kLog, info, "vigil started on host %s", impl_->config.hostname.c_str());
  return Status();
}

void Monitor::stop(std::function<void()> done) {
  if (impl_->stopping) return;
  impl_->stopping = true;
  if (impl_->started) VIGIL_LOG(kLog, info, "stopping");
#ifdef VIGIL_HAVE_MEMPROF
  if (impl_->memtrace) impl_->memtrace->stop();  // synchronous: handles close on the loop
#endif
  auto barrier = std::make_shared<StopBarrier>();
  barrier->done = std::move(done);
  // Each part is asked to stop with its own callback from expect(barrier); parts stop in
  // reverse order of creation.
  if (impl_->control) impl_->control->close(expect(barrier));
  // Outputs get up to 5 s to send what is queued (docs/control-protocol.md §5.2).
  if (impl_->pipeline_started) impl_->pipeline->shutdown(std::chrono::seconds(5), expect(barrier));
  if (--barrier->pending == 0 && barrier->done) barrier->done();
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
int Monitor::memtrace_port() const {
#ifdef VIGIL_HAVE_MEMPROF
  if (impl_->memtrace) return impl_->memtrace->port();
#endif
  return 0;
}

}  // namespace vigil
