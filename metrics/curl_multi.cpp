#include "metrics/curl_multi.h"

#include <cassert>
#include <utility>
#include <vector>

#include "metrics/queued_output.h"

namespace vigil::metrics {

struct CurlMulti::Socket {
  UvHandle poll;
  curl_socket_t fd;
  CurlMulti* owner;
  bool watched = true;
};

CurlMulti::CurlMulti(uv_loop_t* loop) : loop_(loop), timer_(loop, [this] { on_timeout(); }) {
  multi_ = curl().multi_init();
  curl().multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl().multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl().multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, on_timer_set);
  curl().multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlMulti::~CurlMulti() { assert(multi_ == nullptr && timer_closed_ && sockets_.empty()); }

bool CurlMulti::add(CURL* easy, Done done) {
  if (multi_ == nullptr || curl().multi_add_handle(multi_, easy) != CURLM_OK) return false;
  transfers_[easy] = std::move(done);
  return true;
}

void CurlMulti::remove(CURL* easy) {
  if (transfers_.erase(easy) == 0) return;
  curl().multi_remove_handle(multi_, easy);
}

int CurlMulti::on_socket(CURL*, curl_socket_t fd, int what, void* userp, void* socketp) {
  auto* self = static_cast<CurlMulti*>(userp);
  auto* s = static_cast<Socket*>(socketp);
  if (what == CURL_POLL_REMOVE) {
    if (s != nullptr) self->close_socket(s);
    return 0;
  }
  // A failure below makes curl fail the transfer, which the output retries later.
  if (s == nullptr) {
    std::unique_ptr<Socket> owned(new Socket{{}, fd, self});
    if (Status st = owned->poll.init_poll_socket(self->loop_, fd, owned.get()); !st.ok()) {
      VIGIL_LOG(push_log(), error, "curl socket %d: %s", fd, st.message().c_str());
      return -1;
    }
    s = owned.get();
    self->sockets_.emplace(s, std::move(owned));
    curl().multi_assign(self->multi_, fd, s);
  }
  int events = 0;
  if (what & CURL_POLL_IN) events |= UV_READABLE;
  if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
  if (int rc = uv_poll_start(s->poll.poll(), events, on_poll); rc != 0) {
    VIGIL_LOG(push_log(), error, "curl socket %d: %s", fd, uv_error("uv_poll_start", rc).c_str());
    return -1;
  }
  return 0;
}

void CurlMulti::close_socket(Socket* s) {
  if (!s->watched) return;
  s->watched = false;
  if (multi_ != nullptr) curl().multi_assign(multi_, s->fd, nullptr);
  s->poll.close([this, s] {
    sockets_.erase(s);
    maybe_closed();
  });
}

int CurlMulti::on_timer_set(CURLM*, long timeout_ms, void* userp) {
  auto* self = static_cast<CurlMulti*>(userp);
  if (timeout_ms < 0) {
    self->timer_.stop();
    return 0;
  }
  // Even a 0 ms timeout goes through the loop: curl must not be re-entered from here.
  if (Status st = self->timer_.start(static_cast<uint64_t>(timeout_ms)); !st.ok()) {
    VIGIL_LOG(push_log(), error, "curl timer: %s", st.message().c_str());
    return -1;
  }
  return 0;
}

void CurlMulti::on_timeout() {
  int running = 0;
  curl().multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  check_done();
}

void CurlMulti::on_poll(uv_poll_t* poll, int status, int events) noexcept {
  auto* s = static_cast<Socket*>(poll->data);
  CurlMulti* self = s->owner;
  int flags = 0;
  if (status < 0) {
    flags = CURL_CSELECT_ERR;
  } else {
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  }
  int running = 0;
  // `s` may be closed inside this call (CURL_POLL_REMOVE); it is freed only on close.
  curl().multi_socket_action(self->multi_, s->fd, flags, &running);
  self->check_done();
}

void CurlMulti::check_done() {
  if (multi_ == nullptr) return;
  int left = 0;
  while (CURLMsg* msg = curl().multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    auto it = transfers_.find(easy);
    curl().multi_remove_handle(multi_, easy);
    if (it == transfers_.end()) continue;
    Done done = std::move(it->second);
    transfers_.erase(it);
    // May add the next transfer; curl allows that outside its own callbacks.
    done(result);
    if (multi_ == nullptr) return;
  }
}

void CurlMulti::close(std::function<void()> closed) {
  closed_ = std::move(closed);
  for (auto& [easy, done] : transfers_) curl().multi_remove_handle(multi_, easy);
  transfers_.clear();
  // Cleanup closes cached connections and may report them through on_socket.
  curl().multi_cleanup(multi_);
  multi_ = nullptr;
  std::vector<Socket*> left;
  for (auto& [s, owned] : sockets_) left.push_back(s);
  for (Socket* s : left) close_socket(s);
  timer_.close([this] {
    timer_closed_ = true;
    maybe_closed();
  });
}

void CurlMulti::maybe_closed() {
  if (!timer_closed_ || !sockets_.empty() || !closed_) return;
  std::function<void()> closed = std::move(closed_);
  closed();
}

}  // namespace vigil::metrics
