// output/stdout/main: the line protocol on standard output (or any descriptor).
// Thread: loop only.
//
// How it writes, by what the descriptor is (uv_guess_handle):
//   - a terminal: a uv_tty_t (libuv reopens the tty, so the shared file stays blocking);
//   - a pipe or Unix socket: a uv_pipe_t, so a slow reader never blocks the loop (libuv
//     makes the descriptor non-blocking);
//   - anything else (a regular file, /dev/null): plain write(2) on the loop, which does not
//     wait for a reader. A write error drops that batch.
// One batch (at most batch_size points) is in flight at a time. A write error drops the
// batch, counts it and logs once; there is no retry, because stdout does not come back.
// Points the encoder skips (NaN-only, empty measurement) count as dropped.
// Descriptors above 2 are owned and closed by the output; 0..2 are never closed.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "metrics/output.h"
#include "metrics/timer.h"

namespace vigil::metrics {

class StdoutOutput : public Output {
 public:
  // "*loop" must outlive this object and the loop run that follows its destruction.
  StdoutOutput(uv_loop_t* loop, const OutputConfig& config, int fd = 1);
  ~StdoutOutput() override;

  void write(std::span<const Point> points) override;
  void flush() override;
  void shutdown(Nanos deadline, std::function<void()> done) override;
  OutputStats stats() const override;

 protected:
  void on_resume() override { flush(); }
  void on_stop() override { shutdown(std::chrono::seconds(5), {}); }

 private:
  struct WriteReq;
  static void on_write(uv_write_t* req, int status) noexcept;
  static void on_close(uv_handle_t* handle) noexcept;

  void open_stream();
  void batch_done(size_t points, int status);
  void record_error(const char* what, int status);
  void maybe_finish();
  void finish();

  uv_loop_t* loop_;
  int fd_;
  size_t buffer_limit_;
  size_t batch_size_;
  uv_stream_t* stream_ = nullptr;  // Null in plain-write mode or once closed.
  std::deque<Point> queue_;
  size_t in_flight_ = 0;  // Points of the batch being written.
  OutputStats stats_;
  bool error_logged_ = false;
  bool shutting_down_ = false;
  bool finished_ = false;  // Queue dropped, stream closing or closed.
  bool closed_ = false;    // Every handle closed; done callbacks ran.
  std::unique_ptr<Timer> deadline_;
  std::vector<std::function<void()>> done_;
};

}  // namespace vigil::metrics
