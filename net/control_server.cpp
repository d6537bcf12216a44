#include "net/control_server.h"

#include <unistd.h>

#include <utility>

#include "common/timer.h"
#include "logging/log.h"
#include "net/unix_socket.h"

namespace vigil::net {
namespace {

logging::Source kLog{"net.control"};

constexpr int kBacklog = 128;
// Refused connections (over max_connections) linger too; beyond this many in all, a new
// connection is dropped with no reply, so a flood cannot grow memory without bound.
constexpr size_t kExtraConnections = 256;

std::string uv_error(std::string_view action, std::string_view what, int err) {
  return std::string(action) + " " + std::string(what) + ": " + uv_err_name(err);
}

void close_fd(int fd) { ::close(fd); }

// For log lines: the text if it is printable ASCII, else a placeholder.
std::string printable(std::string_view text, size_t max) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return "<" + std::to_string(text.size()) + " bytes>";
  }
  return std::string(text.substr(0, max));
}

}  // namespace

logging::Source& control_log() { return kLog; }

ControlServer::ControlServer(uv_loop_t* loop, ReplyHandler handler, ServerOptions options)
    : loop_(loop),
      options_(std::move(options)),
      admission_(options_.max_connections, options_.max_per_peer) {
  handler_ = [handler = std::move(handler)](std::string_view line) {
    Reply reply = handler(line);
    VIGIL_LOG(kLog, debug, "command %s: %s", printable(line, 200).c_str(),
              printable(reply.text, 200).c_str());
    return reply;
  };
}

ControlServer::~ControlServer() { close(); }

