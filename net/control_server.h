// The control listeners: a TCP port (batch framing) and a Unix socket (line framing),
// both answering each line with a reply handler (docs/control-protocol.md §1).
// Thread: loop only, except stats(), whose counters may be read from any thread. Logs
// through the source `net.control`, each answered line at debug level.
//
//   net::ControlServer server(loop, [](std::string_view line) { return net::Reply{...}; }, {});
//   if (Status st = server.listen_tcp("0.0.0.0:2323"); !st.ok()) ...
//   ...
//   server.close();  // then run the loop until the handles are closed
//
// Limits: at most `max_connections` connections at once on both transports, and at most
// `max_per_peer` from one address (the Unix socket counts as one address). Admission follows
// common/admission.h: when the port is full, the oldest silent connection (one that has sent
// nothing yet) of the address holding the most is closed to admit the new one; otherwise
// the client gets "error: too many connections". TCP peers outside `allow` are closed with no
// reply (logged once per peer per minute); a connection that sends nothing for
// `idle_timeout_ms` is closed with no reply. Memory per connection is bounded by
// kMaxCommandBytes plus its pending replies.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/address.h"
#include "common/admission.h"
#include "common/peer_log_limit.h"
#include "common/status.h"
#include "common/uv_handle.h"
#include "logging/log.h"
#include "net/control_conn.h"
#include "net/reply.h"
#include "net/unix_socket.h"

namespace vigil::net {

// The log source of the control transport: "net.control".
logging::Source& control_log();

struct ServerOptions {
  uint32_t max_connections = 64;
  uint32_t max_per_peer = 8;
  std::vector<Cidr> allow = private_networks();  // TCP peers served; empty: every peer.
  uint64_t idle_timeout_ms = 10'000;
  uint64_t pause_ms = 200;     // Batch framing: a pause this long ends the batch.
  uint64_t linger_ms = 1'000;  // How long a closing connection drains the peer at most.
};

// Counters of the transport, for the `source/self/pipeline` metrics.
// Thread: any (atomics, relaxed).
struct ServerStats {
  std::atomic<uint64_t> connections{0};   // Connections accepted and served.
  std::atomic<uint64_t> denied_peers{0};  // TCP peers outside control.allow.
  std::atomic<uint64_t> over_limit{0};    // Connections refused by max_connections.
  std::atomic<uint64_t> errors{0};        // Error replies made here ("command too long").
};

class ControlServer {
 public:
  // "*loop" must outlive this object. `handler` answers every non-blank line.
  ControlServer(uv_loop_t* loop, ReplyHandler handler, ServerOptions options);
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
  size_t active_connections() const { return admission_.total(); }

  // Stops listening, closes every connection and removes the socket file. Idempotent.
  // `done`, if given, runs on the loop after every handle closed here has been freed (also
  // when the server was already closed).
  void close(std::function<void()> done = {});

  ServerStats& stats() { return stats_; }

 private:
  // Destroys `c`. REQUIRES: `c` is a connection of this server; the caller touches
  // nothing of `c` afterwards.
  void release(Connection* c);
  // `c` has sent something: it is no longer silent.
  void mark_busy(Connection* c);
  ConnectionEnv connection_env();
  static void on_connection(uv_stream_t* listener, int status);
  void accept(uv_stream_t* listener, Connection::Mode mode);
  bool peer_allowed(Connection* c);
  std::string peer_of(Connection* c, Connection::Mode mode);

  uv_loop_t* loop_;
  ReplyHandler handler_;  // The user's handler, wrapped to log each line.
  ServerOptions options_;
  ServerStats stats_;
  UvHandle tcp_;
  UvHandle unix_;
  std::string unix_path_;   // Set once our socket file exists; removed by close().
  SocketFileId unix_file_;  // The file bound at unix_path_, to remove only that one.
  int tcp_port_ = 0;
  // Connections and their admission id (0: refused, writing its reply).
  std::map<Connection*, std::pair<std::unique_ptr<Connection>, uint64_t>> conns_;
  std::map<uint64_t, Connection*> by_id_;  // the admitted ones
  Admission admission_;
  uint64_t next_id_ = 0;
  PeerLogLimit deny_log_;  // One "denied" line per peer per minute.
  bool closed_ = false;
  char scratch_[64 * 1024];  // Read buffer shared by all connections (one loop thread).
};

}  // namespace vigil::net
