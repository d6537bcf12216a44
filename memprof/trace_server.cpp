#include "memprof/trace_server.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "logging/log.h"
#include "memprof/hook.h"
#include "memprof/libdw_api.h"
#include "memprof/trace_encoder.h"

namespace vigil::memprof {
namespace {

logging::Source kLog{"memprof"};

constexpr uint64_t kDrainMs = 20;           // ring drain period while tracing
constexpr uint64_t kFlushMs = 1000;         // the open packet is sent at least this often
constexpr int kMaxRecordsPerDrain = 16384;  // keeps one timer tick short
// The kernel's send buffer for a trace client. Bounded so that memtrace.max_queue_bytes,
// counted in user space, is what decides when a slow client starts losing samples: with
// Linux's autotuning the kernel alone could hold megabytes. 256 KiB still streams several
// MB/s over a 100 ms round trip.
constexpr int kSendBufferBytes = 256 * 1024;

std::atomic<uint64_t> g_sessions{0}, g_refused{0}, g_samples{0}, g_collects{0}, g_queue_dropped{0},
    g_bytes{0}, g_free_lost{0};

uint64_t now_us() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("/proc/self/exe");
}

void add(std::atomic<uint64_t>& c, uint64_t n) { c.fetch_add(n, std::memory_order_relaxed); }

// The TraceServer that listens in this process, if any (loop thread only).
const TraceServer* g_listening = nullptr;
int g_listening_port = 0;

// Counts the handles that stop() is closing; the last close callback runs `done`.
struct ClosePending {
  int count = 1;  // The extra 1 is released once stop() has closed everything.
  std::function<void()> done;
  void release() {
    if (--count == 0 && done) done();
  }
};

// Closes the handle of `owner`, deletes the owner from the close callback (UvHandle allows
// it there) and then releases `pending`. The callback's std::function holds a pointer and a
// shared_ptr, more than libstdc++ stores inline: it is allocated here, so the caller holds a
// HookQuiet (stop() does).
void close_counted(std::unique_ptr<UvHandle> owner, const std::shared_ptr<ClosePending>& pending) {
  ++pending->count;
  UvHandle* h = owner.release();
  h->close([h, pending] {
    delete h;
    pending->release();
  });
}

}  // namespace

TraceCounters trace_counters() {
  HookStats h = hook_stats();
  TraceCounters c;
  c.sessions = g_sessions.load(std::memory_order_relaxed);
  c.refused = g_refused.load(std::memory_order_relaxed);
  c.samples = g_samples.load(std::memory_order_relaxed);
  c.collects = g_collects.load(std::memory_order_relaxed);
  c.dropped_ring = h.ring_drops;
  c.dropped_backlog = g_queue_dropped.load(std::memory_order_relaxed);
  c.dropped = c.dropped_ring + c.dropped_backlog;
  c.untracked = h.untracked;
  c.bytes_queued = g_bytes.load(std::memory_order_relaxed);
  c.free_lost = g_free_lost.load(std::memory_order_relaxed);
  return c;
}

// One connected client. It owns itself: it is deleted in the close callback of `tcp`, after
// the callbacks of its pending writes (which libuv runs first, with UV_ECANCELED). It is
// made (and `tcp`'s memory with it) only under a HookQuiet.
struct TraceServer::Session : trace::PacketSink {
  UvHandle tcp;                   // unused by a local session
  TraceServer* server = nullptr;  // null once the session is detached from the server
  std::unique_ptr<TraceEncoder> encoder;
  std::string peer;
  trace::PacketSink* local = nullptr;            // set: an in-process session, `tcp` unused
  std::function<void(std::string)> local_ended;  // told when it ends without end_local()
  uint64_t id = 0;                               // admission id
  EncoderCounters reported;                      // encoder counters already added to the globals
  uint64_t ring_drops_at_start = 0;
  uint64_t free_drops_at_start = 0;
  bool warned_drops = false;
  bool write_failed = false;              // a uv_write was refused; the timer ends the session
  std::shared_ptr<ClosePending> closing;  // set by stop(): released once the socket is freed
  char read_buf[64];