Status ControlServer::listen_tcp(std::string_view address) {
  Result<Address> addr = parse_address(address);
  if (!addr.ok())
    return Status::error("listen " + std::string(address) + ": " + addr.status().message());
  if (Status st = tcp_.init_tcp(loop_, this); !st.ok()) return st;
  int err = uv_tcp_bind(tcp_.tcp(), addr->sa(), 0);
  if (err == 0) err = uv_listen(tcp_.stream(), kBacklog, on_connection);
  if (err != 0) {
    tcp_.close();
    return Status::error(uv_error("listen", address, err));
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  if (int e = uv_tcp_getsockname(tcp_.tcp(), reinterpret_cast<sockaddr*>(&bound), &len); e != 0) {
    tcp_.close();
    return Status::error("listen " + std::string(address) + ": " +
                         vigil::uv_error("getsockname", e));
  }
  tcp_port_ = Address{bound}.port();
  VIGIL_LOG(kLog, info, "control port listening on %s",
            format_address(reinterpret_cast<sockaddr*>(&bound)).c_str());
  return Status();
}

Status ControlServer::listen_unix(const std::string& path) {
  auto sock = bind_unix_socket(path);
  if (!sock.ok()) return sock.status();
  unix_path_ = path;
  unix_file_ = sock->file;
  Status st = unix_.init_pipe(loop_, this);
  if (!st.ok()) {
    close_fd(sock->fd);
    remove_socket_file(unix_path_, unix_file_);
    unix_path_.clear();
    return st;
  }
  int err = uv_pipe_open(unix_.pipe(), sock->fd);
  if (err != 0) close_fd(sock->fd);  // Not adopted by the pipe.
  if (err == 0) err = uv_listen(unix_.stream(), kBacklog, on_connection);
  if (err != 0) {
    unix_.close();
    remove_socket_file(unix_path_, unix_file_);
    unix_path_.clear();
    return Status::error(uv_error("listen unix", path, err));
  }
  VIGIL_LOG(kLog, info, "control socket listening on %s", path.c_str());
  return Status();
}

namespace {

// Runs `done` from the close callback of a timer that fires on the next loop iteration:
// by then the close callbacks of every handle closed in this iteration have run. The
// Deferred owns itself until its timer's close callback. If the timer cannot start (it
// cannot fail on Linux), `done` runs at once after a logged warning.
struct Deferred {
  Deferred(uv_loop_t* loop, std::function<void()> d)
      : done(std::move(d)), timer(loop, [this] { fire(); }) {}
  void fire() {
    timer.close([this] {
      std::function<void()> cb = std::move(done);
      delete this;  // From the timer's close callback: nothing of it is used afterwards.
      cb();
    });
  }
  std::function<void()> done;
  Timer timer;
};

void run_after_closes(uv_loop_t* loop, std::function<void()> done) {
  auto* d = new Deferred(loop, std::move(done));
  if (Status st = d->timer.start(0); !st.ok()) {
    VIGIL_LOG(kLog, warning, "deferring the end of close: %s", st.message().c_str());
    d->fire();  // The timer never opened: `done` runs at once.
  }
}

}  // namespace

void ControlServer::close(std::function<void()> done) {
  if (done) run_after_closes(loop_, std::move(done));
  if (closed_) return;
  closed_ = true;
  tcp_.close();
  unix_.close();
  tcp_port_ = 0;
  for (auto& [id, c] : by_id_) admission_.remove(id);
  by_id_.clear();
  conns_.clear();  // Each Connection closes its handles.
  if (!unix_path_.empty()) {
    // Only the file this server made: another process may own the path by now.
    remove_socket_file(unix_path_, unix_file_);
    unix_path_.clear();
  }
}

void ControlServer::on_connection(uv_stream_t* listener, int status) {
  auto* self = static_cast<ControlServer*>(listener->data);
  if (self == nullptr) return;
  if (status != 0) {
    VIGIL_LOG(kLog, warning, "accept: %s", uv_err_name(status));
    return;
  }
  bool tcp = listener == self->tcp_.stream();
  self->accept(listener, tcp ? Connection::Mode::batch : Connection::Mode::line);
}

void ControlServer::accept(uv_stream_t* listener, Connection::Mode mode) {
  auto conn = std::make_unique<Connection>(connection_env(), mode);
  if (Status st = conn->accept(loop_, listener); !st.ok()) {
    // The pending connection is dropped; libuv keeps accepting the next ones.
    VIGIL_LOG(kLog, warning, "%s", st.message().c_str());
    return;
  }
  if (mode == Connection::Mode::batch && !peer_allowed(conn.get())) return;
  Connection* c = conn.get();
  std::string peer = peer_of(c, mode);
  Admission::Decision d = admission_.decide(peer);
  if (d.verdict == Admission::Verdict::refuse_peer ||
      d.verdict == Admission::Verdict::refuse_full) {
    stats_.over_limit.fetch_add(1, std::memory_order_relaxed);
    if (conns_.size() >= admission_.total() + kExtraConnections) return;  // No reply.
    VIGIL_LOG(kLog, debug, "refusing a connection from %s: %zu open, %zu from it", peer.c_str(),
              admission_.total(), admission_.held_by(peer));
    conns_.emplace(c, std::make_pair(std::move(conn), uint64_t{0}));
    c->refuse("error: too many connections");
    return;
  }
  if (d.verdict == Admission::Verdict::admit_after_evict) {
    VIGIL_LOG(kLog, debug, "closing a silent connection to admit %s", peer.c_str());
    release(by_id_[d.evict]);
  }
  stats_.connections.fetch_add(1, std::memory_order_relaxed);
  uint64_t id = ++next_id_;
  admission_.add(id, std::move(peer));
  by_id_[id] = c;
  conns_.emplace(c, std::make_pair(std::move(conn), id));
  c->start();  // May release c at once.
}

std::string ControlServer::peer_of(Connection* c, Connection::Mode mode) {
  if (mode == Connection::Mode::line) return "unix";
  sockaddr_storage peer{};
  int len = sizeof peer;
  if (uv_tcp_getpeername(reinterpret_cast<uv_tcp_t*>(c->stream()),
                         reinterpret_cast<sockaddr*>(&peer), &len) != 0) {
    return "?";
  }
  return peer_key(reinterpret_cast<sockaddr*>(&peer));
}

void ControlServer::mark_busy(Connection* c) {
  auto it = conns_.find(c);
  if (it != conns_.end() && it->second.second != 0) admission_.mark(it->second.second, false);
}

bool ControlServer::peer_allowed(Connection* c) {
  if (options_.allow.empty()) return true;
  sockaddr_storage peer{};
  int len = sizeof peer;
  int err = uv_tcp_getpeername(reinterpret_cast<uv_tcp_t*>(c->stream()),
                               reinterpret_cast<sockaddr*>(&peer), &len);
  if (err == 0 && cidr_allows(options_.allow, reinterpret_cast<sockaddr*>(&peer))) return true;
  stats_.denied_peers.fetch_add(1, std::memory_order_relaxed);
  // Rate-limit only the lines really written, so a level change shows the next denial.
  if (!kLog.enabled(logging::Level::warning)) return false;
  std::string who = err == 0 ? format_address(reinterpret_cast<sockaddr*>(&peer)) : "unknown peer";
  uint64_t unlogged = 0;
  if (deny_log_.should_log(peer_host(who), uv_now(loop_), &unlogged)) {
    VIGIL_LOG(kLog, warning,
              "control connection from %s denied by control.allow (%llu more from it since "
              "its last line)",
              who.c_str(), static_cast<unsigned long long>(unlogged));
  }
  return false;
}

ConnectionEnv ControlServer::connection_env() {
  return {&options_,
          &handler_,
          &stats_.errors,
          uv_buf_init(scratch_, sizeof scratch_),
          [this](Connection* c) { release(c); },
          [this](Connection* c) { mark_busy(c); }};
}

void ControlServer::release(Connection* c) {
  auto it = conns_.find(c);
  if (it == conns_.end()) return;
  if (uint64_t id = it->second.second; id != 0) {
    admission_.remove(id);
    by_id_.erase(id);
  }
  conns_.erase(it);
}

}  // namespace vigil::net
