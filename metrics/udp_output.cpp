#include "metrics/udp_output.h"

#include <cassert>
#include <cstring>
#include <utility>

#include "metrics/output_url.h"

namespace vigil::metrics {
namespace {

// One datagram owns its bytes until its callback.
struct Datagram {
  uv_udp_send_t req;
  std::string body;
};

}  // namespace

std::vector<size_t> split_datagrams(std::span<const std::string> lines, size_t max_payload) {
  std::vector<size_t> groups;
  size_t bytes = 0;
  for (const std::string& line : lines) {
    assert(line.size() <= max_payload);
    if (groups.empty() || bytes + line.size() > max_payload) {
      groups.push_back(0);
      bytes = 0;
    }
    ++groups.back();
    bytes += line.size();
  }
  return groups;
}

UdpOutput::UdpOutput(uv_loop_t* loop, const OutputConfig& config, uint64_t seed)
    : QueuedOutput(loop, "influx", config, seed), max_payload_(config.max_payload) {
  Result<OutputUrl> url = parse_socket_url("udp", config.url);
  resolver_ = std::make_unique<Resolver>(loop, url.ok() ? url->host : "", url.ok() ? url->port : 0);
  // Sends then fail, with this message, and are retried with backoff like any failure.
  if (Status st = udp_.init_udp(loop, this); !st.ok()) init_error_ = st.message();
}

UdpOutput::~UdpOutput() = default;

bool UdpOutput::can_carry(std::string_view line) const {
  return !line.empty() && line.size() <= max_payload_;
}

void UdpOutput::send_batch(std::span<const std::string> lines) {
  lines_ = lines;
  groups_ = split_datagrams(lines, max_payload_);
  next_group_ = 0;
  next_line_ = 0;
  if (!init_error_.empty()) {
    send_done(0, Verdict::retry, init_error_);
    return;
  }
  if (resolved_) {
    send_next();
    return;
  }
  resolver_->resolve([this](int status, const sockaddr* addr) {
    if (status != 0 || !udp_.is_open()) {
      finish(status != 0 ? status : UV_ECANCELED);
      return;
    }
    std::memcpy(&addr_, addr,
                addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
    resolved_ = true;
    send_next();
  });
}

void UdpOutput::send_next() {
  if (next_group_ == groups_.size()) {
    finish(0);
    return;
  }
  auto* d = new Datagram{};
  d->req.data = this;
  size_t n = groups_[next_group_];
  for (size_t i = 0; i < n; ++i) d->body += lines_[next_line_ + i];
  uv_buf_t buf = uv_buf_init(d->body.data(), static_cast<unsigned>(d->body.size()));
  int rc =
      uv_udp_send(&d->req, udp_.udp(), &buf, 1, reinterpret_cast<const sockaddr*>(&addr_), on_send);
  if (rc != 0) {
    delete d;
    finish(rc);
  }
}

void UdpOutput::on_send(uv_udp_send_t* req, int status) noexcept {
  std::unique_ptr<Datagram> d(reinterpret_cast<Datagram*>(req));
  auto* self = static_cast<UdpOutput*>(req->data);
  if (status != 0) {
    self->finish(status);
    return;
  }
  self->next_line_ += self->groups_[self->next_group_++];
  if (!self->udp_.is_open()) {
    // The socket closed after this datagram left: the rest of the batch stays unsent.
    self->finish(UV_ECANCELED);
    return;
  }
  self->send_next();
}

void UdpOutput::finish(int status) {
  size_t delivered = next_line_;
  lines_ = {};
  if (status == 0) {
    send_done(delivered, Verdict::delivered, "");
    return;
  }
  resolved_ = false;
  std::string error = "send to " + resolver_->label() + ": " + uv_err_name(status);
  send_done(delivered, Verdict::retry, error);
  maybe_closed();
}

void UdpOutput::maybe_closed() {
  if (!handle_closed_ || resolver_->busy() || !closed_) return;
  std::function<void()> closed = std::move(closed_);
  closed();
}

void UdpOutput::close_transport(std::function<void()> closed) {
  closed_ = std::move(closed);
  resolver_->cancel();
  // Pending sends are called back with UV_ECANCELED before the close callback.
  udp_.close([this] {
    handle_closed_ = true;
    maybe_closed();
  });
}

}  // namespace vigil::metrics
