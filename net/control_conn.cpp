#include "net/control_conn.h"

#include <utility>

#include "common/command_limit.h"
#include "logging/log.h"
#include "net/control_server.h"

namespace vigil::net {
namespace {

// A write owns its bytes; freed in its callback, which also runs (with UV_ECANCELED or
// 0) after the connection is gone: then req.handle->data is null.
struct WriteReq {
  uv_write_t req;
  std::string data;
};

// Line mode stops reading while this much reply data waits in the socket's queue, so a
// client that sends without reading cannot grow our memory.
constexpr size_t kMaxQueuedReplyBytes = 64 * 1024;

bool is_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

Connection* owner(uv_handle_t* h) { return static_cast<Connection*>(h->data); }

}  // namespace

Connection::Connection(ConnectionEnv env, Mode mode) : env_(std::move(env)), mode_(mode) {}

Status Connection::accept(uv_loop_t* loop, uv_stream_t* listener) {
  Status st = mode_ == Mode::batch ? stream_.init_tcp(loop, this) : stream_.init_pipe(loop, this);
  if (st.ok()) st = timer_.init_timer(loop, this);
  if (!st.ok()) return st;
  int err = uv_accept(listener, stream_.stream());
  return err == 0 ? Status() : Status::error(uv_error("accept", err));
}

void Connection::start() {
  start_reading();
  if (phase_ == Phase::reading) arm_timer(env_.options->idle_timeout_ms);
}

void Connection::start_reading() {
  if (reading_) return;
  if (int err = uv_read_start(stream_.stream(), on_alloc, on_read); err != 0) {
    fail_soon("uv_read_start", err, false);
    return;
  }
  reading_ = true;
}

void Connection::stop_reading() {
  if (!reading_) return;
  reading_ = false;
  // Fails only for a handle that is not a stream; ours always is.
  if (int err = uv_read_stop(stream_.stream()); err != 0) fail_soon("uv_read_stop", err, false);
}

void Connection::fail_soon(const char* call, int err, bool peer_caused) {
  if (peer_caused) {
    VIGIL_LOG(control_log(), debug, "control connection: %s; closing it",
              uv_error(call, err).c_str());
  } else {
    VIGIL_LOG(control_log(), warning, "control connection: %s; closing it",
              uv_error(call, err).c_str());
  }
  close_soon();
}

void Connection::close_soon() {
  phase_ = Phase::lingering;
  arm_timer(0);
}

void Connection::refuse(std::string_view reply) {
  phase_ = Phase::replying;
  send(std::string(reply) + "\n");
}

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  *buf = owner(h)->env_.read_buffer;
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  Connection* c = owner(reinterpret_cast<uv_handle_t*>(s));
  if (nread == 0) return;
  if (nread < 0) {
    if (nread == UV_EOF) {
      c->on_eof();
    } else {
      c->finish();
    }
    return;
  }
  if (c->phase_ != Phase::reading) return;  // Draining, or bytes after the batch ended.
  c->env_.busy(c);
  std::string_view data(buf->base, static_cast<size_t>(nread));
  if (c->mode_ == Mode::batch) {
    c->read_batch(data);
  } else {
    c->read_lines(data);
  }
}

void Connection::read_batch(std::string_view data) {
  buffer_.append(data.substr(0, kMaxCommandBytes + 1 - buffer_.size()));
  if (buffer_.size() > kMaxCommandBytes) {
    env_.errors->fetch_add(1, std::memory_order_relaxed);
    buffer_.clear();
    phase_ = Phase::replying;
    send("error: " + too_long_message() + "\n");
    return;
  }
  arm_timer(env_.options->pause_ms);
}

void Connection::read_lines(std::string_view data) {
  buffer_.append(data);
  size_t end = buffer_.rfind('\n');
  std::string replies;
  bool ok = true;
  if (end != std::string::npos) {
    ok = execute_lines(std::string_view(buffer_).substr(0, end + 1), &replies);
    buffer_.erase(0, end + 1);
  }
  // A partial line may still end with the CR of a CRLF, hence the + 1.
  if (ok && buffer_.size() > kMaxCommandBytes + 1) {
    env_.errors->fetch_add(1, std::memory_order_relaxed);
    replies += "error: " + too_long_message() + "\n";
    ok = false;
  }
  if (!ok || after_reply_) {
    buffer_.clear();
    phase_ = Phase::replying;
  } else {
    arm_timer(env_.options->idle_timeout_ms);
  }
  if (!replies.empty()) send(std::move(replies));
  if (phase_ == Phase::replying) {
    if (pending_writes_ == 0) after_write();  // May destroy this connection.
    return;
  }
  if (phase_ == Phase::reading && !read_paused_ &&
      uv_stream_get_write_queue_size(stream_.stream()) > kMaxQueuedReplyBytes) {
    stop_reading();
    read_paused_ = true;
  }
}

