// Admission: who may hold a connection to a listener, so that no peer can lock out another.
// A pure bookkeeping unit shared by the control port, the memtrace port and the HTTP port;
// the listeners do the closing.
// Thread: one thread per object (each listener owns one, on its loop).
//
// Rule (the same on every port):
//   1. A peer (an IP address, the port not counted) holds at most `max_per_peer`
//      connections; one more from it is refused.
//   2. When the listener holds `max_total` connections, a new one is admitted by closing
//      the oldest silent connection of the peer that holds the most (ties: the peer whose
//      oldest silent connection is older). If that peer has no silent connection, the new
//      one is refused.
// "Silent" is the listener's call: a connection is silent from add() until mark(id, false),
// typically "has sent nothing since it was accepted or last answered".
// Connection ids are the caller's; they must grow with the order of add() (age order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

struct sockaddr;

namespace vigil {

// The key of a peer: its IP address without the port ("127.0.0.2", "::1"); an IPv4-mapped
// IPv6 address gives the IPv4 form. "?" for anything else.
std::string peer_key(const sockaddr* peer);

class Admission {
 public:
  enum class Verdict {
    admit,              // there is room
    admit_after_evict,  // close `evict` first, then admit
    refuse_peer,        // the peer holds max_per_peer already
    refuse_full,        // full, and no silent connection to close
  };
  struct Decision {
    Verdict verdict = Verdict::admit;
    uint64_t evict = 0;  // with admit_after_evict only
  };

  // Both limits at least 1 (0 is taken as 1).
  Admission(size_t max_total, size_t max_per_peer);

  // What to do with a new connection from `peer`. Changes nothing.
  Decision decide(std::string_view peer) const;
  // Records an admitted connection, silent. REQUIRES: `id` is new and above every id
  // added before.
  void add(uint64_t id, std::string peer);
  // Marks a connection silent or busy; unknown ids are ignored.
  void mark(uint64_t id, bool silent);
  // Forgets a connection; unknown ids are ignored.
  void remove(uint64_t id);

  size_t total() const { return conns_.size(); }
  size_t held_by(std::string_view peer) const;
  bool holds(uint64_t id) const { return conns_.count(id) != 0; }

 private:
  struct Peer {
    std::set<uint64_t> all;     // ids, oldest first
    std::set<uint64_t> silent;  // the silent ones among them
  };
  size_t max_total_;
  size_t max_per_peer_;
  std::map<uint64_t, std::string> conns_;  // id -> peer
  std::map<std::string, Peer, std::less<>> peers_;
};

}  // namespace vigil
