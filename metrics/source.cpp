#include "metrics/source.h"

#include <time.h>

#include <algorithm>
#include <utility>

namespace vigil::metrics {
logging::Source& source_log() {
  static logging::Source source{"metrics.source"};
  return source;
}

int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

Source::Source(std::string plugin, std::string name, std::vector<std::string> tag_keys,
               Nanos period)
    : Element(Kind::source, std::move(plugin), std::move(name), std::move(tag_keys)),
      period_(period) {}

Source::~Source() = default;

void Source::start(SourceContext context) {
  ctx_ = std::move(context);
  if (!ctx_.clock) ctx_.clock = realtime_ns;
  if (period_ <= Nanos{0}) period_ = ctx_.default_period;
  if (period_ <= Nanos{0}) period_ = std::chrono::seconds(10);
  timer_ = std::make_unique<Timer>(ctx_.loop, [this] { on_timer(); });
  last_poll_ms_ = uv_now(ctx_.loop);
  if (state() == State::running) arm(timer_ms(period_));
}

void Source::set_period(Nanos period) {
  period_ = period;
  if (timer_ == nullptr || state() != State::running) return;
  uint64_t now = uv_now(ctx_.loop);
  uint64_t due = last_poll_ms_ + timer_ms(period_);
  arm(due > now ? due - now : 0);
}

void Source::trigger_now() {
  if (timer_ == nullptr) return;
  run_poll();
}

void Source::on_pause() {
  if (timer_) timer_->stop();
}

void Source::on_resume() {
  if (timer_) arm(timer_ms(period_));
}

void Source::arm(uint64_t first_ms) {
  if (Status st = timer_->start(first_ms, timer_ms(period_)); !st.ok()) {
    VIGIL_LOG(source_log(), error, "%s: no polls: %s", full_name().c_str(), st.message().c_str());
  }
}

void Source::on_stop() {
  if (timer_) timer_->stop();
}

void Source::on_timer() {
  last_poll_ms_ = uv_now(ctx_.loop);
  run_poll();
}

void Source::run_poll() {
  if (ctx_.registry != nullptr && !ctx_.registry->enabled(*this)) return;
  if (ctx_.registry == nullptr && state() != State::running) return;
  int64_t now = ctx_.clock();
  buffer_.clear();
  poll(now, &buffer_);
  ++polls_;
  for (Point& p : buffer_) {
    p.time_ns = now;
    if (!ctx_.host.empty()) p.tags.push_back({"host", ctx_.host});
  }
  if (!buffer_.empty() && ctx_.sink) ctx_.sink(buffer_);
  last_.swap(buffer_);
}

}  // namespace vigil::metrics
