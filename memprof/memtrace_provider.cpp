// The opt-in half of the memtrace port: linking this file (the vigil-memprof library, with
// the allocator hook) registers a provider with appliance/memtrace_port.h before main(),
// so every Monitor of the program serves memtrace.listen with a memprof::TraceServer.
// Static linking must keep this object: the library is linked whole (meson's link_whole,
// or -Wl,--whole-archive), which the hook's malloc needs anyway.
#include <memory>
#include <string>
#include <utility>

#include "appliance/memtrace_port.h"
#include "memprof/trace_server.h"

namespace vigil::memprof {
namespace {

class Port : public MemtracePort {
 public:
  Port(uv_loop_t* loop, const MemtraceConfig& config, const std::string& hostname)
      : server_(loop, config, hostname) {}
  Status start() override { return server_.start(); }
  void stop(std::function<void()> closed) override { server_.stop(std::move(closed)); }
  int port() const override { return server_.port(); }
  bool begin_local(trace::PacketSink* sink, std::string who,
                   std::function<void(std::string)> ended) override {
    return server_.begin_local(sink, std::move(who), std::move(ended));
  }
  void end_local(bool graceful) override { server_.end_local(graceful); }
  std::string busy_with() const override { return server_.busy_with(); }

 private:
  TraceServer server_;
};

std::unique_ptr<MemtracePort> make_port(uv_loop_t* loop, const MemtraceConfig& config,
                                        const std::string& hostname) {
  return std::make_unique<Port>(loop, config, hostname);
}

const MemtraceProvider kProvider{
    &make_port,
    [] { return trace_counters().samples; },
    [] { return trace_counters().dropped; },
    [] { return trace_counters().free_lost; },
};

[[maybe_unused]] const bool kRegistered = (set_memtrace_provider(&kProvider), true);

}  // namespace
}  // namespace vigil::memprof
