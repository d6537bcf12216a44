// The memtrace port (and the sampler behind it) as the Monitor sees it. libvigil holds no allocator
// hook: the opt-in library vigil-memprof (memprof/memtrace_provider.cpp) registers a provider when
// it is loaded, and Monitor::start() asks it for the port. Without the provider the memtrace port
// is off and `memtrace.listen` is ignored (logged once at info). Thread: set_memtrace_provider()
// runs during static initialisation, before main(); the rest on the loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/config.h"
#include "common/status.h"

namespace vigil {

namespace trace {
class PacketSink;  // trace/trace_writer.h
}

class MemtracePort {
 public:
  virtual ~MemtracePort() = default;
  // Listens on config.listen; an error names the address ("listen 0.0.0.0:4242:
  // EADDRINUSE") and leaves nothing open except handles that are already closing.
  virtual Status start() = 0;
  // Closes the listener, the timer and any client. `closed` runs on the loop once every
  // handle of the port has been freed. Idempotent.
  virtual void stop(std::function<void()> closed) = 0;
  // The bound port, or 0 when not listening.
  virtual int port() const = 0;

  // An in-process session, for the HTTP port's heap profiles (appliance/pprof_endpoint.h):
  // the trace's packets go to `sink` instead of a socket. False when a session runs or
  // sampling cannot start. `who` names the taker in busy_with(). "*sink" must outlive the
  // session. `ended` runs, with the reason, if the session ends without end_local() (for
  // example when a lost free record ends it).
  virtual bool begin_local(trace::PacketSink* sink, std::string who,
                           std::function<void(std::string)> ended) = 0;
  // Ends the local session; when graceful, the last packets reach the sink first.
  virtual void end_local(bool graceful) = 0;
  // Who holds the one session of the process's sampler ("memtrace port 4242 (client
  // 127.0.0.1:5000)"), or empty.
  virtual std::string busy_with() const = 0;
};

struct MemtraceProvider {
  // "*loop" must outlive the port.
  std::unique_ptr<MemtracePort> (*make)(uv_loop_t* loop, const MemtraceConfig& config,
                                        const std::string& hostname);
  // Process-wide counters for source/self/pipeline: samples written, samples dropped,
  // sessions ended because a free record found no room in the ring.
  uint64_t (*samples)();
  uint64_t (*drops)();
  uint64_t (*free_lost)();
};

// Registers the provider (null: none). `provider` must live for the whole process.
void set_memtrace_provider(const MemtraceProvider* provider);
// The registered provider, or null when the program does not link vigil-memprof.
const MemtraceProvider* memtrace_provider();

}  // namespace vigil
