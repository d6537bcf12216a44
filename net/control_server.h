// The control listeners: a TCP port (batch framing) and a Unix socket (line framing),
// both answering with a Controller (spec/control-protocol.md §1).
// Thread: loop only. Logs through the source `net.control`.
//
//   net::Controller controller(&registry, [&] { monitor.request_shutdown(); });
//   net::ControlServer server(loop, &controller, {});
//   if (Status st = server.listen_tcp("0.0.0.0:2323"); !st.ok()) ...
//   ...
//   server.close();  // then run the loop until the handles are closed
//
// Limits: at most `max_connections` connections at once on both transports (past it a
// client gets "error: too many connections"); TCP peers outside `allow` are closed with no
// reply (logged once per peer per minute); a connection that sends nothing for `idle_timeout_ms` is
// closed with no reply. Memory per connection is bounded by kMaxCommandBytes plus its pending
// replies.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/address.h"
#include "common/peer_log_limit.h"
#include "common/status.h"
#include "net/control.h"
#include "net/control_conn.h"
#include "net/unix_socket.h"
#include "net/uv_handle.h"

namespace vigil::net {

struct ServerOptions {
  uint32_t max_connections = 64;
  std::vector<Cidr> allow = private_networks();  // TCP peers served; empty: every peer.
  uint64_t idle_timeout_ms = 10'000;
  uint64_t pause_ms = 200;     // Batch framing: a pause this long ends the batch.
  uint64_t linger_ms = 1'000;  // How long a closing connection drains the peer at most.
};

class ControlServer {
 public:
  // "*loop" and "*controller" must outlive this object.
  ControlServer(uv_loop_t* loop, Controller* controller, ServerOptions options);
  // Calls close(). The loop must run afterwards for the handles to be freed.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds and listens on "HOST:PORT". Errors name the action and the address:
  // "listen 0.0.0.0:2323: EADDRINUSE". REQUIRES: no TCP listener yet.
  Status listen_tcp(std::string_view address);
  // Binds `path` with mode 0600, replacing a stale socket file (but no other kind of file,
  // and not a socket some process still answers on: "PATH is in use by a running
  // process"). Errors carry the real errno and the path (net/unix_socket.h). At close the
  // file is removed only if it is still the one made here. REQUIRES: no Unix listener yet.
  Status listen_unix(const std::string& path);

  // The bound TCP port, or 0 without a TCP listener.
  int tcp_port() const { return tcp_port_; }
  // Connections currently counted against max_connections.
  size_t active_connections() const { return active_; }

  // Stops listening, closes every connection and removes the socket file. Idempotent.
  // `done`, if given, runs on the loop after every handle closed here has been freed (also
  // when the server was already closed).
  void close(std::function<void()> done = {});

  // For Connection.
  Controller* controller() { return controller_; }
  const ServerOptions& options() const { return options_; }
  uv_buf_t scratch() { return uv_buf_init(scratch_, sizeof scratch_); }
  // Logs one executed command at debug level.
  void log_command(std::string_view line, std::string_view reply);
  // Destroys `c`. REQUIRES: `c` is a connection of this server; the caller touches
  // nothing of `c` afterwards.
  void release(Connection* c);

 private:
  static void on_connection(uv_stream_t* listener, int status);
  void accept(uv_stream_t* listener, Connection::Mode mode);
  bool peer_allowed(Connection* c);

  uv_loop_t* loop_;
  Controller* controller_;
  ServerOptions options_;
  UvHandle tcp_;
  UvHandle unix_;
  std::string unix_path_;   // Set once our socket file exists; removed by close().
  SocketFileId unix_file_;  // The file bound at unix_path_, to remove only that one.
  int tcp_port_ = 0;
  // Connections and whether each counts against max_connections (refused ones do not).
  std::map<Connection*, std::pair<std::unique_ptr<Connection>, bool>> conns_;
  size_t active_ = 0;
  PeerLogLimit deny_log_;  // One "denied" line per peer per minute.
  bool closed_ = false;
  char scratch_[64 * 1024];  // Read buffer shared by all connections (one loop thread).
};

}  // namespace vigil::net
