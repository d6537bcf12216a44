#include "appliance/monitor.h"

#include <unistd.h>

#include <utility>

#include "logging/log.h"
#include "net/control.h"
#include "net/control_server.h"

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
[[maybe_unused]] std::function<void()> expect(const std::shared_ptr<StopBarrier>& barrier) {
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
  std::function<void()> shutdown_handler;
  bool started = false;
  bool stopping = false;
  // The control plane. The controller outlives the server that calls it.
  std::unique_ptr<net::Controller> controller;
  std::unique_ptr<net::ControlServer> control;

  Status start_control(Monitor* self);
};

Status Monitor::Impl::start_control(Monitor* self) {
  const ControlConfig& cc = config.control;
  controller = std::make_unique<net::Controller>(&elements, [self] { self->request_shutdown(); });
  net::ServerOptions options;
  options.max_connections = cc.max_connections;
  options.allow = cc.allow;
  control = std::make_unique<net::ControlServer>(loop, controller.get(), options);
  Status st;
  if (!cc.listen.empty()) st = control->listen_tcp(cc.listen);
  if (st.ok() && !cc.socket_path.empty()) st = control->listen_unix(cc.socket_path);
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
  if (Status st = impl_->start_control(this); !st.ok()) return st;
  impl_->started = true;
  VIGIL_LOG(kLog, info, "vigil started on host %s", impl_->config.hostname.c_str());
  return Status();
}

void Monitor::stop(std::function<void()> done) {
  if (impl_->stopping) return;
  impl_->stopping = true;
  if (impl_->started) VIGIL_LOG(kLog, info, "stopping");
  auto barrier = std::make_shared<StopBarrier>();
  barrier->done = std::move(done);
  // Each part is asked to stop with its own callback from expect(barrier); parts stop in
  // reverse order of creation, e.g. control->stop(expect(barrier)).
  if (impl_->control) impl_->control->close(expect(barrier));
  if (--barrier->pending == 0 && barrier->done) barrier->done();
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
int Monitor::memtrace_port() const { return 0; }

}  // namespace vigil
