#include "common/peer_log_limit.h"

namespace vigil {

PeerLogLimit::PeerLogLimit(uint64_t interval_ms, size_t max_peers)
    : interval_ms_(interval_ms), max_peers_(max_peers) {}

bool PeerLogLimit::should_log(std::string_view peer, uint64_t now_ms, uint64_t* suppressed) {
  auto it = peers_.find(std::string(peer));
  if (it != peers_.end() && now_ms - it->second.last_ms < interval_ms_) {
    ++it->second.suppressed;
    return false;
  }
  if (it == peers_.end()) {
    if (peers_.size() >= max_peers_) forget_old(now_ms);
    it = peers_.emplace(std::string(peer), Entry{}).first;
  }
  *suppressed = it->second.suppressed;
  it->second = Entry{now_ms, 0};
  return true;
}

void PeerLogLimit::forget_old(uint64_t now_ms) {
  std::erase_if(peers_, [&](const auto& p) { return now_ms - p.second.last_ms >= interval_ms_; });
  if (peers_.size() >= max_peers_) peers_.clear();
}

std::string peer_host(std::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return std::string(address);
  std::string_view host = address.substr(0, colon);
  // A bare IPv6 address has colons but no brackets and no port.
  if (host.find(':') != std::string_view::npos && !host.starts_with('[')) {
    return std::string(address);
  }
  return std::string(host);
}

}  // namespace vigil
