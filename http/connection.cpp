#include "http/connection.h"

#include <cstring>
#include <utility>

#include "http/server.h"

namespace vigil::http {
namespace {

constexpr size_t kMaxBodyBytes = 64 * 1024;
constexpr uint64_t kLingerMs = 1'000;
constexpr size_t kMaxPipelined = 16;

// A write owns its bytes; freed in its callback, which also runs (with UV_ECANCELED) after
// the connection is gone: then the handle's data is null.
struct WriteReq {
  uv_write_t req;
  std::string data;
};

Connection* owner(uv_handle_t* h) { return static_cast<Connection*>(h->data); }

}  // namespace

Connection::Connection(Server* server, uint64_t id) : server_(server), id_(id) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

// The handles close in their owners' destructors, after the exchange is aborted.
Connection::~Connection() {
  if (exchange_) exchange_->abort();
}

Status Connection::accept(uv_loop_t* loop, uv_stream_t* listener) {
  Status st = tcp_.init_tcp(loop, this);
  if (st.ok()) st = timer_.init_timer(loop, this);
  if (!st.ok()) return st;
  int err = uv_accept(listener, tcp_.stream());
  return err == 0 ? Status() : Status::error(uv_error("accept", err));
}

const http_parser_settings& Connection::settings() {
  static const http_parser_settings s = [] {
    http_parser_settings x{};
    x.on_url = on_url;
    x.on_header_field = on_header_bytes;
    x.on_header_value = on_header_bytes;
    x.on_headers_complete = on_headers_complete;
    x.on_body = on_body;
    x.on_message_complete = on_message_complete;
    return x;
  }();
  return s;
}

void Connection::start() {
  if (!start_reading()) return;
  set_phase(Phase::idle);
}

bool Connection::start_reading() {
  if (reading_) return true;
  if (int err = uv_read_start(tcp_.stream(), on_alloc, on_read); err != 0) {
    fail_soon(uv_error("uv_read_start", err), false);
    return false;
  }
  reading_ = true;
  return true;
}

void Connection::stop_reading() {
  if (!reading_) return;
  reading_ = false;
  // Fails only for a handle that is not a stream; ours always is.
  if (int err = uv_read_stop(tcp_.stream()); err != 0)
    fail_soon(uv_error("uv_read_stop", err), false);
}

// Logged once; the connection closes from its timer, since the caller still uses `this`.
void Connection::fail_soon(const std::string& what, bool peer_caused) {
  server_->connection_failed(peer_, what, peer_caused);
  phase_ = Phase::closing;
  arm_timer(0);
}

void Connection::refuse(const Response& response) { send(response, false, false); }

void Connection::set_phase(Phase phase) {
  phase_ = phase;
  server_->mark_silent(id_, phase == Phase::idle);
  if (phase == Phase::idle) arm_timer(server_->options().idle_timeout_ms);
}

void Connection::arm_timer(uint64_t ms) {
  // uv_timer_start fails only for a closing handle or a null callback: neither can be here.
  // Should it fail, the connection closes its socket and is released from the socket's
  // close callback.
  if (int err = uv_timer_start(timer_.timer(), on_timer, ms, 0); err != 0) {
    server_->connection_failed(peer_, uv_error("uv_timer_start", err), false);
    phase_ = Phase::closing;
    tcp_.close([this] { finish(); });
  }
}

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  *buf = owner(h)->server_->scratch();
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  Connection* c = owner(reinterpret_cast<uv_handle_t*>(s));
  if (c == nullptr || nread == 0) return;
  if (nread < 0) {
    // A client that half-closes after its requests still gets the answers due, unless it
    // waits for a slow one (a profile): then it has gone away, and the exchange is aborted.
    bool due = c->phase_ == Phase::writing || (c->phase_ == Phase::reading && !c->items_.empty());
    if (nread == UV_EOF && due) {
      c->current_.keep_alive = false;
      c->stop_reading();
      return;
    }
    c->finish();
    return;
  }
  if (c->phase_ == Phase::closing || c->stopped_parsing_) return;  // draining
  if (c->phase_ == Phase::idle) c->set_phase(Phase::reading);
  c->parse(buf->base, static_cast<size_t>(nread));
  // Reading goes on while an answer is due, to notice a client going away; a client that
  // pipelines more than this many requests waits in the kernel.
  if (c->items_.size() > kMaxPipelined) c->stop_reading();
  if (!c->items_.empty() && c->phase_ == Phase::reading) c->next();
}

void Connection::parse(const char* data, size_t len) {
  http_parser_execute(&parser_, &settings(), data, len);
  if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK) parse_error(data, len);
}

// Turns the parser's error into the one answer this connection still gives.
void Connection::parse_error(const char* data, size_t len) {
  http_errno err = HTTP_PARSER_ERRNO(&parser_);
  stopped_parsing_ = true;
  if (current_.error != 0) {  // set by a callback: 405, 413, 431, 505
    items_.push_back(current_);
    return;
  }
  Item item;
  item.keep_alive = false;
  if (err == HPE_HEADER_OVERFLOW) {
    item.error = 431;
    item.error_text = "request headers too large";
  } else if (err == HPE_INVALID_METHOD && header_bytes_ == 0 &&
             looks_like_request_line(std::string_view(data, len))) {
    item.error = 405;
    item.error_text = "method not allowed (allowed: GET, HEAD)";
  } else {
    item.error = 400;
    item.error_text = std::string("bad request: ") + http_errno_description(err);
  }
  items_.push_back(std::move(item));
}

