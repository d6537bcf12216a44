// output/stdout/main: the line protocol on standard output (or any descriptor). One more
// transport under QueuedOutput: the queue, the counters, the states and shutdown are that
// class's, as for the Influx outputs.
// Thread: loop only.
//
// How it writes, by what the descriptor is (uv_guess_handle):
//   - a terminal: a uv_tty_t (libuv reopens the tty, so the shared file stays blocking);
//   - a pipe or Unix socket: a uv_pipe_t, so a slow reader never blocks the loop (libuv
//     makes the descriptor non-blocking);
//   - anything else (a regular file, /dev/null): plain write(2) on the loop, which does not
//     wait for a reader.
// A failed write is not retried, because stdout does not come back: the batch is lost
// (Verdict::lost: dropped, counted, and counted as a send error; logged once).
// Descriptors above 2 are owned and closed by the output; 0..2 are never closed.
// Lifetime as QueuedOutput.
#pragma once

#include <uv.h>

#include <functional>
#include <span>
#include <string>

#include "common/config.h"
#include "common/uv_handle.h"
#include "metrics/queued_output.h"

namespace vigil::metrics {

class StdoutOutput final : public QueuedOutput {
 public:
  // "*loop" must outlive this object and the loop run that follows its destruction.
  StdoutOutput(uv_loop_t* loop, const OutputConfig& config, int fd = 1);
  ~StdoutOutput() override;

 private:
  void send_batch(std::span<const std::string> lines) override;
  void close_transport(std::function<void()> closed) override;

  static void on_write(uv_write_t* req, int status) noexcept;
  void open_stream();
  void write_done(int status);

  int fd_;           // -1 once the stream's handle owns and closes it.
  UvHandle stream_;  // A tty or pipe; not open in plain-write mode or once closing.
  struct WriteReq;
  WriteReq* pending_ = nullptr;  // The write in flight on stream_.
  std::string buffer_;           // Plain mode: the batch, reused from batch to batch.
  size_t lines_ = 0;             // Lines in the batch being written.
};

}  // namespace vigil::metrics
