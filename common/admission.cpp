#include "common/admission.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace vigil {

std::string peer_key(const sockaddr* peer) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (peer == nullptr) return text;
  if (peer->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(peer)->sin_addr, text, sizeof text);
  } else if (peer->sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
      inet_ntop(AF_INET, a.s6_addr + 12, text, sizeof text);
    } else {
      inet_ntop(AF_INET6, &a, text, sizeof text);
    }
  }
  return text;
}

Admission::Admission(size_t max_total, size_t max_per_peer)
    : max_total_(max_total == 0 ? 1 : max_total),
      max_per_peer_(max_per_peer == 0 ? 1 : max_per_peer) {}

size_t Admission::held_by(std::string_view peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.all.size();
}

Admission::Decision Admission::decide(std::string_view peer) const {
  if (held_by(peer) >= max_per_peer_) return {Verdict::refuse_peer, 0};
  if (conns_.size() < max_total_) return {Verdict::admit, 0};
  // Full: the oldest silent connection of the peer that holds the most.
  const Peer* top = nullptr;
  for (const auto& [name, p] : peers_) {
    if (p.silent.empty()) continue;
    bool more = top == nullptr || p.all.size() > top->all.size() ||
                (p.all.size() == top->all.size() && *p.silent.begin() < *top->silent.begin());
    if (more) top = &p;
  }
  // Only the peers that hold the most count: a peer with fewer connections keeps its own.
  size_t most = 0;
  for (const auto& [name, p] : peers_) most = std::max(most, p.all.size());
  if (top == nullptr || top->all.size() < most) return {Verdict::refuse_full, 0};
  return {Verdict::admit_after_evict, *top->silent.begin()};
}

void Admission::add(uint64_t id, std::string peer) {
  Peer& p = peers_[peer];
  p.all.insert(id);
  p.silent.insert(id);
  conns_.emplace(id, std::move(peer));
}

void Admission::mark(uint64_t id, bool silent) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Peer& p = peers_.find(it->second)->second;
  if (silent) {
    p.silent.insert(id);
  } else {
    p.silent.erase(id);
  }
}

void Admission::remove(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  auto p = peers_.find(it->second);
  p->second.all.erase(id);
  p->second.silent.erase(id);
  if (p->second.all.empty()) peers_.erase(p);
  conns_.erase(it);
}

}  // namespace vigil
