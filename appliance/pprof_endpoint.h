// /debug/pprof/heap and /debug/pprof/allocs: a heap profile on demand, Go style.
// Thread: loop only.
//
// GET /debug/pprof/heap?seconds=N (N from 1 to 300, default 30) starts a sampling session
// of the memtrace sampler (appliance/memtrace_port.h), as a port-4242 client does, for N seconds;
// the trace it produces is read by trace::TraceReader into a trace::TraceModel, and the answer is
// trace::encode_pprof() of that model, gzipped: the same code as `vigil-trace pprof`.
// /debug/pprof/heap shows inuse_space by default, /debug/pprof/allocs alloc_space.
// Answers: 200 with the profile; 400 for a bad N; 409 while a session runs (on either
// port), naming who holds it; 404 in programs without the allocator hook (vigil-memprof). A client
// that goes away during the window ends the session at once.
#pragma once

#include <uv.h>

#include <memory>

#include "http/server.h"

namespace vigil {

class MemtracePort;

class PprofEndpoint {
 public:
  // "*loop" and "*memtrace" (null without the hook) must outlive this object.
  PprofEndpoint(uv_loop_t* loop, MemtracePort* memtrace);
  ~PprofEndpoint();

  // `port` is the HTTP port, named in the busy message.
  void serve(const http::Request& request, std::shared_ptr<http::Exchange> exchange, int port);
  // Ends a profile in progress (its client gets nothing more). Idempotent.
  void stop();

  struct Job;

 private:
  void finish(bool graceful);
  // The session ended without us (see MemtracePort::begin_local): the client gets a 503.
  void ended(const std::string& reason);

  uv_loop_t* loop_;
  MemtracePort* memtrace_;
  std::unique_ptr<Job> job_;
};

}  // namespace vigil
