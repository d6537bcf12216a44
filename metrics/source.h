// A metrics source: an element of kind `source` that is polled on its own period.
// Thread: loop only (except where a subclass says otherwise, e.g. CounterSource values).
//
// A subclass implements poll(), appending points with measurement, tags and fields. The
// base class stamps every point with the poll time (ns since the epoch) and adds the tag
// `host`, then hands the points to the sink given to start() (the pipeline).
//
// Scheduling: after start(), a uv timer polls every period() (default: the `interval` of
// the config). The source is not polled while Registry::enabled(*this) is false: paused or
// stopped through `control`, or switched off with `M`. set_period() takes effect from the
// next poll: that poll is due one new period after the previous poll. trigger_now() polls at
// once when enabled. pause() stops the timer, resume() restarts it, stop() ends it for good.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/timer.h"
#include "logging/log.h"
#include "metrics/element.h"
#include "metrics/field_table.h"
#include "metrics/point.h"
#include "metrics/registry.h"

namespace vigil::metrics {

// The log source of every source's problems: "metrics.source".
logging::Source& source_log();

// Wall-clock time in ns since the epoch; replaceable in tests.
using Clock = std::function<int64_t()>;
int64_t realtime_ns();

// Receives the points of one poll. The span is valid during the call only.
using PointSink = std::function<void(std::span<const Point>)>;

struct SourceContext {
  uv_loop_t* loop = nullptr;
  const Registry* registry = nullptr;  // Decides enabled(); must outlive the source.
  std::string host;                    // Value of the `host` tag; empty: no tag.
  Nanos default_period{0};             // Used when the source has no period of its own.
  Clock clock;                         // Empty: realtime_ns.
  PointSink sink;
};

class Source : public Element {
 public:
  // `period` 0 means the context's default period.
  Source(std::string plugin, std::string name, std::vector<std::string> tag_keys = {},
         Nanos period = Nanos{0});
  ~Source() override;

  // Starts the timer. Call once, on the loop thread.
  void start(SourceContext context);
  bool started() const { return timer_ != nullptr; }
  // Closes the timer for good (the pipeline's shutdown): no more polls, not even
  // trigger_now(). REQUIRES: not called from inside this source's poll.
  void close() { timer_.reset(); }

  Nanos period() const { return period_; }
  // REQUIRES: period > 0.
  void set_period(Nanos period) override;
  void trigger_now() override;

  // How many polls ran (not counting the skipped ones while disabled).
  uint64_t polls() const { return polls_; }

  // The points of the last poll, stamped and tagged as they were pushed; kept until the
  // next poll. Empty before the first poll. /metrics reads them instead of polling.
  std::span<const Point> last_points() const { return last_; }
  // Counter or gauge, and help, per field (field_table.h).
  FieldTable& fields() { return fields_; }
  const FieldTable& fields() const { return fields_; }

 protected:
  // Appends this poll's points to `*out`. `now_ns` is the stamp the points will carry.
  // Must not throw; on a read failure, append nothing (and log once).
  virtual void poll(int64_t now_ns, std::vector<Point>* out) = 0;

  void on_pause() override;
  void on_resume() override;
  void on_stop() override;

 private:
  void on_timer();
  // Polls after `first_ms`, then every period.
  void arm(uint64_t first_ms);
  void run_poll();

  Nanos period_;
  SourceContext ctx_;
  std::unique_ptr<Timer> timer_;
  std::vector<Point> buffer_;  // Reused between polls.
  std::vector<Point> last_;    // The previous buffer_, swapped after each poll.
  FieldTable fields_;
  uint64_t last_poll_ms_ = 0;  // Loop time of the last poll, for set_period.
  uint64_t polls_ = 0;
};

}  // namespace vigil::metrics
