#include "appliance/pprof_endpoint.h"

#include <zlib.h>

#include <charconv>
#include <string>
#include <utility>

#include "logging/log.h"
#ifdef VIGIL_HAVE_MEMPROF
#include "memprof/trace_server.h"
#include "trace/pprof_writer.h"
#include "trace/trace_model.h"
#include "trace/trace_reader.h"
#endif

namespace vigil {
namespace {

logging::Source kLog{"http"};

constexpr int kDefaultSeconds = 30;
constexpr int kMaxSeconds = 300;

// N of "seconds=N", or 0 when it is not an integer from 1 to kMaxSeconds.
[[maybe_unused]] int window_seconds(const std::string& query) {
  std::string text = http::query_param(query, "seconds", std::to_string(kDefaultSeconds));
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > kMaxSeconds) return 0;
  return n;
}

[[maybe_unused]] std::string gzip(const std::string& data) {
  z_stream z{};
  // windowBits 15 + 16: the gzip wrapper, as pprof files have.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

}  // namespace

#ifdef VIGIL_HAVE_MEMPROF
// One profile being taken: the in-process sink of the session, the window's timer and the
// client's exchange.
struct PprofEndpoint::Job : trace::PacketSink {
  trace::TraceReader reader;
  trace::TraceModel model{reader};
  Status status;
  std::string default_sample;
  std::shared_ptr<http::Exchange> exchange;
  uv_timer_t* timer = nullptr;

  Job() { reader.start(); }
  ~Job() override {
    if (timer == nullptr) return;
    uv_close(reinterpret_cast<uv_handle_t*>(timer),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }
  void on_packet(std::span<const uint8_t> packet) override {
    if (status.ok()) status = reader.feed(packet, model);
  }
};
#else
struct PprofEndpoint::Job {};
#endif

PprofEndpoint::PprofEndpoint(uv_loop_t* loop, memprof::TraceServer* memtrace)
    : loop_(loop), memtrace_(memtrace) {}

PprofEndpoint::~PprofEndpoint() { stop(); }

void PprofEndpoint::stop() {
  if (job_) finish(false);
}

void PprofEndpoint::serve(const http::Request& request, std::shared_ptr<http::Exchange> exchange,
                          int port) {
#ifndef VIGIL_HAVE_MEMPROF
  (void)loop_;
  (void)memtrace_;
  (void)port;
  (void)request;
  exchange->reply(
      http::text_response(404,
                          "heap profiles are not available: this vigil was built without memprof "
                          "(allocator=system or sanitizers)"));
#else
  int seconds = window_seconds(request.query);
  if (seconds == 0) {
    exchange->reply(http::text_response(
        400, "seconds must be an integer from 1 to " + std::to_string(kMaxSeconds)));
    return;
  }
  if (memtrace_ == nullptr) {
    exchange->reply(http::text_response(503, "the memtrace sampler is not running"));
    return;
  }
  std::string busy = memtrace_->busy_with();
  if (!busy.empty()) {
    exchange->reply(http::text_response(409, "busy: a profile is being taken by " + busy));
    return;
  }
  auto job = std::make_unique<Job>();
  job->default_sample = request.path == "/debug/pprof/allocs" ? "alloc_space" : "inuse_space";
  std::string who = "HTTP port " + std::to_string(port) + " (client " + request.peer + ")";
  if (!memtrace_->begin_local(job.get(), who)) {
    exchange->reply(http::text_response(503, "cannot start sampling (see vigil's log)"));
    return;
  }
  job->timer = new uv_timer_t;
  if (uv_timer_init(loop_, job->timer) != 0) {
    delete job->timer;
    job->timer = nullptr;
    memtrace_->end_local(false);
    exchange->reply(http::text_response(500, "cannot start the profile's timer"));
    return;
  }
  job->timer->data = this;
  if (uv_timer_start(
          job->timer, [](uv_timer_t* t) { static_cast<PprofEndpoint*>(t->data)->finish(true); },
          static_cast<uint64_t>(seconds) * 1000, 0) != 0) {
    memtrace_->end_local(false);
    exchange->reply(http::text_response(500, "cannot start the profile's timer"));
    return;
  }
  exchange->on_abort([this] { finish(false); });
  job->exchange = std::move(exchange);
  job_ = std::move(job);
  VIGIL_LOG(kLog, info, "profile for %s: %d s", request.peer.c_str(), seconds);
#endif
}

void PprofEndpoint::finish(bool graceful) {
#ifdef VIGIL_HAVE_MEMPROF
  std::unique_ptr<Job> job = std::move(job_);
  if (!job) return;
  memtrace_->end_local(graceful);  // a graceful end feeds the last packets to the job
  if (!graceful) return;
  Status st = job->status;
  if (st.ok()) st = job->reader.finish();
  if (!st.ok()) {
    job->exchange->reply(http::text_response(500, "profile: " + st.message()));
    return;
  }
  http::Response r;
  r.content_type = "application/octet-stream";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"profile.pb.gz\"");
  r.body = gzip(trace::encode_pprof(job->model, job->default_sample));
  job->exchange->reply(std::move(r));
#else
  (void)graceful;
  job_.reset();
#endif
}

}  // namespace vigil