  void on_packet(std::span<const uint8_t> packet) override;
  // Closes the socket; the session is deleted from its close callback. The callback
  // captures only `this`, which std::function stores inline: nothing is allocated.
  void close() {
    tcp.close([this] {
      std::shared_ptr<ClosePending> pending = std::move(closing);
      delete this;
      if (pending) pending->release();
    });
  }
  static void on_write(uv_write_t* req, int status) noexcept;
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t*) noexcept;
  static void on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
    auto* self = static_cast<Session*>(h->data);
    *buf = self == nullptr ? uv_buf_init(nullptr, 0)
                           : uv_buf_init(self->read_buf, sizeof self->read_buf);
  }
};

namespace {

// A write owns its bytes and is freed in its callback.
struct WriteReq {
  uv_write_t req{};
  std::unique_ptr<uint8_t[]> bytes;
};

}  // namespace

void TraceServer::Session::on_packet(std::span<const uint8_t> packet) {
  if (local != nullptr) {
    local->on_packet(packet);
    add(g_bytes, packet.size());
    return;
  }
  auto* w = new WriteReq;
  w->bytes.reset(new uint8_t[packet.size()]);
  memcpy(w->bytes.get(), packet.data(), packet.size());
  w->req.data = this;
  uv_buf_t buf =
      uv_buf_init(reinterpret_cast<char*>(w->bytes.get()), static_cast<unsigned>(packet.size()));
  int rc = uv_write(&w->req, tcp.stream(), &buf, 1, on_write);
  if (rc != 0) {
    delete w;
    // Ending the session here would destroy the encoder that is calling us; the timer
    // ends it on its next tick.
    write_failed = true;
    VIGIL_LOG(kLog, warning, "write to %s: %s", peer.c_str(), uv_err_name(rc));
    return;
  }
  add(g_bytes, packet.size());
}

void TraceServer::Session::on_write(uv_write_t* req, int status) noexcept {
  HookQuiet quiet;
  std::unique_ptr<WriteReq> w(reinterpret_cast<WriteReq*>(req));
  auto* self = static_cast<Session*>(req->data);
  if (status < 0 && status != UV_ECANCELED && self->server != nullptr) {
    VIGIL_LOG(kLog, warning, "write to %s: %s", self->peer.c_str(), uv_err_name(status));
    self->server->end_session("write failed", false);
  }
}

void TraceServer::Session::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t*) noexcept {
  HookQuiet quiet;
  auto* self = static_cast<Session*>(s->data);
  if (nread == 0 || self == nullptr || self->server == nullptr) return;
  if (nread > 0) {
    self->server->end_session("client sent data", true);
  } else if (nread == UV_EOF) {
    self->server->end_session("client closed its side", true);
  } else {
    self->server->end_session(uv_err_name(static_cast<int>(nread)), false);
  }
}

TraceServer::TraceServer(uv_loop_t* loop, MemtraceConfig config, std::string hostname)
    : loop_(loop),
      config_(std::move(config)),
      hostname_(std::move(hostname)),
      admission_(1, config_.max_connections_per_peer) {}

TraceServer::~TraceServer() { stop(); }

Status TraceServer::start() {
  if (listener_ != nullptr || timer_ != nullptr) return Status();
  HookQuiet quiet;  // the handles' memory is the server's own, even if a session samples
  // The timer drains the ring of any session, local ones included.
  timer_ = std::make_unique<UvHandle>();
  if (Status st = timer_->init_timer(loop_, this); !st.ok()) {
    timer_.reset();
    return Status::error("memtrace: " + st.message());
  }
  if (config_.listen.empty()) return Status();
  Result<Address> addr = parse_address(config_.listen);
  if (!addr.ok()) return Status::error("memtrace.listen: " + addr.status().message());
  if (g_listening != nullptr) {
    return Status::error("memtrace.listen " + config_.listen +
                         ": this process already has a memtrace port (port " +
                         std::to_string(g_listening_port) +
                         "); the sampling ring is process-wide, so there is one per process");
  }
  Result<int> port = listen_on(*addr);
  if (!port.ok()) {
    listener_.reset();  // closes it; freed from its close callback
    return port.status();
  }
  port_ = *port;
  g_listening = this;
  g_listening_port = port_;
  return Status();
}

