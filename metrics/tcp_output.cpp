#include "metrics/tcp_output.h"

#include <utility>

#include "metrics/output_url.h"

namespace vigil::metrics {
namespace {

std::string uv_error(const std::string& action, int status) {
  return action + ": " + uv_err_name(status);
}

// Not worth allocating for: the peer is not supposed to send anything.
char g_read_sink[256];

// A connect request and the batch waiting for it.
struct ConnectReq {
  uv_connect_t req;
  TcpOutput* owner;
  std::string body;
  size_t lines;
};

}  // namespace

// One write owns its bytes until its callback.
struct TcpOutput::Write {
  uv_write_t req;
  TcpOutput* owner;
  std::string body;
  size_t lines;
};

TcpOutput::TcpOutput(uv_loop_t* loop, const OutputConfig& config, uint64_t seed)
    : QueuedOutput(loop, "influx", config, seed) {
  Result<OutputUrl> url = parse_socket_url("tcp", config.url);
  resolver_ = std::make_unique<Resolver>(loop, url.ok() ? url->host : "", url.ok() ? url->port : 0);
}

TcpOutput::~TcpOutput() = default;

void TcpOutput::send_batch(std::span<const std::string> lines) {
  std::string body;
  for (const std::string& l : lines) body += l;
  if (connected_) {
    start_write(std::move(body), lines.size());
  } else {
    connect(std::move(body), lines.size());
  }
}

void TcpOutput::connect(std::string body, size_t lines) {
  auto pending = std::make_shared<std::pair<std::string, size_t>>(std::move(body), lines);
  resolver_->resolve([this, pending](int status, const sockaddr* addr) {
    if (status != 0 || closing_) {
      send_done(0, Verdict::retry,
                uv_error("resolve " + resolver_->label(), status != 0 ? status : UV_ECANCELED));
      maybe_closed();
      return;
    }
    conn_ = new uv_tcp_t;
    uv_tcp_init(loop(), conn_);
    conn_->data = this;
    ++handles_;
    auto* req = new ConnectReq{{}, this, std::move(pending->first), pending->second};
    int rc = uv_tcp_connect(&req->req, conn_, addr, on_connect);
    if (rc != 0) {
      delete req;
      drop_connection();
      send_done(0, Verdict::retry, uv_error("connect " + resolver_->label(), rc));
    }
  });
}

void TcpOutput::on_connect(uv_connect_t* req, int status) noexcept {
  std::unique_ptr<ConnectReq> c(reinterpret_cast<ConnectReq*>(req));
  TcpOutput* self = c->owner;
  if (status != 0) {
    // The handle may already be closing (shutdown); dropping it twice is harmless.
    if (reinterpret_cast<uv_tcp_t*>(req->handle) == self->conn_) self->drop_connection();
    self->send_done(0, Verdict::retry, uv_error("connect " + self->resolver_->label(), status));
    return;
  }
  self->connected_ = true;
  uv_tcp_nodelay(self->conn_, 1);
  uv_read_start(reinterpret_cast<uv_stream_t*>(self->conn_), on_alloc, on_read);
  self->start_write(std::move(c->body), c->lines);
}

void TcpOutput::start_write(std::string body, size_t lines) {
  auto* w = new Write{{}, this, std::move(body), lines};
  uv_buf_t buf = uv_buf_init(w->body.data(), static_cast<unsigned>(w->body.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(conn_), &buf, 1, on_write);
  if (rc != 0) {
    delete w;
    drop_connection();
    send_done(0, Verdict::retry, uv_error("write to " + resolver_->label(), rc));
  }
}

void TcpOutput::on_write(uv_write_t* req, int status) noexcept {
  std::unique_ptr<Write> w(reinterpret_cast<Write*>(req));
  TcpOutput* self = w->owner;
  if (status != 0) {
    if (reinterpret_cast<uv_tcp_t*>(req->handle) == self->conn_) self->drop_connection();
    self->send_done(0, Verdict::retry, uv_error("write to " + self->resolver_->label(), status));
    return;
  }
  self->send_done(w->lines, Verdict::delivered, "");
}

void TcpOutput::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
  *buf = uv_buf_init(g_read_sink, sizeof g_read_sink);
}

void TcpOutput::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t*) noexcept {
  if (nread >= 0) return;
  // EOF or an error: the peer is gone. Pending writes fail with ECANCELED and retry.
  auto* self = static_cast<TcpOutput*>(s->data);
  if (reinterpret_cast<uv_tcp_t*>(s) == self->conn_) self->drop_connection();
}

void TcpOutput::drop_connection() {
  if (conn_ == nullptr) return;
  connected_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(conn_), on_conn_close);
  conn_ = nullptr;
}

void TcpOutput::on_conn_close(uv_handle_t* h) noexcept {
  auto* self = static_cast<TcpOutput*>(h->data);
  delete reinterpret_cast<uv_tcp_t*>(h);
  --self->handles_;
  self->maybe_closed();
}

void TcpOutput::close_transport(std::function<void()> closed) {
  closing_ = true;
  closed_ = std::move(closed);
  resolver_->cancel();
  drop_connection();
  maybe_closed();
}

void TcpOutput::maybe_closed() {
  if (!closing_ || handles_ > 0 || resolver_->busy() || !closed_) return;
  std::function<void()> closed = std::move(closed_);
  closed();
}

}  // namespace vigil::metrics
