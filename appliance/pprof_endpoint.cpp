#include "appliance/pprof_endpoint.h"

#include <zlib.h>

#include <charconv>
#include <string>
#include <utility>

#include "appliance/memtrace_port.h"
#include "common/timer.h"
#include "logging/log.h"
#include "trace/pprof_writer.h"
#include "trace/trace_model.h"
#include "trace/trace_reader.h"
#include "trace/trace_writer.h"

namespace vigil {
namespace {

logging::Source kLog{"http.pprof"};

constexpr int kDefaultSeconds = 30;
constexpr int kMaxSeconds = 300;

// N of "seconds=N", or 0 when it is not an integer from 1 to kMaxSeconds.
int window_seconds(const std::string& query) {
  std::string text = http::query_param(query, "seconds", std::to_string(kDefaultSeconds));
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > kMaxSeconds) return 0;
  return n;
}

std::string gzip(const std::string& data) {
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

// One profile being taken: the in-process sink of the session, the window's timer and the
// client's exchange.
struct PprofEndpoint::Job : trace::PacketSink {
  Job(uv_loop_t* loop, PprofEndpoint* endpoint)
      : timer(loop, [endpoint] { endpoint->finish(true); }) {
    reader.start();
  }
  void on_packet(std::span<const uint8_t> packet) override {
    if (status.ok()) status = reader.feed(packet, model);
  }

  trace::TraceReader reader;
  trace::TraceModel model{reader};
  Status status;
  std::string default_sample;
  std::shared_ptr<http::Exchange> exchange;
  Timer timer;  // The window's end.
};

PprofEndpoint::PprofEndpoint(uv_loop_t* loop, MemtracePort* memtrace)
    : loop_(loop), memtrace_(memtrace) {}

PprofEndpoint::~PprofEndpoint() { stop(); }

void PprofEndpoint::stop() {
  if (job_) finish(false);
}

void PprofEndpoint::serve(const http::Request& request, std::shared_ptr<http::Exchange> exchange,
                          int port) {
  if (memtrace_ == nullptr) {
    exchange->reply(http::text_response(
        404,
        "heap profiles are not available: this program does not link the allocator hook "
        "(vigil-memprof), or was built without it (allocator=system or sanitizers)"));
    return;
  }
  int seconds = window_seconds(request.query);
  if (seconds == 0) {
    exchange->reply(http::text_response(
        400, "seconds must be an integer from 1 to " + std::to_string(kMaxSeconds)));
    return;
  }
  std::string busy = memtrace_->busy_with();
  if (!busy.empty()) {
    exchange->reply(http::text_response(409, "busy: a profile is being taken by " + busy));
    return;
  }
  auto job = std::make_unique<Job>(loop_, this);
  job->default_sample = request.path == "/debug/pprof/allocs" ? "alloc_space" : "inuse_space";
  std::string who = "HTTP port " + std::to_string(port) + " (client " + request.peer + ")";
  if (!memtrace_->begin_local(job.get(), who, [this](std::string reason) { ended(reason); })) {
    exchange->reply(http::text_response(503, "cannot start sampling (see vigil's log)"));
    return;
  }
  if (Status st = job->timer.start(static_cast<uint64_t>(seconds) * 1000); !st.ok()) {
    memtrace_->end_local(false);
    exchange->reply(http::text_response(500, "profile window: " + st.message()));
    return;
  }
  exchange->on_abort([this] { finish(false); });
  job->exchange = std::move(exchange);
  job_ = std::move(job);
  VIGIL_LOG(kLog, info, "profile for %s: %d s", request.peer.c_str(), seconds);
}

void PprofEndpoint::ended(const std::string& reason) {
  std::unique_ptr<Job> job = std::move(job_);
  if (!job) return;
  VIGIL_LOG(kLog, warning, "profile: the sampling session ended early: %s", reason.c_str());
  job->exchange->reply(http::text_response(
      503, "the sampling session ended early: " + reason +
               " (a lower memtrace.sampling_rate keeps the sample ring from filling)"));
}

void PprofEndpoint::finish(bool graceful) {
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
}

}  // namespace vigil
