// One accepted HTTP connection: parsing with http-parser, answering in order, keep-alive,
// the idle timer and the closing handshake.
// Thread: loop only.
//
// Life: idle (waiting for a request; "silent" for admission) -> reading (bytes of a request
// arrived) -> handling (the handler has it; reading stops, so pipelined requests wait in
// the kernel) -> writing -> idle again, or closing. Closing half-closes and drains the peer
// for up to 1 s, so the client gets the last response rather than a reset.
// Ownership: the Server owns every Connection and destroys it in Server::release(); after
// calling it the connection touches nothing. Handle memory is freed in close callbacks.
#pragma once

#include <http_parser.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "common/status.h"
#include "common/uv_handle.h"
#include "http/response.h"

namespace vigil::http {

class Server;
class Exchange;

class Connection {
 public:
  Connection(Server* server, uint64_t id);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Initialises the handles and accepts the pending connection ("accept: EMFILE").
  Status accept(uv_loop_t* loop, uv_stream_t* listener);
  uv_tcp_t* tcp() { return tcp_.tcp(); }
  uint64_t id() const { return id_; }
  void set_peer(std::string peer) { peer_ = std::move(peer); }

  // Starts reading requests.
  void start();
  // Sends `response` and closes: for connections that are not admitted.
  void refuse(const Response& response);

 private:
  enum class Phase { idle, reading, handling, writing, closing };
  // A parsed request, or the error that ends the connection.
  struct Item {
    Request request;
    bool head = false;
    bool keep_alive = true;
    int error = 0;  // the status to send instead, then close
    std::string error_text;
  };

  static int on_url(http_parser* p, const char* at, size_t len);
  static int on_header_bytes(http_parser* p, const char* at, size_t len);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, size_t len);
  static int on_message_complete(http_parser* p);
  static const http_parser_settings& settings();

  static void on_alloc(uv_handle_t* h, size_t hint, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_timer(uv_timer_t* t);
  static void on_write(uv_write_t* req, int status);

  void parse(const char* data, size_t len);
  void parse_error(const char* data, size_t len);
  void next();
  void answer(const Item& item);
  void send(const Response& response, bool head, bool keep_alive);
  void after_write();
  void linger();
  void set_phase(Phase phase);
  // Start or stop reading; reading_ says which. A failure is logged and closes the
  // connection from the timer (start_reading() then returns false).
  bool start_reading();
  void stop_reading();
  // Logs the failed call `what` and closes from the timer (the caller still uses `this`).
  void fail_soon(const std::string& what, bool peer_caused);
  void arm_timer(uint64_t ms);
  void finish();
  int fail(int status, std::string text);

  Server* server_;
  uint64_t id_;
  std::string peer_;
  UvHandle tcp_;
  UvHandle timer_;
  http_parser parser_{};
  Phase phase_ = Phase::idle;
  Item current_;             // the request being parsed
  size_t header_bytes_ = 0;  // of current_
  size_t body_bytes_ = 0;
  std::deque<Item> items_;  // parsed, not answered yet
  std::shared_ptr<Exchange> exchange_;
  bool keep_alive_ = true;  // of the response being written
  bool reading_ = false;
  bool stopped_parsing_ = false;  // after an error: bytes are ignored
};

}  // namespace vigil::http