// Makes the listener, binds and listens. Returns the bound port.
Result<int> TraceServer::listen_on(const Address& addr) {
  listener_ = std::make_unique<UvHandle>();
  if (Status st = listener_->init_tcp(loop_, this); !st.ok()) {
    return Status::error("listen " + config_.listen + ": " + st.message());
  }
  int rc = uv_tcp_bind(listener_->tcp(), addr.sa(), 0);
  if (rc == 0) rc = uv_listen(listener_->stream(), 16, on_connection);
  if (rc != 0) return Status::error("listen " + config_.listen + ": " + uv_err_name(rc));
  sockaddr_storage ss{};
  int len = sizeof ss;
  rc = uv_tcp_getsockname(listener_->tcp(), reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0) {
    return Status::error("listen " + config_.listen + ": " + uv_error("getsockname", rc));
  }
  int port = Address{ss}.port();
  VIGIL_LOG(kLog, info, "memtrace listening on %s (port %d)",
            format_address(reinterpret_cast<const sockaddr*>(&ss)).c_str(), port);
  return port;
}

void TraceServer::stop(std::function<void()> closed) {
  HookQuiet quiet;
  auto pending = std::make_shared<ClosePending>();
  pending->done = std::move(closed);
  if (session_ != nullptr) {
    ++pending->count;
    session_->closing = pending;
    end_session("stopping", false);
  }
  if (timer_ != nullptr) close_counted(std::move(timer_), pending);
  if (listener_ != nullptr) close_counted(std::move(listener_), pending);
  if (g_listening == this) g_listening = nullptr;
  port_ = 0;
  pending->release();
}

bool TraceServer::tracing() const { return session_ != nullptr; }

// Every loop callback of the server holds a HookQuiet: its allocations (the symbolizer's
// libdw and libelf, the encoder's caches, the write buffers) are vigil's own trace work and
// stay out of the trace.
void TraceServer::on_connection(uv_stream_t* server, int status) noexcept {
  HookQuiet quiet;
  auto* self = static_cast<TraceServer*>(server->data);
  if (self == nullptr) return;
  if (status < 0) {
    VIGIL_LOG(kLog, warning, "accept on memtrace port: %s", uv_err_name(status));
    return;
  }
  self->accept_client();
}

void TraceServer::accept_client() {
  auto* s = new Session;  // under on_connection's HookQuiet, as is every allocation here
  if (Status st = s->tcp.init_tcp(loop_, s); !st.ok()) {
    VIGIL_LOG(kLog, warning, "accept on memtrace port: %s", st.message().c_str());
    delete s;
    return;
  }
  if (int rc = uv_accept(listener_->stream(), s->tcp.stream()); rc != 0) {
    VIGIL_LOG(kLog, warning, "accept on memtrace port: %s", uv_err_name(rc));
    s->close();
    return;
  }
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (int rc = uv_tcp_getpeername(s->tcp.tcp(), reinterpret_cast<sockaddr*>(&ss), &len); rc != 0) {
    // The client is gone already (ENOTCONN): closed at once, counted as refused.
    add(g_refused, 1);
    VIGIL_LOG(kLog, info, "memtrace client closed: getpeername: %s", uv_err_name(rc));
    s->close();
    return;
  }
  s->peer = format_address(reinterpret_cast<const sockaddr*>(&ss));
  const char* refusal = nullptr;
  std::string key = peer_key(reinterpret_cast<const sockaddr*>(&ss));
  Admission::Verdict verdict = admission_.decide(key).verdict;
  bool denied = !cidr_allows(config_.allow, reinterpret_cast<const sockaddr*>(&ss));
  if (denied) {
    refusal = "not in memtrace.allow";
  } else if (verdict == Admission::Verdict::refuse_peer) {
    refusal = "memtrace.max_connections_per_peer reached";
  } else if (session_ != nullptr || verdict != Admission::Verdict::admit) {
    refusal = "a trace is already running";
  }
  if (refusal != nullptr) {
    add(g_refused, 1);
    // A peer outside the allow-list gets one line per minute, so a scan cannot flood the log.
    uint64_t unlogged = 0;
    if (!denied) {
      VIGIL_LOG(kLog, info, "memtrace client %s closed: %s", s->peer.c_str(), refusal);
    } else if (deny_log_.should_log(peer_host(s->peer), uv_now(loop_), &unlogged)) {
      VIGIL_LOG(kLog, info, "memtrace client %s closed: %s (%llu more from it since its last line)",
                s->peer.c_str(), refusal, static_cast<unsigned long long>(unlogged));
    }
    s->close();
    return;
  }
  if (!begin_session(s)) return;
  admission_.add(s->id = ++next_id_, key);
  admission_.mark(s->id, false);  // a trace session is never silent
  int sndbuf = kSendBufferBytes;
  if (int rc = uv_send_buffer_size(s->tcp.handle(), &sndbuf); rc != 0) {
    // The kernel's autotuned buffer stays: the trace is still valid, and a slow client
    // starts losing samples later than max_queue_bytes says.
    VIGIL_LOG(kLog, warning, "memtrace client %s: setting the send buffer: %s", s->peer.c_str(),
              uv_err_name(rc));
  }
  if (int rc = uv_read_start(s->tcp.stream(), Session::on_alloc, Session::on_read); rc != 0) {
    end_session(uv_error("uv_read_start", rc).c_str(), false);
  }
}