void Connection::on_eof() {
  eof_ = true;
  if (phase_ == Phase::lingering) {
    finish();
    return;
  }
  if (phase_ != Phase::reading) return;  // The pending write will close.
  std::string replies;
  execute_lines(buffer_, &replies);
  buffer_.clear();
  phase_ = Phase::replying;
  if (replies.empty()) {
    if (pending_writes_ == 0) finish();
    return;
  }
  send(std::move(replies));
}

bool Connection::execute_lines(std::string_view text, std::string* out) {
  while (!text.empty() && !after_reply_) {
    size_t lf = text.find('\n');
    std::string_view line = text.substr(0, lf);
    text = lf == std::string_view::npos ? std::string_view() : text.substr(lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxCommandBytes) {
      env_.errors->fetch_add(1, std::memory_order_relaxed);
      *out += "error: " + too_long_message() + "\n";
      return false;
    }
    execute_line(line, out);
  }
  return true;
}

void Connection::execute_line(std::string_view line, std::string* out) {
  if (is_blank(line)) return;
  Reply reply = (*env_.handler)(line);
  *out += reply.text;
  *out += '\n';
  if (reply.after) after_reply_ = std::move(reply.after);
}

void Connection::on_timer(uv_timer_t* t) {
  Connection* c = owner(reinterpret_cast<uv_handle_t*>(t));
  if (c->phase_ == Phase::replying) return;  // The last write callback moves on.
  if (c->phase_ == Phase::lingering || c->mode_ == Mode::line || c->buffer_.empty()) {
    c->finish();  // Done lingering, or idle for too long.
    return;
  }
  // Batch mode: the pause ends the batch.
  std::string replies;
  c->execute_lines(c->buffer_, &replies);
  c->buffer_.clear();
  c->phase_ = Phase::replying;
  if (replies.empty()) {
    c->finish();
    return;
  }
  c->send(std::move(replies));
}

void Connection::send(std::string data) {
  auto* w = new WriteReq{{}, std::move(data)};
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  if (int err = uv_write(&w->req, stream_.stream(), &buf, 1, on_write); err != 0) {
    delete w;
    fail_soon("uv_write", err, true);  // e.g. EPIPE: the peer reset
    return;
  }
  ++pending_writes_;
}

void Connection::on_write(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteReq*>(req);
  Connection* c = owner(reinterpret_cast<uv_handle_t*>(req->handle));
  delete w;
  if (c == nullptr) return;
  --c->pending_writes_;
  if (status != 0) {
    c->finish();
    return;
  }
  if (c->read_paused_ && c->phase_ == Phase::reading &&
      uv_stream_get_write_queue_size(c->stream_.stream()) <= kMaxQueuedReplyBytes / 2) {
    c->read_paused_ = false;
    c->start_reading();
  }
  if (c->phase_ == Phase::replying && c->pending_writes_ == 0) c->after_write();
}

// Every reply is written. A reply's `after` (`shutdown`) runs now that it is on its way.
void Connection::after_write() {
  std::function<void()> after = std::exchange(after_reply_, nullptr);
  linger();  // May destroy this connection.
  if (after) after();
}

void Connection::linger() {
  if (eof_) {
    finish();
    return;
  }
  phase_ = Phase::lingering;
  auto* req = new uv_shutdown_t{};
  if (int err = uv_shutdown(req, stream_.stream(), on_shutdown); err != 0) {
    delete req;
    fail_soon("uv_shutdown", err, true);  // e.g. ENOTCONN: the peer is gone
    return;
  }
  read_paused_ = false;
  start_reading();
  arm_timer(env_.options->linger_ms);
}

void Connection::on_shutdown(uv_shutdown_t* req, int) { delete req; }

void Connection::arm_timer(uint64_t ms) {
  // Fails only for a closing timer or a null callback: neither can be here. Should it fail,
  // the connection closes its stream and is released from the stream's close callback.
  if (int err = uv_timer_start(timer_.timer(), on_timer, ms, 0); err != 0) {
    VIGIL_LOG(control_log(), warning, "control connection: %s; closing it",
              uv_error("uv_timer_start", err).c_str());
    phase_ = Phase::lingering;
    stream_.close([this] { finish(); });
  }
}

void Connection::finish() { env_.release(this); }

}  // namespace vigil::net
