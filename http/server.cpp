#include "http/server.h"

#include <utility>

#include "http/connection.h"
#include "logging/log.h"

namespace vigil::http {
namespace {

logging::Source kLog{"http"};

constexpr int kBacklog = 128;
// Refused connections write their 503 and linger; beyond this many at once a new one is
// closed with no reply, so a flood cannot grow memory without bound.
constexpr size_t kMaxRefusing = 256;

}  // namespace

void Exchange::reply(Response response) {
  if (!open_) return;
  open_ = false;
  abort_ = nullptr;
  send_(std::move(response));
}

void Exchange::abort() {
  if (!open_) return;
  open_ = false;
  std::function<void()> cb = std::move(abort_);
  if (cb) cb();
}

Server::Server(uv_loop_t* loop, ServerOptions options)
    : loop_(loop),
      options_(std::move(options)),
      admission_(options_.max_connections, options_.max_per_peer) {}

Server::~Server() { close(); }

void Server::route(std::string path, Handler handler) {
  routes_[std::move(path)] = std::move(handler);
}

Status Server::listen(std::string_view address) {
  Result<Address> addr = parse_address(address);
  if (!addr.ok()) {
    return Status::error("listen " + std::string(address) + ": " + addr.status().message());
  }
  if (listener_.state() != UvHandle::State::unused) {
    return Status::error("listen " + std::string(address) + ": a server listens once");
  }
  if (Status st = listener_.init_tcp(loop_, this); !st.ok()) {
    return Status::error("listen " + std::string(address) + ": " + st.message());
  }
  int err = uv_tcp_bind(listener_.tcp(), addr->sa(), 0);
  if (err == 0) err = uv_listen(listener_.stream(), kBacklog, on_connection);
  if (err != 0) {
    close();
    return Status::error("listen " + std::string(address) + ": " + uv_err_name(err));
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  if (int e = uv_tcp_getsockname(listener_.tcp(), reinterpret_cast<sockaddr*>(&bound), &len);
      e != 0) {
    close();
    return Status::error("listen " + std::string(address) + ": getsockname: " + uv_err_name(e));
  }
  port_ = Address{bound}.port();
  VIGIL_LOG(kLog, info, "%s port listening on %s", options_.name.c_str(),
            format_address(reinterpret_cast<sockaddr*>(&bound)).c_str());
  return Status();
}

void Server::close() {
  listener_.close();
  port_ = 0;
  std::map<uint64_t, std::unique_ptr<Connection>> conns = std::move(conns_);
  conns_.clear();
  for (auto& [id, c] : conns) admission_.remove(id);
  refusing_ = 0;
  conns.clear();  // Each closes its handles and aborts its exchange.
}

void Server::on_connection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (self == nullptr) return;
  if (status != 0) {
    VIGIL_LOG(kLog, warning, "accept: %s", uv_err_name(status));
    return;
  }
  self->accept();
}

void Server::accept() {
  uint64_t id = ++next_id_;
  auto conn = std::make_unique<Connection>(this, id);
  if (Status st = conn->accept(loop_, listener_.stream()); !st.ok()) {
    // The pending connection is dropped (its handles close); libuv keeps accepting.
    VIGIL_LOG(kLog, warning, "%s", st.message().c_str());
    return;
  }
  sockaddr_storage peer{};
  int len = sizeof peer;
  int err = uv_tcp_getpeername(conn->tcp(), reinterpret_cast<sockaddr*>(&peer), &len);
  if (err != 0) {
    VIGIL_LOG(kLog, debug, "getpeername: %s", uv_err_name(err));  // gone already
    return;
  }
  if (!cidr_allows(options_.allow, reinterpret_cast<sockaddr*>(&peer))) {
    ++stats_.denied;
    VIGIL_LOG(kLog, debug, "connection from %s denied by the allow list",
              format_address(reinterpret_cast<sockaddr*>(&peer)).c_str());
    return;  // closed with no reply
  }
  std::string key = peer_key(reinterpret_cast<sockaddr*>(&peer));
  conn->set_peer(key);
  Admission::Decision d = admission_.decide(key);
  Connection* c = conn.get();
  if (d.verdict == Admission::Verdict::refuse_peer ||
      d.verdict == Admission::Verdict::refuse_full) {
    ++stats_.refused;
    if (refusing_ >= kMaxRefusing) return;  // dropped with no reply
    ++refusing_;
    conns_.emplace(id, std::move(conn));
    bool peer_limit = d.verdict == Admission::Verdict::refuse_peer;
    c->refuse(text_response(
        503, peer_limit ? "too many connections from your address" : "too many connections"));
    return;
  }
  if (d.verdict == Admission::Verdict::admit_after_evict) {
    ++stats_.evicted;
    VIGIL_LOG(kLog, debug, "closing a silent connection to admit %s", key.c_str());
    release(d.evict);
  }
  admission_.add(id, key);
  conns_.emplace(id, std::move(conn));
  c->start();
}

void Server::connection_failed(const std::string& peer, const std::string& what, bool peer_caused) {
  if (peer_caused) {
    VIGIL_LOG(kLog, debug, "connection from %s: %s; closing it", peer.c_str(), what.c_str());
  } else {
    VIGIL_LOG(kLog, warning, "connection from %s: %s; closing it", peer.c_str(), what.c_str());
  }
}

void Server::dispatch(const Request& request, std::shared_ptr<Exchange> exchange) {
  auto it = routes_.find(request.path);
  if (it != routes_.end()) {
    it->second(request, std::move(exchange));
    return;
  }
  if (request.path == "/") {
    exchange->reply(text_response(200, "vigil\n" + paths_text()));
    return;
  }
  ++stats_.errors;
  exchange->reply(text_response(404, "not found: " + request.path + "\n" + paths_text()));
}

std::string Server::paths_text() const {
  std::string text = "paths:";
  for (const auto& [path, handler] : routes_) text += "\n  " + path;
  return text;
}

void Server::release(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  if (admission_.holds(id)) {
    admission_.remove(id);
  } else if (refusing_ > 0) {
    --refusing_;
  }
  conns_.erase(it);
}

}  // namespace vigil::http
