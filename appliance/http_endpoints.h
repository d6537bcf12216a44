// The HTTP port of a Monitor: an http::Server serving
//   /metrics             the last poll of every enabled source, Prometheus text 0.0.4
//                        (metrics/prometheus.h); a scrape never polls;
//   /debug/pprof/heap    a heap profile of the next N seconds (pprof_endpoint.h);
//   /debug/pprof/allocs  the same, alloc_space by default.
// Thread: loop only.
#pragma once

#include <uv.h>

#include <memory>

#include "common/config.h"
#include "common/status.h"
#include "http/server.h"
#include "metrics/pipeline.h"
#include "metrics/registry.h"

namespace vigil {

class MemtracePort;
class PprofEndpoint;

class HttpEndpoints {
 public:
  // Every pointer must outlive this object; `memtrace` is null in builds without memprof.
  HttpEndpoints(uv_loop_t* loop, const Config& config, metrics::Pipeline* pipeline,
                const metrics::Registry* registry, MemtracePort* memtrace);
  ~HttpEndpoints();

  // Listens on config.http.listen; does nothing when it is empty.
  Status start();
  // Closes the port, every connection and a profile in progress. Idempotent.
  void stop();
  int port() const { return server_.port(); }

 private:
  void serve_metrics(const http::Request& request, std::shared_ptr<http::Exchange> exchange);

  const Config& config_;
  metrics::Pipeline* pipeline_;
  const metrics::Registry* registry_;
  http::Server server_;
  std::unique_ptr<PprofEndpoint> pprof_;
};

}  // namespace vigil
