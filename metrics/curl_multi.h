// Runs libcurl transfers on the libuv loop through the multi-socket API: curl says which
// sockets and timeout it waits for, uv_poll and a uv_timer watch them, and
// curl_multi_socket_action is called when they fire. No thread, no blocking call.
// Thread: loop only.
//
// Ownership: CurlMulti owns the CURLM, the timer and one uv_poll per socket (each an
// UvHandle, kept until its close callback). The caller owns each easy handle; it must stay alive
// until its transfer is done or removed. "loop" must outlive this object. REQUIRES: load_curl()
// returned ok (metrics/curl_api.h) before the first CurlMulti. REQUIRES: destroy only after close()
// has called `closed`.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>

#include "common/timer.h"
#include "metrics/curl_api.h"

namespace vigil::metrics {

class CurlMulti {
 public:
  using Done = std::function<void(CURLcode result)>;

  explicit CurlMulti(uv_loop_t* loop);
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Starts the transfer set up in `easy`; `done` runs on the loop when it ends (never
  // before add() returns). Returns false if curl refused it (then `done` never runs).
  bool add(CURL* easy, Done done);
  // Abandons a transfer; its `done` never runs.
  void remove(CURL* easy);
  // Abandons every transfer, frees the CURLM and closes every handle; `closed` runs from
  // the last close callback. Called once.
  void close(std::function<void()> closed);

 private:
  struct Socket;
  static int on_socket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
  static int on_timer_set(CURLM* multi, long timeout_ms, void* userp);
  static void on_poll(uv_poll_t* poll, int status, int events) noexcept;
  void on_timeout();
  void close_socket(Socket* s);
  void check_done();
  void maybe_closed();

  uv_loop_t* loop_;
  CURLM* multi_;
  Timer timer_;
  bool timer_closed_ = false;
  // Every socket not yet through its close callback; those curl watches are `watched`.
  std::map<Socket*, std::unique_ptr<Socket>> sockets_;
  std::map<CURL*, Done> transfers_;
  std::function<void()> closed_;
};

}  // namespace vigil::metrics
