#include "metrics/resolver.h"

#include <cassert>
#include <cstring>
#include <utility>

#include "metrics/queued_output.h"

namespace vigil::metrics {

Resolver::Resolver(uv_loop_t* loop, std::string host, uint16_t port)
    : loop_(loop), host_(std::move(host)), port_(port) {
  bool v6 = host_.find(':') != std::string::npos;
  label_ = (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

Resolver::~Resolver() { assert(!busy()); }

void Resolver::resolve(Done done) {
  assert(!busy());
  sockaddr_storage ss{};
  auto* sa = reinterpret_cast<sockaddr*>(&ss);
  if (uv_ip4_addr(host_.c_str(), port_, reinterpret_cast<sockaddr_in*>(&ss)) == 0 ||
      uv_ip6_addr(host_.c_str(), port_, reinterpret_cast<sockaddr_in6*>(&ss)) == 0) {
    done(0, sa);
    return;
  }
  done_ = std::move(done);
  req_ = new uv_getaddrinfo_t;
  req_->data = this;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string port = std::to_string(port_);
  int rc = uv_getaddrinfo(loop_, req_, on_resolved, host_.c_str(), port.c_str(), &hints);
  if (rc != 0) {
    delete req_;
    req_ = nullptr;
    Done d = std::move(done_);
    d(rc, nullptr);
  }
}

void Resolver::cancel() {
  if (req_ == nullptr) return;
  // UV_EBUSY: the lookup is running on the thread pool already and cannot be stopped; its
  // callback then comes with the lookup's own result. Either way `done` runs once.
  if (int rc = uv_cancel(reinterpret_cast<uv_req_t*>(req_)); rc != 0 && rc != UV_EBUSY) {
    VIGIL_LOG(push_log(), warning, "resolving %s: uv_cancel: %s; waiting for the lookup",
              label_.c_str(), uv_err_name(rc));
  }
}

void Resolver::on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* res) noexcept {
  auto* self = static_cast<Resolver*>(req->data);
  delete req;
  self->req_ = nullptr;
  Done d = std::move(self->done_);
  if (status == 0 && res == nullptr) status = UV_EAI_NONAME;
  d(status, status == 0 ? res->ai_addr : nullptr);
  uv_freeaddrinfo(res);
}

}  // namespace vigil::metrics
