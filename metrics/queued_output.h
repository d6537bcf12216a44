// What the Influx outputs (TCP, UDP, HTTP) share: the queue, retries with backoff, the
// element states, and shutdown. A transport subclass only sends a batch and closes itself.
// Thread: loop only.
//
// Sending (never two sends at once):
//   - flush() asks to send everything queued now; write() also starts a send when a full
//     batch is pending. After each successful send the next batch follows until the queue
//     is empty (or less than a batch is left and no flush is pending).
//   - A failed send keeps its batch and retries after Backoff (1 s, doubling, up to 60 s,
//     with jitter). A rejected batch is dropped and counted; sending goes on.
//   - The first failure of an outage is logged once (source `metrics.push`); the recovery
//     is logged too; the retries in between are not.
// States: paused keeps queuing and sends nothing new; resume sends the backlog; stop
// drains for up to 5 s, closes the transport and drops (counting) what is left; later
// writes are dropped and counted. shutdown(deadline, done) does the same with its
// deadline and calls `done` once every handle is closed.
//
// Lifetime: "loop" must outlive this object. REQUIRES: destroy only after shutdown() has
// called `done`, or before the output ever sent (the loop may still hold its requests).
#pragma once

#include <uv.h>

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/timer.h"
#include "logging/log.h"
#include "metrics/backoff.h"
#include "metrics/output.h"
#include "metrics/output_queue.h"

namespace vigil::metrics {

// The log source of every push output: "metrics.push".
logging::Source& push_log();

class QueuedOutput : public Output {
 public:
  // The bounds come from `config` (buffer_limit, batch_size); `seed` seeds the jitter.
  QueuedOutput(uv_loop_t* loop, std::string plugin, const OutputConfig& config, uint64_t seed);
  ~QueuedOutput() override;

  void write(std::span<const Point> points) final;
  void flush() final;
  void shutdown(Nanos deadline, std::function<void()> done) final;
  OutputStats stats() const final;

  // How long stop() drains before it gives up.
  static constexpr Nanos kStopDrain = std::chrono::seconds(5);

 protected:
  enum class Verdict {
    delivered,  // The whole rest of the batch arrived.
    retry,      // The rest failed for a reason that may pass; keep it.
    reject,     // The receiver refused the rest as bad data; drop and count it.
    lost,       // The rest failed and cannot be retried (a closed stdout): drop and count
                // it, and count a send error.
  };

  // Sends `lines` (the batch, oldest first). The transport must call send_done() exactly
  // once per call, on the loop; it may do so before send_batch returns.
  virtual void send_batch(std::span<const std::string> lines) = 0;
  // Closes every handle. Any send in progress must be settled with send_done() before
  // `closed` is called. Called once.
  virtual void close_transport(std::function<void()> closed) = 0;
  // False for a line the transport can never carry (dropped and counted at write()).
  virtual bool can_carry(std::string_view line) const { return !line.empty(); }

  // Settles the current send: the first `delivered` lines arrived, the rest get `rest`.
  // `error` says what failed ("connect 127.0.0.1:8094: ECONNREFUSED", "HTTP 404: ...").
  void send_done(size_t delivered, Verdict rest, std::string_view error);
  uv_loop_t* loop() const { return loop_; }
  // For log lines: "output/influx/main (udp://127.0.0.1:8089)".
  const std::string& label() const { return label_; }

  // Timestamps are written in units of `unit_ns` nanoseconds (1 unless set: the http
  // output's `precision=`). A point's time is cut down to the unit before encoding.
  void set_time_unit(int64_t unit_ns);

  void on_resume() final { flush(); }
  void on_stop() final;

 private:
  void pump();
  void begin_drain(Nanos deadline, std::function<void()> done);
  void end_drain();
  void closed_one();
  void note_failure(std::string_view error);
  // Arms a one-shot timer; a failure is logged (it would leave the output stuck).
  void start_timer(Timer& timer, Nanos delay);
  // `p`, or a copy in scaled_ with its time in the output's unit.
  const Point& in_time_unit(const Point& p);

  uv_loop_t* loop_;
  std::string label_;
  size_t batch_size_;
  OutputQueue queue_;
  Backoff backoff_;
  Timer retry_timer_;
  Timer deadline_timer_;
  bool flush_wanted_ = false;  // A flush asked for everything queued to go.
  bool sending_ = false;       // A batch is with the transport.
  bool draining_ = false;      // stop() or shutdown() is draining.
  bool closing_ = false;       // Handles are closing; nothing more is sent.
  bool closed_ = false;        // Every handle is closed.
  int open_handles_ = 0;       // Closes still to come back while closing.
  bool outage_ = false;        // A failure was logged and no send succeeded since.
  std::string last_reject_;    // The last rejection message logged.
  uint64_t send_errors_ = 0;
  int64_t last_error_ns_ = 0;
  uint64_t unencodable_ = 0;  // Points with no valid field (counted in dropped too).
  uint64_t uncarriable_ = 0;  // Lines the transport cannot carry (counted in dropped too).
  std::vector<std::function<void()>> done_;
  int64_t time_unit_ns_ = 1;
  Point scaled_;
};

}  // namespace vigil::metrics
