#include "metrics/http_client.h"

#include <chrono>
#include <utility>

#include "metrics/queued_output.h"

namespace vigil::metrics {

// A connect request; a stale one (its handle closed) finds handle->data null.
struct HttpClient::Connect {
  uv_connect_t req;
  HttpClient* owner;
};

// One write holds the request bytes until its callback.
struct HttpClient::Write {
  uv_write_t req;
  HttpClient* owner;
  std::shared_ptr<const std::string> bytes;
};

HttpClient::HttpClient(uv_loop_t* loop, const OutputUrl& url, const OutputConfig& config)
    : loop_(loop),
      request_(url, config),
      timeout_(config.timeout),
      resolver_(loop, url.host, url.port),
      timer_(loop,
             [this] {
               auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout_).count();
               drop_connection();
               finish(Status::error("timed out after " + std::to_string(ms) + " ms"));
             }),
      conn_([this] { maybe_closed(); }) {}

HttpClient::~HttpClient() = default;

void HttpClient::post(std::string body, Done done) {
  done_ = std::move(done);
  ++exchange_;
  bytes_ = std::make_shared<const std::string>(request_.build(body));
  parser_.reset();
  if (Status st = timer_.start(timer_ms(timeout_)); !st.ok()) {
    finish(st);
    return;
  }
  reused_ = connected_;
  if (connected_) {
    send();
  } else {
    connect();
  }
}

void HttpClient::connect() {
  if (resolver_.busy()) {  // A lookup of a post that timed out is still running.
    finish(
        Status::error("resolve " + resolver_.label() + ": the previous lookup is still running"));
    return;
  }
  uint64_t exchange = exchange_;
  resolver_.resolve([this, exchange](int status, const sockaddr* addr) {
    if (closing_ || exchange != exchange_ || !done_) {
      maybe_closed();
      return;
    }
    if (status != 0) {
      finish(Status::error(uv_error("resolve " + resolver_.label(), status)));
      return;
    }
    if (Status st = conn_.open(loop_, this); !st.ok()) {
      finish(st);
      return;
    }
    ++connections_;
    auto* c = new Connect{{}, this};
    if (int rc = uv_tcp_connect(&c->req, conn_.get()->tcp(), addr, on_connect); rc != 0) {
      delete c;
      drop_connection();
      finish(Status::error(uv_error("connect " + resolver_.label(), rc)));
    }
  });
}

void HttpClient::on_connect(uv_connect_t* req, int status) noexcept {
  std::unique_ptr<Connect> c(reinterpret_cast<Connect*>(req));
  if (req->handle->data == nullptr) return;  // Dropped: the post was settled then.
  HttpClient* self = c->owner;
  if (status != 0) {
    self->drop_connection();
    self->finish(Status::error(uv_error("connect " + self->resolver_.label(), status)));
    return;
  }
  self->on_connected();
}

void HttpClient::on_connected() {
  connected_ = true;
  // Only an optimisation: the request is one write. A failure is logged once.
  if (int rc = uv_tcp_nodelay(conn_.get()->tcp(), 1); rc != 0 && !warned_nodelay_) {
    warned_nodelay_ = true;
    VIGIL_LOG(push_log(), warning, "http %s: TCP_NODELAY: %s; sending with Nagle's algorithm on",
              resolver_.label().c_str(), uv_err_name(rc));
  }
  if (int rc = uv_read_start(conn_.get()->stream(), on_alloc, on_read); rc != 0) {
    drop_connection();
    finish(Status::error(uv_error("read from " + resolver_.label(), rc)));
    return;
  }
  send();
}

void HttpClient::send() {
  auto* w = new Write{{}, this, bytes_};
  uv_buf_t buf =
      uv_buf_init(const_cast<char*>(w->bytes->data()), static_cast<unsigned>(w->bytes->size()));
  if (int rc = uv_write(&w->req, conn_.get()->stream(), &buf, 1, on_write); rc != 0) {
    delete w;
    connection_failed(uv_error("write to " + resolver_.label(), rc));
  }
}

void HttpClient::on_write(uv_write_t* req, int status) noexcept {
  std::unique_ptr<Write> w(reinterpret_cast<Write*>(req));
  if (req->handle->data == nullptr || status == 0) return;
  HttpClient* self = w->owner;
  // A write of an earlier, settled post cannot fail on a live connection: each post's
  // write completes before its answer is read.
  if (self->done_) {
    self->connection_failed(uv_error("write to " + self->resolver_.label(), status));
  }
}

void HttpClient::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
  auto* self = static_cast<HttpClient*>(h->data);
  // libuv reads nothing for a closed handle; an empty buffer would be reported as ENOBUFS.
  *buf = self != nullptr ? uv_buf_init(self->read_buf_, sizeof self->read_buf_)
                         : uv_buf_init(nullptr, 0);
}

void HttpClient::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t*) noexcept {
  auto* self = static_cast<HttpClient*>(s->data);
  if (self == nullptr || nread == 0) return;
  if (nread > 0) {
    self->on_bytes(std::string_view(self->read_buf_, static_cast<size_t>(nread)));
  } else if (nread == UV_EOF) {
    self->on_eof();
  } else if (self->done_) {
    self->connection_failed(
        uv_error("read from " + self->resolver_.label(), static_cast<int>(nread)));
  } else {
    self->drop_connection();
  }
}

void HttpClient::on_bytes(std::string_view data) {
  if (!done_) {  // Bytes nobody asked for: the connection is out of step.
    drop_connection();
    return;
  }
  if (Status st = parser_.feed(data); !st.ok()) {
    drop_connection();
    finish(Status::error(resolver_.label() + ": " + st.message()));
    return;
  }
  if (!parser_.complete()) return;
  if (!parser_.keep_alive()) drop_connection();
  finish(HttpReply{parser_.status(), parser_.body()});
}

void HttpClient::on_eof() {
  if (!done_) {  // The server closed an idle connection.
    drop_connection();
    return;
  }
  Status st = parser_.feed_eof();
  if (!st.ok()) {
    connection_failed(resolver_.label() + ": " + st.message());
    return;
  }
  drop_connection();
  finish(HttpReply{parser_.status(), parser_.body()});
}

void HttpClient::connection_failed(std::string error) {
  drop_connection();
  if (reused_ && !parser_.started()) {
    reused_ = false;
    connect();
    return;
  }
  finish(Status::error(std::move(error)));
}

void HttpClient::finish(Result<HttpReply> reply) {
  if (!done_) return;
  timer_.stop();
  Done done = std::move(done_);
  done_ = nullptr;
  done(std::move(reply));
}

void HttpClient::drop_connection() {
  connected_ = false;
  conn_.drop();
}

void HttpClient::close(std::function<void()> closed) {
  closing_ = true;
  closed_ = std::move(closed);
  resolver_.cancel();
  drop_connection();
  finish(Status::error("abandoned at shutdown"));
  timer_.close([this] {
    timer_closed_ = true;
    maybe_closed();
  });
}

void HttpClient::maybe_closed() {
  if (!closing_ || conn_.closing() || resolver_.busy() || !timer_closed_ || !closed_) return;
  std::function<void()> closed = std::move(closed_);
  closed();
}

}  // namespace vigil::metrics
