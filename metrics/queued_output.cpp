#include "metrics/queued_output.h"

#include <cassert>
#include <chrono>
#include <utility>

#include "metrics/influx.h"
#include "metrics/output_kinds.h"

namespace vigil::metrics {
namespace {

int64_t wall_ns() {
  return std::chrono::duration_cast<Nanos>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

logging::Source& push_log() {
  static logging::Source source{"metrics.push"};
  return source;
}

QueuedOutput::QueuedOutput(uv_loop_t* loop, std::string plugin, const OutputConfig& config,
                           uint64_t seed)
    : Output(std::move(plugin),
             config.name.empty() ? std::string(kDefaultOutputName) : config.name),
      loop_(loop),
      batch_size_(config.batch_size == 0 ? 1 : config.batch_size),
      queue_(config.buffer_limit, batch_size_),
      backoff_(seed),
      retry_timer_(loop, [this] { pump(); }),
      deadline_timer_(loop, [this] { end_drain(); }) {
  label_ = config.url.empty() ? full_name() : full_name() + " (" + config.url + ")";
}

QueuedOutput::~QueuedOutput() = default;

void QueuedOutput::set_time_unit(int64_t unit_ns) { time_unit_ns_ = unit_ns > 0 ? unit_ns : 1; }

const Point& QueuedOutput::in_time_unit(const Point& p) {
  if (time_unit_ns_ == 1) return p;
  scaled_ = p;  // Reuses scaled_'s storage: no allocation once it has grown.
  // Rounds down, also before 1970, as InfluxDB does when it truncates to a unit.
  int64_t q = p.time_ns / time_unit_ns_;
  if (p.time_ns % time_unit_ns_ < 0) --q;
  scaled_.time_ns = q;
  return scaled_;
}

void QueuedOutput::write(std::span<const Point> points) {
  std::string line;
  for (const Point& p : points) {
    if (state() == State::stopped) {
      queue_.drop_unqueued(1);
      continue;
    }
    line.clear();
    if (!encode_point(in_time_unit(p), &line)) {
      // No valid field left: nothing can be sent for this point.
      if (unencodable_++ == 0) {
        VIGIL_LOG(push_log(), warning, "%s: dropping point '%s' with no valid field",
                  label_.c_str(), p.measurement.c_str());
      }
      queue_.drop_unqueued(1);
    } else if (!can_carry(line)) {
      if (uncarriable_++ == 0) {
        VIGIL_LOG(push_log(), warning,
                  "%s: dropping a '%s' line of %zu bytes, too long for the transport "
                  "(further ones are counted, not logged)",
                  label_.c_str(), p.measurement.c_str(), line.size());
      }
      queue_.drop_unqueued(1);
    } else {
      queue_.push(line);
    }
  }
  if (queue_.pending() >= batch_size_) pump();
}

void QueuedOutput::flush() {
  flush_wanted_ = true;
  pump();
}

void QueuedOutput::pump() {
  if (sending_ || closing_ || retry_timer_.active()) return;
  if (state() == State::paused) return;
  if (state() == State::stopped && !draining_) return;
  if (queue_.pending() == 0) {
    flush_wanted_ = false;
    if (draining_) end_drain();
    return;
  }
  if (!flush_wanted_ && !draining_ && queue_.pending() < batch_size_) return;
  sending_ = true;
  send_batch(queue_.take_batch());
}

void QueuedOutput::send_done(size_t delivered, Verdict rest, std::string_view error) {
  sending_ = false;
  queue_.sent(delivered);
  if (!queue_.in_flight()) rest = Verdict::delivered;
  switch (rest) {
    case Verdict::delivered:
      if (outage_) {
        VIGIL_LOG(push_log(), info, "%s: sending again after %d failed attempts", label_.c_str(),
                  backoff_.attempt());
      }
      outage_ = false;
      backoff_.reset();
      break;
    case Verdict::retry:
      queue_.retry();
      note_failure(error);
      if (!closing_) start_timer(retry_timer_, backoff_.next());
      return;
    case Verdict::lost:
      ++send_errors_;
      last_error_ns_ = wall_ns();
      [[fallthrough]];
    case Verdict::reject: {
      size_t n = queue_.batch().size();
      queue_.reject();
      // The data, not the link, is at fault: log each distinct message once.
      if (error != last_reject_) {
        last_reject_ = std::string(error);
        VIGIL_LOG(push_log(), warning, "%s: receiver rejected %zu points, dropped: %s",
                  label_.c_str(), n, last_reject_.c_str());
      }
      break;
    }
  }
  if (delivered > 0 && draining_ && !closing_) {
    VIGIL_LOG(push_log(), debug, "%s: drained %zu points", label_.c_str(), delivered);
  }
  pump();
}

void QueuedOutput::note_failure(std::string_view error) {
  ++send_errors_;
  last_error_ns_ = wall_ns();
  if (outage_ || closing_) return;
  outage_ = true;
  VIGIL_LOG(push_log(), warning, "%s: send failed: %.*s; retrying with backoff (%llu queued)",
            label_.c_str(), static_cast<int>(error.size()), error.data(),
            static_cast<unsigned long long>(queue_.queued()));
}

void QueuedOutput::start_timer(Timer& timer, Nanos delay) {
  if (Status st = timer.start(timer_ms(delay)); !st.ok()) {
    VIGIL_LOG(push_log(), error, "%s: %s", label_.c_str(), st.message().c_str());
  }
}

void QueuedOutput::on_stop() { begin_drain(kStopDrain, nullptr); }

void QueuedOutput::shutdown(Nanos deadline, std::function<void()> done) {
  if (closed_) {
    if (done) done();
    return;
  }
  if (state() != State::stopped) {
    // Through Element::stop() so the state reads `stopped`; on_stop() drains for 5 s.
    stop();
  }
  begin_drain(deadline, std::move(done));
}

void QueuedOutput::begin_drain(Nanos deadline, std::function<void()> done) {
  if (done) done_.push_back(std::move(done));
  if (closing_) return;
  // A second drain (shutdown during stop) may only shorten the wait.
  if (!draining_ || deadline < kStopDrain) {
    start_timer(deadline_timer_, deadline);
  }
  draining_ = true;
  // Retry now rather than after the remaining backoff: the deadline bounds the wait.
  retry_timer_.stop();
  flush_wanted_ = true;
  pump();
}

void QueuedOutput::end_drain() {
  if (closing_) return;
  closing_ = true;
  open_handles_ = 3;
  retry_timer_.close([this] { closed_one(); });
  deadline_timer_.close([this] { closed_one(); });
  close_transport([this] { closed_one(); });
}

void QueuedOutput::closed_one() {
  if (--open_handles_ > 0) return;
  // Transports settle their send before reporting closed (close_transport's contract).
  assert(!sending_ && !queue_.in_flight());
  closed_ = true;
  uint64_t left = queue_.pending();
  queue_.drop_pending();
  if (left > 0) {
    VIGIL_LOG(push_log(), warning, "%s: stopped with %llu points undelivered (dropped)",
              label_.c_str(), static_cast<unsigned long long>(left));
  }
  std::vector<std::function<void()>> done = std::move(done_);
  for (auto& d : done) d();
}

OutputStats QueuedOutput::stats() const {
  OutputStats s;
  s.produced = queue_.produced();
  s.sent = queue_.sent_count();
  s.dropped = queue_.dropped();
  s.queued = queue_.queued();
  s.send_errors = send_errors_;
  s.last_error_ns = last_error_ns_;
  return s;
}

}  // namespace vigil::metrics
