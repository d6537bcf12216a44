#include "metrics/tcp_output.h"

#include <utility>

#include "metrics/output_url.h"

namespace vigil::metrics {
namespace {

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
    : QueuedOutput(loop, "influx", config, seed), conn_([this] { maybe_closed(); }) {
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
    if (Status st = conn_.open(loop(), this); !st.ok()) {
      send_done(0, Verdict::retry, st.message());
      maybe_closed();
      return;
    }
    auto* req = new ConnectReq{{}, this, std::move(pending->first), pending->second};
    int rc = uv_tcp_connect(&req->req, conn_.get()->tcp(), addr, on_connect);
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
    if (self->conn_.is(req->handle)) self->drop_connection();
    self->send_done(0, Verdict::retry, uv_error("connect " + self->resolver_->label(), status));
    return;
  }
  self->connected_ = true;
  // Only an optimisation: a failure leaves Nagle on, which is harmless. Logged once.
  if (int rc = uv_tcp_nodelay(self->conn_.get()->tcp(), 1); rc != 0 && !self->warned_nodelay_) {
    self->warned_nodelay_ = true;
    VIGIL_LOG(push_log(), warning, "%s: TCP_NODELAY: %s; sending with Nagle's algorithm on",
              self->label().c_str(), uv_err_name(rc));
  }
  // Reading tells when the peer goes away; without it, the next write does.
  if (int rc = uv_read_start(self->conn_.get()->stream(), on_alloc, on_read); rc != 0) {
    self->drop_connection();
    self->send_done(0, Verdict::retry, uv_error("read from " + self->resolver_->label(), rc));
    return;
  }
  self->start_write(std::move(c->body), c->lines);
}

void TcpOutput::start_write(std::string body, size_t lines) {
  auto* w = new Write{{}, this, std::move(body), lines};
  uv_buf_t buf = uv_buf_init(w->body.data(), static_cast<unsigned>(w->body.size()));
  int rc = uv_write(&w->req, conn_.get()->stream(), &buf, 1, on_write);
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
    if (self->conn_.is(req->handle)) self->drop_connection();
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
  if (self != nullptr && self->conn_.is(s)) self->drop_connection();
}
void TcpOutput::drop_connection() {
  connected_ = false;
  conn_.drop();
}

void TcpOutput::close_transport(std::function<void()> closed) {
  closing_ = true;
  closed_ = std::move(closed);
  resolver_->cancel();
  drop_connection();
  maybe_closed();
}

void TcpOutput::maybe_closed() {
  if (!closing_ || conn_.closing() || resolver_->busy() || !closed_) return;
  std::function<void()> closed = std::move(closed_);
  closed();
}

}  // namespace vigil::metrics