bool TraceServer::begin_local(trace::PacketSink* sink, std::string who,
                              std::function<void(std::string)> ended) {
  HookQuiet quiet;  // the session's own buffers stay out of the profile it feeds
  if (session_ != nullptr || timer_ == nullptr) return false;
  auto* s = new Session;
  s->local = sink;
  s->local_ended = std::move(ended);
  s->peer = std::move(who);
  if (!begin_session(s)) return false;
  admission_.add(s->id = ++next_id_, "local");
  admission_.mark(s->id, false);
  return true;
}

void TraceServer::end_local(bool graceful) {
  if (session_ != nullptr && session_->local != nullptr) {
    session_->local_ended = nullptr;  // the taker knows
    end_session(graceful ? "window over" : "taker gone", graceful);
  }
}

std::string TraceServer::busy_with() const {
  if (session_ == nullptr) return {};
  if (session_->local != nullptr) return session_->peer;
  return "memtrace port " + std::to_string(port_) + " (client " + session_->peer + ")";
}

size_t TraceServer::queued(Session* s) const {
  if (s->local != nullptr) return 0;
  return uv_stream_get_write_queue_size(s->tcp.stream());
}

// Starts sampling for `s`. On failure `s` is closed (or deleted) and false returned.
bool TraceServer::begin_session(Session* s) {
  if (!symbolizer_) {
    symbolizer_ = std::make_unique<Symbolizer>();
    if (libdw() == nullptr) {
      VIGIL_LOG(kLog, warning, "memtrace: %s; frames are named by module and offset",
                libdw_error().c_str());
    }
  }
  trace::TraceInfo info;
  info.sample_rate = config_.sampling_rate;
  info.word_size = 64;
  info.executable_name = self_exe();
  info.host_name = hostname_;
  info.pid = static_cast<uint64_t>(getpid());
  info.start_time_us = now_us();
  Result<uint32_t> hook_session = hook_start(config_.sampling_rate, config_.seed);
  std::string failure = hook_session.ok() ? std::string() : hook_session.status().message();
  if (failure.empty()) {
    if (int rc = uv_timer_start(timer_->timer(), on_timer, kDrainMs, kDrainMs); rc != 0) {
      hook_stop();  // without the drain timer the ring would only fill
      drain();      // discards what was sampled meanwhile (no session)
      failure = uv_error("cannot start the drain timer: uv_timer_start", rc);
    }
  }
  if (!failure.empty()) {
    add(g_refused, 1);
    VIGIL_LOG(kLog, error, "memtrace client %s closed: %s", s->peer.c_str(), failure.c_str());
    if (s->local != nullptr) {
      delete s;
    } else {
      s->close();
    }
    return false;
  }
  s->server = this;
  HookStats at_start = hook_stats();
  s->ring_drops_at_start = at_start.ring_drops;
  s->free_drops_at_start = at_start.free_drops;
  session_ = s;
  // The constructor sends the info packet: alone, first.
  s->encoder = std::make_unique<TraceEncoder>(*s, *symbolizer_, info, *hook_session);
  last_flush_ms_ = uv_now(loop_);
  add(g_sessions, 1);
  VIGIL_LOG(kLog, info, "memtrace: tracing to %s at rate %g", s->peer.c_str(),
            config_.sampling_rate);
  return true;
}

