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
  if (pending_ != nullptr) pending_->owner = nullptr;  // Its callback only frees it then.
  // An open stream is closed by its owner's destructor; its handle closes the descriptor.
  if (!stream_.is_open() && fd_ > 2) ::close(fd_);
}

void StdoutOutput::open_stream() {
  uv_handle_type type = uv_guess_handle(fd_);
  Status st;
  if (type == UV_TTY) {
    st = stream_.init_tty(loop(), fd_, this);
  } else if (type == UV_NAMED_PIPE) {
    st = stream_.init_pipe(loop(), this);
    if (int rc = st.ok() ? uv_pipe_open(stream_.pipe(), fd_) : 0; rc != 0) {
      stream_.close();
      st = Status::error(uv_error("uv_pipe_open", rc));
    }
  }
  if (!st.ok()) {
    VIGIL_LOG(push_log(), warning, "%s: cannot use fd %d as a stream (%s); writing plainly",
              label().c_str(), fd_, st.message().c_str());
  }
}

void StdoutOutput::send_batch(std::span<const std::string> lines) {
  lines_ = lines.size();
  size_t bytes = 0;
  for (const std::string& l : lines) bytes += l.size();
  if (stream_.is_open()) {
    auto* w = new WriteReq{{}, {}, this};
    w->data.reserve(bytes);
    for (const std::string& l : lines) w->data += l;
    uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    w->req.data = w;
    int rc = uv_write(&w->req, stream_.stream(), &buf, 1, on_write);
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
  if (!stream_.is_open()) {
    if (fd_ > 2) ::close(fd_);
    fd_ = -1;
    closed();
    return;
  }
  // A pending write is cancelled: its callback (ECANCELED) settles the batch as lost
  // before the close callback runs, as close_transport's contract asks. The handle owns
  // the descriptor now and closes it.
  fd_ = -1;
  stream_.close(std::move(closed));
}

}  // namespace vigil::metrics
