#include "metrics/tcp_connection.h"

#include <utility>

namespace vigil::metrics {

Status TcpConnection::open(uv_loop_t* loop, void* data) {
  auto c = std::make_unique<UvHandle>();
  if (Status st = c->init_tcp(loop, data); !st.ok()) return st;
  current_ = std::move(c);
  return Status();
}

bool TcpConnection::is(const uv_stream_t* stream) const {
  return current_ != nullptr && current_->is_open() && stream == current_->stream();
}

void TcpConnection::drop() {
  if (current_ == nullptr) return;
  UvHandle* h = current_.get();
  dropped_.push_back(std::move(current_));
  h->close([this, h] {
    dropped_.remove_if([h](const std::unique_ptr<UvHandle>& d) { return d.get() == h; });
    if (on_closed_) on_closed_();
  });
}

}  // namespace vigil::metrics
