#include "metrics/stdout_output.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <utility>

namespace vigil::metrics {

// One request per batch: it owns the bytes, and lives until its callback, which may come
// after this object is gone (then `owner` is null).
struct StdoutOutput::WriteReq {
  uv_write_t req;
  std::string data;
  StdoutOutput* owner;
};

StdoutOutput::StdoutOutput(uv_loop_t* loop, const OutputConfig& config, int fd)
    : QueuedOutput(
          loop, "stdout", config,
          static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())),
      fd_(fd) {
  open_stream();
}

StdoutOutput::~StdoutOutput() {
  // Destroyed between close_transport() and its close callback: the callback must not
  // reach back into this object.
  if (closing_ != nullptr) closing_->data = nullptr;
  if (pending_ != nullptr) pending_->owner = nullptr;  // Its callback only frees it then.
  if (stream_ != nullptr) {
    // Never started closing: the output never sent (QueuedOutput's REQUIRES), so no
    // write is pending; the handle is freed in its close callback.
    stream_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(stream_), on_close);
  } else if (fd_ > 2) {
    ::close(fd_);
  }
}

void StdoutOutput::open_stream() {
  uv_handle_type type = uv_guess_handle(fd_);
  int rc = 0;
  if (type == UV_TTY) {
    auto* tty = new uv_tty_t;
    rc = uv_tty_init(loop(), tty, fd_, 0);
    if (rc != 0)
      delete tty;
    else
      stream_ = reinterpret_cast<uv_stream_t*>(tty);
  } else if (type == UV_NAMED_PIPE) {
    auto* pipe = new uv_pipe_t;
    rc = uv_pipe_init(loop(), pipe, 0);
    if (rc != 0) {
      delete pipe;
    } else if (rc = uv_pipe_open(pipe, fd_); rc != 0) {
      // The handle is initialised, so it must be closed, not deleted.
      pipe->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(pipe), on_close);
    } else {
      stream_ = reinterpret_cast<uv_stream_t*>(pipe);
    }
  }
  if (rc != 0) {
    VIGIL_LOG(push_log(), warning, "%s: cannot use fd %d as a stream (%s); writing plainly",
              label().c_str(), fd_, uv_err_name(rc));
  }
  if (stream_ != nullptr) stream_->data = this;
}

void StdoutOutput::send_batch(std::span<const std::string> lines) {
  lines_ = lines.size();
  size_t bytes = 0;
  for (const std::string& l : lines) bytes += l.size();
  if (stream_ != nullptr) {
    auto* w = new WriteReq{{}, {}, this};
    w->data.reserve(bytes);
    for (const std::string& l : lines) w->data += l;
    uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    w->req.data = w;
    int rc = uv_write(&w->req, stream_, &buf, 1, on_write);
    if (rc == 0) {
      pending_ = w;
      return;
    }
    delete w;
    write_done(rc);
    return;
  }
  // Plain mode: a regular file or device; write(2) does not wait for a reader here.
  buffer_.clear();
  buffer_.reserve(bytes);
  for (const std::string& l : lines) buffer_ += l;
  size_t off = 0;
  int status = 0;
  while (off < buffer_.size()) {
    ssize_t k = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
    if (k >= 0) {
      off += static_cast<size_t>(k);
    } else if (errno != EINTR) {
      status = uv_translate_sys_error(errno);
      break;
    }
  }
  write_done(status);
}

void StdoutOutput::on_write(uv_write_t* req, int status) noexcept {
  auto* w = static_cast<WriteReq*>(req->data);
  StdoutOutput* self = w->owner;
  delete w;
  if (self == nullptr) return;
  self->pending_ = nullptr;
  self->write_done(status);
}

void StdoutOutput::write_done(int status) {
  if (status == 0) {
    send_done(lines_, Verdict::delivered, "");
    return;
  }
  send_done(0, Verdict::lost,
            std::string("write fd ") + std::to_string(fd_) + ": " + uv_err_name(status));
}

void StdoutOutput::close_transport(std::function<void()> closed) {
  closed_ = std::move(closed);
  if (stream_ == nullptr) {
    if (fd_ > 2) ::close(fd_);
    fd_ = -1;
    auto cb = std::move(closed_);
    cb();
    return;
  }
  // A pending write is cancelled: its callback (ECANCELED) settles the batch as lost
  // before the close callback runs, as close_transport's contract asks. The handle owns
  // the descriptor now and closes it.
  closing_ = reinterpret_cast<uv_handle_t*>(stream_);
  stream_ = nullptr;
  fd_ = -1;
  uv_close(closing_, on_close);
}

void StdoutOutput::on_close(uv_handle_t* handle) noexcept {
  auto* self = static_cast<StdoutOutput*>(handle->data);
  if (handle->type == UV_TTY) {
    delete reinterpret_cast<uv_tty_t*>(handle);
  } else {
    delete reinterpret_cast<uv_pipe_t*>(handle);
  }
  if (self == nullptr) return;
  self->closing_ = nullptr;
  if (self->closed_) {
    auto cb = std::move(self->closed_);
    cb();
  }
}

}  // namespace vigil::metrics
