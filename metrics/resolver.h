// Turns an output's HOST and PORT into a socket address without blocking the loop.
// Thread: loop only.
//
// A numeric host (IPv4, IPv6) is parsed at once and `done` runs before resolve() returns;
// a name goes through uv_getaddrinfo (the libuv thread pool) and `done` runs later on the
// loop. Names are looked up again on every resolve(), so a moved server is found after a
// reconnect. "loop" must outlive this object. REQUIRES: not destroyed while busy().
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

namespace vigil::metrics {

class Resolver {
 public:
  // status is 0 or a negative UV_E* code; `addr` is valid only during the call.
  using Done = std::function<void(int status, const sockaddr* addr)>;

  Resolver(uv_loop_t* loop, std::string host, uint16_t port);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // REQUIRES: !busy().
  void resolve(Done done);
  bool busy() const { return req_ != nullptr; }
  // Asks a lookup in progress to stop; `done` still runs (often with UV_ECANCELED).
  void cancel();

  // "host:port", for messages.
  const std::string& label() const { return label_; }

 private:
  static void on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* res) noexcept;

  uv_loop_t* loop_;
  std::string host_;
  uint16_t port_;
  std::string label_;
  uv_getaddrinfo_t* req_ = nullptr;  // Owned; freed in on_resolved.
  Done done_;
};

}  // namespace vigil::metrics
