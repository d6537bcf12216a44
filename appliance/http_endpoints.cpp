#include "appliance/http_endpoints.h"

#include <utility>
#include <vector>

#include "appliance/pprof_endpoint.h"
#include "metrics/prometheus.h"

namespace vigil {
namespace {

http::ServerOptions server_options(const HttpConfig& c) {
  http::ServerOptions o;
  o.allow = c.allow;
  o.max_connections = c.max_connections;
  o.max_per_peer = c.max_connections_per_peer;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(c.idle_timeout).count();
  o.idle_timeout_ms = ms < 1 ? 1 : static_cast<uint64_t>(ms);
  return o;
}

}  // namespace

HttpEndpoints::HttpEndpoints(uv_loop_t* loop, const Config& config, metrics::Pipeline* pipeline,
                             const metrics::Registry* registry, MemtracePort* memtrace)
    : config_(config),
      pipeline_(pipeline),
      registry_(registry),
      server_(loop, server_options(config.http)),
      pprof_(std::make_unique<PprofEndpoint>(loop, memtrace)) {
  server_.route("/metrics", [this](const http::Request& r, std::shared_ptr<http::Exchange> x) {
    serve_metrics(r, std::move(x));
  });
  for (const char* path : {"/debug/pprof/heap", "/debug/pprof/allocs"}) {
    server_.route(path, [this](const http::Request& r, std::shared_ptr<http::Exchange> x) {
      pprof_->serve(r, std::move(x), server_.port());
    });
  }
}

HttpEndpoints::~HttpEndpoints() { stop(); }

Status HttpEndpoints::start() {
  if (config_.http.listen.empty()) return Status();
  return server_.listen(config_.http.listen);
}

void HttpEndpoints::stop() {
  pprof_->stop();
  server_.close();
}

void HttpEndpoints::serve_metrics(const http::Request&, std::shared_ptr<http::Exchange> exchange) {
  std::vector<metrics::ExposedSource> sources;
  for (metrics::Source* s : pipeline_->sources()) {
    if (registry_->enabled(*s)) sources.push_back({s->last_points(), &s->fields()});
  }
  http::Response r;
  r.content_type = std::string(metrics::kPrometheusContentType);
  r.body = metrics::to_prometheus(sources);
  exchange->reply(std::move(r));
}

}  // namespace vigil
