#include "tests/influx/tcp_receiver.h"

#include <algorithm>
#include <cstdlib>

namespace vigil::test {
namespace {

void free_tcp(uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); }

}  // namespace

TcpReceiver::TcpReceiver(uv_loop_t* loop, int port) : server_(new uv_tcp_t) {
  uv_tcp_init(loop, server_);
  server_->data = this;
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", port, &addr);
  sockaddr_in bound{};
  int len = sizeof bound;
  if (uv_tcp_bind(server_, reinterpret_cast<const sockaddr*>(&addr), 0) == 0 &&
      uv_listen(reinterpret_cast<uv_stream_t*>(server_), 16, on_connection) == 0 &&
      uv_tcp_getsockname(server_, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    port_ = ntohs(bound.sin_port);
  }
}

TcpReceiver::~TcpReceiver() { close(); }

size_t TcpReceiver::lines() const {
  return static_cast<size_t>(std::count(received_.begin(), received_.end(), '\n'));
}

void TcpReceiver::close() {
  if (server_ == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(server_), free_tcp);
  server_ = nullptr;
  for (uv_tcp_t* c : clients_) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(c))) {
      uv_close(reinterpret_cast<uv_handle_t*>(c), free_tcp);
    }
  }
  clients_.clear();
}

void TcpReceiver::on_connection(uv_stream_t* server, int status) {
  auto* self = static_cast<TcpReceiver*>(server->data);
  if (status != 0) return;
  auto* c = new uv_tcp_t;
  uv_tcp_init(server->loop, c);
  c->data = self;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(c)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(c), free_tcp);
    return;
  }
  ++self->connections_;
  self->clients_.push_back(c);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(c),
      [](uv_handle_t*, size_t hint, uv_buf_t* buf) {
        *buf = uv_buf_init(static_cast<char*>(std::malloc(hint)), static_cast<unsigned>(hint));
      },
      on_read);
}

void TcpReceiver::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<TcpReceiver*>(s->data);
  if (nread > 0) self->received_.append(buf->base, static_cast<size_t>(nread));
  std::free(buf->base);
  if (nread < 0) {
    auto& cs = self->clients_;
    cs.erase(std::remove(cs.begin(), cs.end(), reinterpret_cast<uv_tcp_t*>(s)), cs.end());
    uv_close(reinterpret_cast<uv_handle_t*>(s), free_tcp);
  }
}

}  // namespace vigil::test