// Stops sampling and detaches the client. Graceful: what the ring still holds is written,
// the last packet is flushed and the socket shut down after the queued writes; otherwise
// the socket is closed at once. A client that is backlogged is never waited for.
void TraceServer::end_session(const char* reason, bool graceful) {
  Session* s = session_;
  if (s == nullptr) return;
  hook_stop();
  HookQuiet quiet;  // also when called from outside the server's callbacks (end_local)
  admission_.remove(s->id);
  bool backlogged = queued(s) > config_.max_queue_bytes;
  graceful = graceful && !backlogged;
  if (graceful) {
    drain();
    s->encoder->flush();
  }
  session_ = nullptr;
  drain();  // what is left belongs to no session now: discarded
  if (int rc = uv_timer_stop(timer_->timer()); rc != 0) {
    // Cannot fail (libuv returns 0); if it did, the timer would drain an empty ring.
    VIGIL_LOG(kLog, warning, "memtrace: stopping the drain timer: %s", uv_err_name(rc));
  }
  s->server = nullptr;
  const EncoderCounters& c = s->encoder->counters();
  uint64_t ring = hook_stats().ring_drops - s->ring_drops_at_start;
  VIGIL_LOG(kLog, info,
            "memtrace: tracing to %s stopped (%s): %llu samples, %llu collects, "
            "%llu dropped (backlog %llu, ring full %llu)",
            s->peer.c_str(), reason, static_cast<unsigned long long>(c.allocs),
            static_cast<unsigned long long>(c.collects),
            static_cast<unsigned long long>(c.dropped + ring),
            static_cast<unsigned long long>(c.dropped), static_cast<unsigned long long>(ring));
  s->encoder.reset();
  if (s->local != nullptr) {
    std::function<void(std::string)> ended = std::move(s->local_ended);
    delete s;
    if (ended) ended(reason);
    return;
  }
  // uv_read_stop fails only for a handle that is not a stream; then close at once.
  if (uv_read_stop(s->tcp.stream()) != 0) graceful = false;
  if (graceful) {
    auto* req = new uv_shutdown_t;
    req->data = s;
    int rc = uv_shutdown(req, s->tcp.stream(), [](uv_shutdown_t* r, int) noexcept {
      HookQuiet shutdown_quiet;
      static_cast<Session*>(r->data)->close();
      delete r;
    });
    if (rc == 0) return;
    delete req;  // ENOTCONN: the client is gone; closing is all that is left
  }
  s->close();
}

void TraceServer::on_timer(uv_timer_t* timer) noexcept {
  HookQuiet quiet;
  auto* self = static_cast<TraceServer*>(timer->data);
  if (self == nullptr) return;
  self->drain();
  if (Session* s = self->session_;
      s != nullptr && hook_stats().free_drops != s->free_drops_at_start) {
    // The ring had no room even for a free: past this point the trace would show that
    // block live forever. End it here (gracefully: what was recorded is sent, so the trace
    // is valid and ends now), logged and counted.
    add(g_free_lost, 1);
    self->end_session("a free record was dropped (ring full); the trace would show a leak", true);
    return;
  }
  self->flush_due();
  if (self->session_ != nullptr && self->session_->write_failed) {
    self->end_session("write failed", false);
  }
}

void TraceServer::drain() {
  Session* s = session_;
  SampleRecord r;
  for (int i = 0; i < kMaxRecordsPerDrain && hook_pop(&r); ++i) {
    if (s == nullptr) continue;
    bool backlogged = queued(s) > config_.max_queue_bytes;
    s->encoder->add(r, backlogged);
  }
  if (s == nullptr || session_ != s) return;
  const EncoderCounters& c = s->encoder->counters();
  add(g_samples, c.allocs - s->reported.allocs);
  add(g_collects, c.collects - s->reported.collects);
  add(g_queue_dropped, c.dropped - s->reported.dropped);
  s->reported = c;
  uint64_t ring = hook_stats().ring_drops - s->ring_drops_at_start;
  if (!s->warned_drops && (c.dropped != 0 || ring != 0)) {
    s->warned_drops = true;
    VIGIL_LOG(kLog, warning,
              "memtrace: dropping samples for %s (client backlogged or ring full); "
              "the trace stays valid",
              s->peer.c_str());
  }
}

void TraceServer::flush_due() {
  if (session_ == nullptr) return;
  uint64_t now = uv_now(loop_);
  if (now - last_flush_ms_ < kFlushMs) return;
  last_flush_ms_ = now;
  if (queued(session_) > config_.max_queue_bytes) {
    return;  // backlogged: the open packet waits, bounded at 32 KiB
  }
  session_->encoder->flush();
}

}  // namespace vigil::memprof
