// TraceServer: the memtrace port. One client at a time receives a live format-v2 trace of
// the process's sampled allocations, as mirage-monitoring's port 4242 does.
// Thread: loop only (counters(): any thread).
//
// On connect from an allowed peer (memtrace.allow) while no one is tracing: sampling starts
// (hook_start), the info packet is sent alone, then location, alloc (External) and collect
// events. A timer drains the hook's ring every 20 ms and flushes the open packet at least
// every second; packets are at most 32 KiB (TraceWriter).
// A second client while one is tracing, a refused peer, or a client that reset before it
// was accepted (no peer address left), is closed at once with no data, counted as refused.
// Tracing stops when the client sends anything or half-closes (the last packet is then
// flushed and the socket shut down cleanly, so the client holds a complete trace), when it
// disconnects, or when a write fails. The process carries on, and allocation goes back to
// the tracing-off cost.
// A slow client never blocks an allocating thread: while the socket's write queue holds
// more than memtrace.max_queue_bytes, new samples are dropped and counted, and the trace
// stays valid. Drops are logged (source "memprof") and exposed by trace_counters().
// One memtrace port per process: the hook's ring and counters are process-wide, so a second
// TraceServer that starts while one listens gets an error, not a second drain of the ring.
// The HTTP port's profiles use the same session through begin_local(): one session at a
// time, whoever asks; while one runs, a port-4242 client is closed at once and
// begin_local() says who is busy. Connections are admitted by common/admission.h (the
// session is the one connection there is room for, never silent; a peer holds at most
// memtrace.max_connections_per_peer).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/address.h"
#include "common/admission.h"
#include "common/config.h"
#include "common/peer_log_limit.h"
#include "common/status.h"
#include "common/uv_handle.h"
#include "memprof/symbolize.h"
#include "trace/trace_writer.h"

namespace vigil::memprof {

// Process-wide totals since start, for the self/pipeline metrics source.
struct TraceCounters {
  uint64_t sessions = 0;         // clients that got a trace
  uint64_t refused = 0;          // clients closed at once (busy, not allowed, or gone already)
  uint64_t samples = 0;          // alloc events written
  uint64_t collects = 0;         // collect events written
  uint64_t dropped = 0;          // samples dropped: dropped_ring + dropped_backlog
  uint64_t dropped_ring = 0;     // the hook's ring was full (the loop was behind)
  uint64_t dropped_backlog = 0;  // the client's write queue was over max_queue_bytes
  uint64_t untracked = 0;        // sampled blocks outside the arena (never collected)
  uint64_t bytes_queued = 0;     // trace bytes handed to the socket
  uint64_t free_lost = 0;        // sessions ended because a free record found no room
};
TraceCounters trace_counters();

class TraceServer {
 public:
  // "*loop" must outlive this object. `hostname` goes into the trace info.
  TraceServer(uv_loop_t* loop, MemtraceConfig config, std::string hostname);
  // Stops what is still running. The loop must run afterwards for the handles to close.
  ~TraceServer();
  TraceServer(const TraceServer&) = delete;
  TraceServer& operator=(const TraceServer&) = delete;

  // Binds and listens on config.listen ("listen 0.0.0.0:4242: EADDRINUSE" on failure,
  // with no listener left open, only the drain timer that stop() closes; "memtrace.listen ...: this
  // process already has a memtrace port" while another TraceServer listens). An empty listen
  // address does nothing.
  Status start();
  // Closes the listener, the timer and the client (without flushing). Idempotent.
  // `closed`, if given, runs on the loop once the handles closed by this call are freed
  // (at once when there is none).
  void stop(std::function<void()> closed = {});

  // The bound port, or 0 when not listening.
  int port() const { return port_; }
  bool tracing() const;

  // Starts a session whose trace packets go to `sink`, in this process, instead of a
  // socket; `who` names the taker in log lines and busy_with(). Returns false, and changes
  // nothing, when a session runs already (or the sampling arena cannot be reserved:
  // busy_with() is then empty). "*sink" must outlive the session. `ended` runs, with the
  // reason, when the session ends without end_local() (a lost free, the server stopping).
  bool begin_local(trace::PacketSink* sink, std::string who,
                   std::function<void(std::string)> ended);
  // Ends the local session; graceful: what is sampled so far reaches the sink first.
  // Does nothing when the running session is not a local one.
  void end_local(bool graceful);
  // Who holds the session: "memtrace port 4242 (client 127.0.0.1:40000)" or the `who`
  // of begin_local(); empty when idle.
  std::string busy_with() const;

 private:
  struct Session;
  static void on_connection(uv_stream_t* server, int status) noexcept;
  static void on_timer(uv_timer_t* timer) noexcept;
  Result<int> listen_on(const Address& addr);
  void accept_client();
  bool begin_session(Session* s);
  size_t queued(Session* s) const;
  void end_session(const char* reason, bool graceful);
  void drain();
  void flush_due();

  uv_loop_t* loop_;
  MemtraceConfig config_;
  std::string hostname_;
  // Owners of the handles, created by start(). stop() hands each to its close callback,
  // which deletes it (close_counted in the .cpp).
  std::unique_ptr<UvHandle> listener_;
  std::unique_ptr<UvHandle> timer_;
  int port_ = 0;
  Session* session_ = nullptr;  // the tracing client; owns itself until its close callback
  std::unique_ptr<Symbolizer> symbolizer_;  // created at the first session, cache kept
  uint64_t last_flush_ms_ = 0;
  PeerLogLimit deny_log_;  // One line per refused peer per minute.
  Admission admission_;
  uint64_t next_id_ = 0;
};

}  // namespace vigil::memprof
