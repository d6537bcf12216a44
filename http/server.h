// vigil::http::Server: a small HTTP/1.1 server on a libuv loop, for pull-based tools
// (Prometheus, go tool pprof). Requests are parsed by Debian's http-parser (node's parser,
// built for event loops: it takes bytes as they arrive and keeps no buffer of its own).
// Thread: loop only. Logs through the source `http`.
//
//   http::Server server(loop, options);
//   server.route("/metrics", [](const http::Request& r, std::shared_ptr<http::Exchange> x) {
//     x->reply(http::text_response(200, "hello"));
//   });
//   if (Status st = server.listen("127.0.0.1:9464"); !st.ok()) ...
//   ...
//   server.close();  // then run the loop until the handles are closed
//
// What every client gets (docs/http.md):
//   - GET and HEAD of a routed path: the handler's response, kept alive unless the client
//     asks otherwise; requests on one connection are answered in order;
//   - a malformed request: 400; another method: 405 with `Allow: GET, HEAD`; an unknown
//     path: 404 listing the paths; headers over `max_header_bytes`: 431;
//   - a request (or its body) not complete within `idle_timeout_ms` of its first byte, or
//     of the previous answer: 408, then close; a body over 64 KiB: 413. Bodies are read
//     and ignored;
//   - a peer outside `allow`: closed with no reply;
//   - a peer over `max_per_peer`, or the port full with no silent connection to close
//     (common/admission.h): 503, then close.
// Memory per connection: at most max_header_bytes of request plus the reply being written.
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
#include "common/admission.h"
#include "common/status.h"
#include "common/uv_handle.h"
#include "http/response.h"

namespace vigil::http {

// One request being answered. The handler keeps the shared_ptr as long as it needs (e.g.
// for an answer that takes seconds) and calls reply() once.
class Exchange {
 public:
  // Sends the response; ignored when the client is gone or a reply was sent.
  void reply(Response response);
  // False once the client has gone away (or the server closed).
  bool open() const { return open_; }
  // Runs `cb` (once, on the loop) if the client goes away before reply().
  void on_abort(std::function<void()> cb) { abort_ = std::move(cb); }

  // For the connection.
  explicit Exchange(std::function<void(Response)> send) : send_(std::move(send)) {}
  void abort();

 private:
  std::function<void(Response)> send_;
  std::function<void()> abort_;
  bool open_ = true;
};

using Handler = std::function<void(const Request&, std::shared_ptr<Exchange>)>;

struct ServerOptions {
  std::vector<Cidr> allow;  // Empty: every peer.
  uint32_t max_connections = 64;
  uint32_t max_per_peer = 8;
  uint64_t idle_timeout_ms = 10'000;
  size_t max_header_bytes = 8 * 1024;
  std::string name = "HTTP";  // for log lines
};

// Counters since start (loop thread).
struct ServerStats {
  uint64_t requests = 0;
  uint64_t errors = 0;   // 4xx and 5xx sent by the server itself
  uint64_t refused = 0;  // 503 for max_connections or max_per_peer
  uint64_t evicted = 0;  // silent connections closed to admit another peer
  uint64_t denied = 0;   // peers outside `allow`
};

class Connection;

class Server {
 public:
  // "*loop" must outlive this object.
  Server(uv_loop_t* loop, ServerOptions options);
  // Calls close(). The loop must run afterwards for the handles to be freed.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Adds a path (exact match, query ignored). Before listen() or after, on the loop.
  void route(std::string path, Handler handler);
  // Binds and listens on "HOST:PORT". Errors: "listen 127.0.0.1:9464: EADDRINUSE"; a
  // second call, even after a failed one or close(), fails too.
  Status listen(std::string_view address);
  int port() const { return port_; }
  // Stops listening and closes every connection (pending exchanges are aborted).
  // Idempotent.
  void close();

  const ServerStats& stats() const { return stats_; }
  size_t connections() const { return admission_.total(); }

  // For Connection.
  const ServerOptions& options() const { return options_; }
  uv_buf_t scratch() { return uv_buf_init(scratch_, sizeof scratch_); }
  // Routes a complete GET or HEAD request.
  void dispatch(const Request& request, std::shared_ptr<Exchange> exchange);
  void count_error() { ++stats_.errors; }
  void count_request() { ++stats_.requests; }
  // Logs a failed uv call of the connection with `peer` that closes it: at debug level when
  // the peer caused it (a reset), else as a warning.
  void connection_failed(const std::string& peer, const std::string& what, bool peer_caused);
  void mark_silent(uint64_t id, bool silent) { admission_.mark(id, silent); }
  // Destroys the connection `id`; the caller touches nothing of it afterwards.
  void release(uint64_t id);

 private:
  static void on_connection(uv_stream_t* listener, int status);
  void accept();
  std::string paths_text() const;

  uv_loop_t* loop_;
  ServerOptions options_;
  UvHandle listener_;
  int port_ = 0;
  uint64_t next_id_ = 0;
  Admission admission_;
  std::map<std::string, Handler> routes_;
  // Admitted connections (in admission_) and refused ones still writing their 503.
  std::map<uint64_t, std::unique_ptr<Connection>> conns_;
  size_t refusing_ = 0;
  ServerStats stats_;
  char scratch_[16 * 1024];  // Read buffer shared by all connections (one loop thread).
};

}  // namespace vigil::http
