#include "metrics/stdout_output.h"

#include <unistd.h>

#include <cerrno>
#include <utility>

#include "logging/log.h"
#include "metrics/influx.h"
#include "metrics/source.h"

namespace vigil::metrics {
namespace {

logging::Source kLog{"metrics.stdout"};

}  // namespace

struct StdoutOutput::WriteReq {
  uv_write_t req;
  std::string data;
  size_t points;
};

StdoutOutput::StdoutOutput(uv_loop_t* loop, const OutputConfig& config, int fd)
    : Output("stdout", config.name.empty() ? "main" : config.name),
      loop_(loop),
      fd_(fd),
      buffer_limit_(config.buffer_limit == 0 ? 1 : config.buffer_limit),
      batch_size_(config.batch_size == 0 ? 1 : config.batch_size) {
  open_stream();
}

StdoutOutput::~StdoutOutput() {
  if (stream_ != nullptr) {
    // Pending write callbacks see a null owner and only free their request.
    stream_->data = nullptr;
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(stream_))) {
      uv_close(reinterpret_cast<uv_handle_t*>(stream_), on_close);
    }
  } else if (fd_ > 2 && !closed_) {
    close(fd_);
  }
}

void StdoutOutput::open_stream() {
  uv_handle_type type = uv_guess_handle(fd_);
  int rc = 0;
  if (type == UV_TTY) {
    auto* tty = new uv_tty_t;
    rc = uv_tty_init(loop_, tty, fd_, 0);
    if (rc != 0)
      delete tty;
    else
      stream_ = reinterpret_cast<uv_stream_t*>(tty);
  } else if (type == UV_NAMED_PIPE) {
    auto* pipe = new uv_pipe_t;
    uv_pipe_init(loop_, pipe, 0);
    rc = uv_pipe_open(pipe, fd_);
    stream_ = reinterpret_cast<uv_stream_t*>(pipe);
    if (rc != 0) {
      // The handle is initialised, so it must be closed, not deleted.
      pipe->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(pipe), on_close);
      stream_ = nullptr;
    }
  }
  if (rc != 0) {
    VIGIL_LOG(kLog, warning, "stdout: cannot use fd %d as a stream (%s); writing plainly", fd_,
              uv_err_name(rc));
  }
  if (stream_ != nullptr) stream_->data = this;
}

void StdoutOutput::write(std::span<const Point> points) {
  stats_.produced += points.size();
  if (shutting_down_ || finished_ || state() == State::stopped) {
    stats_.dropped += points.size();
    return;
  }
  for (const Point& p : points) {
    if (queue_.size() >= buffer_limit_) {
      queue_.pop_front();
      ++stats_.dropped;
    }
    queue_.push_back(p);
  }
  if (queue_.size() >= batch_size_) flush();
}

void StdoutOutput::flush() {
  if (finished_ || in_flight_ > 0 || queue_.empty()) return;
  if (state() == State::paused && !shutting_down_) return;
  size_t n = queue_.size() < batch_size_ ? queue_.size() : batch_size_;
  auto* w = new WriteReq;
  EncodeCounters skipped;
  for (size_t i = 0; i < n; ++i) encode_point(queue_[i], &w->data, &skipped);
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  stats_.dropped += skipped.points_skipped;
  w->points = n - skipped.points_skipped;
  in_flight_ = w->points;
  if (w->points == 0) {
    delete w;
    maybe_finish();
    return;
  }
  if (stream_ != nullptr) {
    uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    w->req.data = w;
    int rc = uv_write(&w->req, stream_, &buf, 1, on_write);
    if (rc == 0) return;
    size_t points = w->points;
    delete w;
    batch_done(points, rc);
    return;
  }
  // Plain mode: a regular file or device; write(2) does not wait for a reader here.
  size_t off = 0;
  int status = 0;
  while (off < w->data.size()) {
    ssize_t k = ::write(fd_, w->data.data() + off, w->data.size() - off);
    if (k >= 0) {
      off += static_cast<size_t>(k);
    } else if (errno != EINTR) {
      status = uv_translate_sys_error(errno);
      break;
    }
  }
  size_t points = w->points;
  delete w;
  batch_done(points, status);
}

void StdoutOutput::on_write(uv_write_t* req, int status) noexcept {
  auto* w = static_cast<WriteReq*>(req->data);
  auto* self = static_cast<StdoutOutput*>(req->handle->data);
  size_t points = w->points;
  delete w;
  if (self != nullptr) self->batch_done(points, status);
}

void StdoutOutput::batch_done(size_t points, int status) {
  in_flight_ = 0;
  if (status == 0) {
    stats_.sent += points;
  } else {
    stats_.dropped += points;
    record_error("write", status);
  }
  if (finished_) return;
  if (shutting_down_ || queue_.size() >= batch_size_) flush();
  maybe_finish();
}

void StdoutOutput::record_error(const char* what, int status) {
  ++stats_.send_errors;
  stats_.last_error_ns = realtime_ns();
  if (!error_logged_) {
    VIGIL_LOG(kLog, error, "%s: %s fd %d: %s; dropping what cannot be written", full_name().c_str(),
              what, fd_, uv_err_name(status));
    error_logged_ = true;
  }
}

void StdoutOutput::shutdown(Nanos deadline, std::function<void()> done) {
  if (done) done_.push_back(std::move(done));
  if (closed_) {
    auto callbacks = std::move(done_);
    for (auto& cb : callbacks) cb();
    return;
  }
  if (shutting_down_) return;
  shutting_down_ = true;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline).count();
  deadline_ = std::make_unique<Timer>(loop_, [this] { finish(); });
  deadline_->start(ms > 0 ? static_cast<uint64_t>(ms) : 0, 0);
  flush();
  maybe_finish();
}

void StdoutOutput::maybe_finish() {
  if (shutting_down_ && !finished_ && queue_.empty() && in_flight_ == 0) finish();
}

void StdoutOutput::finish() {
  if (finished_) return;
  finished_ = true;
  stats_.dropped += queue_.size();
  queue_.clear();
  // Stopped, not destroyed: finish() may run inside the deadline timer's own callback.
  if (deadline_) deadline_->stop();
  if (state() != State::stopped) stop();
  if (stream_ != nullptr) {
    // A pending write is cancelled: its callback counts the batch as dropped first.
    uv_close(reinterpret_cast<uv_handle_t*>(stream_), on_close);
    return;
  }
  if (fd_ > 2) close(fd_);
  closed_ = true;
  auto callbacks = std::move(done_);
  for (auto& cb : callbacks) cb();
}

void StdoutOutput::on_close(uv_handle_t* handle) noexcept {
  auto* self = static_cast<StdoutOutput*>(handle->data);
  if (handle->type == UV_TTY) {
    delete reinterpret_cast<uv_tty_t*>(handle);
  } else {
    delete reinterpret_cast<uv_pipe_t*>(handle);
  }
  if (self == nullptr) return;
  self->stream_ = nullptr;
  self->closed_ = true;
  auto callbacks = std::move(self->done_);
  for (auto& cb : callbacks) cb();
}

OutputStats StdoutOutput::stats() const {
  OutputStats s = stats_;
  s.queued = queue_.size() + in_flight_;
  return s;
}

}  // namespace vigil::metrics
