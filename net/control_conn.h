// One accepted control connection: framing, replies, timeouts and the closing handshake.
// Thread: loop only.
//
// Two framings (docs/control-protocol.md §1):
//  - batch (TCP): read until EOF, a pause, or more than kMaxCommandBytes; answer every
//    non-blank line, then close;
//  - line (Unix socket): answer each LF-terminated line at once; stay open until the
//    client closes.
// Before closing with data possibly unread, the connection half-closes and drains the peer
// for a short while ("lingering close"), so the peer gets the reply instead of a reset.
//
// Ownership: the ControlServer owns every Connection and destroys it when the connection
// calls its `release` callback; after that call the connection touches nothing.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/uv_handle.h"
#include "net/reply.h"

namespace vigil::net {

class Connection;
struct ServerOptions;

// What a connection uses of its server, handed over at construction. The pointers are the
// server's and outlive every connection.
struct ConnectionEnv {
  const ServerOptions* options;
  const ReplyHandler* handler;               // Answers each non-blank line.
  std::atomic<uint64_t>* errors;             // Counts the replies made here ("command too long").
  uv_buf_t read_buffer;                      // Shared by all connections (one loop thread).
  std::function<void(Connection*)> release;  // Destroys the connection.
  std::function<void(Connection*)> busy;     // The connection has sent something.
};

class Connection {
 public:
  enum class Mode { batch, line };

  Connection(ConnectionEnv env, Mode mode);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Initialises the stream and accepts the pending connection of `listener`.
  Status accept(uv_loop_t* loop, uv_stream_t* listener);
  uv_stream_t* stream() { return stream_.stream(); }

  // Starts reading commands.
  void start();
  // Sends `reply` (a whole line, without LF) and closes: for connections over the limit.
  void refuse(std::string_view reply);

 private:
  enum class Phase { reading, replying, lingering };

  static void on_alloc(uv_handle_t* h, size_t hint, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_timer(uv_timer_t* t);
  static void on_write(uv_write_t* req, int status);
  static void on_shutdown(uv_shutdown_t* req, int status);

  void read_batch(std::string_view data);
  void read_lines(std::string_view data);
  void on_eof();
  // Executes the lines of `text` in order, appending one reply line each to `*out`.
  // Stops after a `shutdown`. Returns false if a line was too long (an error reply was
  // appended and nothing after it runs).
  bool execute_lines(std::string_view text, std::string* out);
  void execute_line(std::string_view line, std::string* out);
  void send(std::string data);
  void after_write();
  void linger();
  // Start or stop reading; reading_ says which. A failure closes soon.
  void start_reading();
  void stop_reading();
  // Logs the failed call (at debug level when the peer caused it) and closes from the timer.
  void fail_soon(const char* call, int err, bool peer_caused);
  // Closes from the timer callback, for failures found where `this` must stay valid.
  void close_soon();
  void arm_timer(uint64_t ms);
  void finish();

  ConnectionEnv env_;
  Mode mode_;
  Phase phase_ = Phase::reading;
  UvHandle stream_;
  UvHandle timer_;
  std::string buffer_;  // Unanswered bytes; at most kMaxCommandBytes + 1 plus one read.
  size_t pending_writes_ = 0;
  bool eof_ = false;
  bool reading_ = false;
  bool read_paused_ = false;           // Line mode: too many replies queued, reading stopped.
  std::function<void()> after_reply_;  // Set by a reply: runs once it is written.
};

}  // namespace vigil::net
