#include "tests/influx/tcp_receiver.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

namespace vigil::test {

TcpReceiver::TcpReceiver(uv_loop_t* loop, int port) {
  REQUIRE(server_.init_tcp(loop, this).ok());
  sockaddr_in addr{};
  REQUIRE(uv_ip4_addr("127.0.0.1", port, &addr) == 0);
  sockaddr_in bound{};
  int len = sizeof bound;
  if (uv_tcp_bind(server_.tcp(), reinterpret_cast<const sockaddr*>(&addr), 0) == 0 &&
      uv_listen(server_.stream(), 16, on_connection) == 0 &&
      uv_tcp_getsockname(server_.tcp(), reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    port_ = ntohs(bound.sin_port);
  }
}

TcpReceiver::~TcpReceiver() { close(); }

size_t TcpReceiver::lines() const {
  return static_cast<size_t>(std::count(received_.begin(), received_.end(), '\n'));
}

void TcpReceiver::close() {
  server_.close();
  clients_.clear();  // each owner closes its open handle
}

void TcpReceiver::on_connection(uv_stream_t* server, int status) {
  auto* self = static_cast<TcpReceiver*>(server->data);
  if (self == nullptr || status != 0) return;
  auto c = std::make_unique<UvHandle>();
  if (!c->init_tcp(server->loop, self).ok() || uv_accept(server, c->stream()) != 0) return;
  int rc = uv_read_start(
      c->stream(),
      [](uv_handle_t*, size_t hint, uv_buf_t* buf) {
        *buf = uv_buf_init(static_cast<char*>(std::malloc(hint)), static_cast<unsigned>(hint));
      },
      on_read);
  if (rc != 0) return;
  ++self->connections_;
  self->clients_.push_back(std::move(c));
}

void TcpReceiver::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<TcpReceiver*>(s->data);
  if (self != nullptr && nread > 0) self->received_.append(buf->base, static_cast<size_t>(nread));
  std::free(buf->base);
  if (self != nullptr && nread < 0) {
    std::erase_if(self->clients_, [s](const auto& c) { return c->stream() == s; });
  }
}

}  // namespace vigil::test
