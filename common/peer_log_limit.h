// Rate limit for log lines about refused peers: one line per peer per interval, so a
// scanner cannot flood the log and a second peer is not hidden behind the first.
// Thread: one thread per object (the loop of the port that refuses).
//
//   PeerLogLimit limit;  // one line per peer per minute
//   uint64_t skipped;
//   if (limit.should_log(peer_host(who), uv_now(loop), &skipped))
//     VIGIL_LOG(..., "%s denied (%llu more since the last message)", who, skipped);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vigil {

class PeerLogLimit {
 public:
  // At most one line per peer per `interval_ms`; at most `max_peers` peers remembered (past
  // it, peers not seen for an interval are forgotten, then all, so memory stays bounded).
  explicit PeerLogLimit(uint64_t interval_ms = 60'000, size_t max_peers = 1024);

  // True iff a line about `peer` should be written at `now_ms`; then `*suppressed` is the
  // number of calls for that peer that returned false since its last line.
  bool should_log(std::string_view peer, uint64_t now_ms, uint64_t* suppressed);

  size_t size() const { return peers_.size(); }

 private:
  struct Entry {
    uint64_t last_ms = 0;
    uint64_t suppressed = 0;
  };
  void forget_old(uint64_t now_ms);

  uint64_t interval_ms_;
  size_t max_peers_;
  std::unordered_map<std::string, Entry> peers_;
};

// "HOST:PORT" or "[HOST]:PORT" without the port: the key of a peer for PeerLogLimit.
// Text without a port comes back unchanged.
std::string peer_host(std::string_view address);

}  // namespace vigil
