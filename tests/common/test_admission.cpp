// Admission: the per-peer limit and "when full, close the oldest silent connection of the
// peer that holds the most".
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>

#include "common/admission.h"

using vigil::Admission;
using V = Admission::Verdict;

TEST_CASE("admission: room admits, the per-peer limit refuses the peer's next one") {
  Admission a(10, 2);
  CHECK(a.decide("10.0.0.1").verdict == V::admit);
  a.add(1, "10.0.0.1");
  a.add(2, "10.0.0.1");
  CHECK(a.decide("10.0.0.1").verdict == V::refuse_peer);
  CHECK(a.decide("10.0.0.2").verdict == V::admit);
  a.remove(1);
  CHECK(a.decide("10.0.0.1").verdict == V::admit);
  CHECK(a.held_by("10.0.0.1") == 1);
  CHECK(a.total() == 1);
}

TEST_CASE("admission: full, the oldest silent connection of the biggest holder goes") {
  Admission a(5, 8);
  a.add(1, "b");  // b holds 3, a holds 2
  a.add(2, "a");
  a.add(3, "b");
  a.add(4, "a");
  a.add(5, "b");
  a.mark(1, false);  // b's oldest is busy: its oldest silent one is 3
  Admission::Decision d = a.decide("c");
  CHECK(d.verdict == V::admit_after_evict);
  CHECK(d.evict == 3);
}

TEST_CASE("admission: ties go to the peer whose silent connection is older") {
  Admission a(4, 8);
  a.add(1, "x");
  a.add(2, "y");
  a.add(3, "y");
  a.add(4, "x");
  a.mark(1, false);
  Admission::Decision d = a.decide("z");
  CHECK(d.verdict == V::admit_after_evict);
  CHECK(d.evict == 2);
}

TEST_CASE("admission: the biggest holder all busy refuses, smaller peers keep theirs") {
  Admission a(3, 8);
  a.add(1, "big");
  a.add(2, "big");
  a.add(3, "small");
  a.mark(1, false);
  a.mark(2, false);
  CHECK(a.decide("new").verdict == V::refuse_full);
  a.mark(2, true);  // silent again
  CHECK(a.decide("new").evict == 2);
}

TEST_CASE("admission: a peer at the top may renew its own connections") {
  Admission a(2, 8);
  a.add(1, "p");
  a.add(2, "p");
  Admission::Decision d = a.decide("p");
  CHECK(d.verdict == V::admit_after_evict);
  CHECK(d.evict == 1);
}

TEST_CASE("admission: a flood from one peer leaves room for another") {
  // What the listeners do: 500 connections from one peer, each admitted or refused.
  Admission a(64, 8);
  uint64_t id = 0;
  int refused = 0;
  for (int i = 0; i < 500; ++i) {
    Admission::Decision d = a.decide("127.0.0.2");
    if (d.verdict == V::refuse_peer) {
      ++refused;
      continue;
    }
    a.add(++id, "127.0.0.2");
  }
  CHECK(refused == 492);
  CHECK(a.decide("127.0.0.1").verdict == V::admit);
}

TEST_CASE("admission: zero limits act as one; unknown ids are ignored") {
  Admission a(0, 0);
  a.mark(7, false);
  a.remove(7);
  CHECK(a.decide("p").verdict == V::admit);
  a.add(1, "p");
  CHECK(a.decide("p").verdict == V::refuse_peer);
  CHECK(a.decide("q").verdict == V::admit_after_evict);
}

TEST_CASE("admission: peer keys are the address without the port") {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(1234);
  inet_pton(AF_INET, "127.0.0.2", &v4.sin_addr);
  CHECK(vigil::peer_key(reinterpret_cast<sockaddr*>(&v4)) == "127.0.0.2");
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:10.1.2.3", &v6.sin6_addr);
  CHECK(vigil::peer_key(reinterpret_cast<sockaddr*>(&v6)) == "10.1.2.3");
  inet_pton(AF_INET6, "::1", &v6.sin6_addr);
  CHECK(vigil::peer_key(reinterpret_cast<sockaddr*>(&v6)) == "::1");
  CHECK(vigil::peer_key(nullptr) == "?");
}