int Connection::fail(int status, std::string text) {
  current_.error = status;
  current_.error_text = std::move(text);
  current_.keep_alive = false;
  return -1;  // stops the parser (1 would mean "no body" from on_headers_complete)
}

int Connection::on_url(http_parser* p, const char* at, size_t len) {
  auto* c = static_cast<Connection*>(p->data);
  c->header_bytes_ += len;
  if (c->header_bytes_ > c->server_->options().max_header_bytes) {
    return c->fail(431, "request headers too large");
  }
  c->current_.request.path.append(at, len);
  return 0;
}

int Connection::on_header_bytes(http_parser* p, const char*, size_t len) {
  auto* c = static_cast<Connection*>(p->data);
  c->header_bytes_ += len + 2;
  if (c->header_bytes_ > c->server_->options().max_header_bytes) {
    return c->fail(431, "request headers too large");
  }
  return 0;
}

int Connection::on_headers_complete(http_parser* p) {
  auto* c = static_cast<Connection*>(p->data);
  Item& item = c->current_;
  if (p->http_major != 1) return c->fail(505, "only HTTP/1.x is served");
  if (p->method != HTTP_GET && p->method != HTTP_HEAD) {
    return c->fail(405, std::string("method ") +
                            http_method_str(static_cast<http_method>(p->method)) +
                            " not allowed (allowed: GET, HEAD)");
  }
  item.request.method = p->method == HTTP_GET ? "GET" : "HEAD";
  item.head = p->method == HTTP_HEAD;
  item.keep_alive = http_should_keep_alive(p) != 0;
  std::string& path = item.request.path;
  size_t q = path.find('?');
  if (q != std::string::npos) {
    item.request.query = path.substr(q + 1);
    path.resize(q);
  }
  return 0;
}

int Connection::on_body(http_parser* p, const char*, size_t len) {
  auto* c = static_cast<Connection*>(p->data);
  c->body_bytes_ += len;
  if (c->body_bytes_ > kMaxBodyBytes) return c->fail(413, "request body too large");
  return 0;  // ignored: no path takes a body
}

int Connection::on_message_complete(http_parser* p) {
  auto* c = static_cast<Connection*>(p->data);
  c->current_.request.peer = c->peer_;
  c->items_.push_back(std::move(c->current_));
  c->current_ = Item{};
  c->header_bytes_ = 0;
  c->body_bytes_ = 0;
  return 0;
}

// Answers the next parsed request, if any; else goes back to reading.
void Connection::next() {
  if (items_.empty()) {
    if (stopped_parsing_ || !current_.keep_alive) {
      linger();
      return;
    }
    if (!start_reading()) return;
    set_phase(Phase::idle);
    return;
  }
  Item item = std::move(items_.front());
  items_.pop_front();
  answer(item);
}

void Connection::answer(const Item& item) {
  if (item.error != 0) {
    server_->count_error();
    Response r = text_response(item.error, item.error_text);
    if (item.error == 405) r.headers.emplace_back("Allow", "GET, HEAD");
    items_.clear();
    send(r, false, false);
    return;
  }
  server_->count_request();
  phase_ = Phase::handling;
  server_->mark_silent(id_, false);
  bool head = item.head, keep_alive = item.keep_alive;
  exchange_ = std::make_shared<Exchange>([this, head, keep_alive](Response r) {
    exchange_.reset();
    send(r, head, keep_alive);
  });
  server_->dispatch(item.request, exchange_);  // may reply at once
}

void Connection::send(const Response& response, bool head, bool keep_alive) {
  phase_ = Phase::writing;
  server_->mark_silent(id_, false);
  keep_alive_ = keep_alive;
  auto* w = new WriteReq{{}, serialize(response, head, keep_alive)};
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  if (int err = uv_write(&w->req, tcp_.stream(), &buf, 1, on_write); err != 0) {
    delete w;
    fail_soon(uv_error("uv_write", err), true);  // e.g. EPIPE: the peer reset
  }
}

void Connection::on_write(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteReq*>(req);
  Connection* c = owner(reinterpret_cast<uv_handle_t*>(req->handle));
  delete w;
  if (c == nullptr) return;
  if (status != 0) {
    c->finish();
    return;
  }
  c->after_write();
}

void Connection::after_write() {
  if (!keep_alive_) {
    linger();
    return;
  }
  phase_ = Phase::reading;
  next();
}

void Connection::linger() {
  phase_ = Phase::closing;
  server_->mark_silent(id_, true);
  auto* req = new uv_shutdown_t{};
  if (int err = uv_shutdown(req, tcp_.stream(), [](uv_shutdown_t* r, int) { delete r; });
      err != 0) {
    delete req;
    fail_soon(uv_error("uv_shutdown", err), true);  // e.g. ENOTCONN: the peer is gone
    return;
  }
  if (!start_reading()) return;
  arm_timer(kLingerMs);
}

void Connection::on_timer(uv_timer_t* t) {
  Connection* c = owner(reinterpret_cast<uv_handle_t*>(t));
  if (c == nullptr) return;
  switch (c->phase_) {
    case Phase::idle:  // nothing asked: close quietly
    case Phase::closing:
      c->finish();
      return;
    case Phase::reading: {  // a request too slow to arrive
      c->stopped_parsing_ = true;
      c->items_.clear();
      Item item;
      item.error = 408;
      item.error_text = "request not complete within the idle timeout";
      item.keep_alive = false;
      c->answer(item);
      return;
    }
    case Phase::handling:
    case Phase::writing:
      return;
  }
}

void Connection::finish() { server_->release(id_); }

}  // namespace vigil::http
