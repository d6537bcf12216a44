#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "memprof/ring.h"

using vigil::memprof::Ring;

namespace {

struct Item {
  int producer = 0;
  int seq = 0;
};

}  // namespace

TEST_CASE("a full ring refuses the push and counts a drop") {
  Ring<int, 4> ring;
  for (int i = 0; i < 4; ++i) CHECK(ring.push([&](int& v) { v = i; }));
  bool called = false;
  CHECK_FALSE(ring.push([&](int&) { called = true; }));
  CHECK_FALSE(called);
  CHECK(ring.dropped() == 1);
  int v = -1;
  REQUIRE(ring.pop(&v));
  CHECK(v == 0);
  CHECK(ring.push([](int& x) { x = 4; }));
  for (int want : {1, 2, 3, 4}) {
    REQUIRE(ring.pop(&v));
    CHECK(v == want);
  }
  CHECK_FALSE(ring.pop(&v));
  CHECK(ring.dropped() == 1);
}

TEST_CASE("a push with a reserve leaves that many slots to pushes without one") {
  Ring<int, 8> ring;
  int pushed = 0;
  while (ring.push([](int& v) { v = 1; }, 2)) ++pushed;
  CHECK(pushed == 6);
  CHECK(ring.looks_full(2));
  CHECK_FALSE(ring.looks_full());
  CHECK(ring.push([](int& v) { v = 2; }));
  CHECK(ring.push([](int& v) { v = 3; }));
  CHECK_FALSE(ring.push([](int& v) { v = 4; }));
  CHECK(ring.dropped() == 2);
  int v = 0;
  REQUIRE(ring.pop(&v));
  CHECK(ring.push([](int& x) { x = 5; }));  // a free slot again, for either kind
  CHECK_FALSE(ring.push([](int& x) { x = 6; }, 2));
}

TEST_CASE("a push with a reserve sees the room that pops made after it was refused") {
  // Producers keep the last head they read and read the consumer's head again only when
  // that one says there is no room: a refusal must not stick once the consumer has moved.
  Ring<int, 8> ring;
  int pushed = 0;
  while (ring.push([](int& v) { v = 1; }, 2)) ++pushed;
  CHECK(pushed == 6);
  int v = 0;
  for (int i = 0; i < 3; ++i) REQUIRE(ring.pop(&v));
  CHECK_FALSE(ring.looks_full(2));
  int again = 0;
  while (ring.push([](int& x) { x = 2; }, 2)) ++again;
  CHECK(again == 3);
  CHECK(ring.looks_full(2));
  CHECK(ring.dropped() == 2);
}

TEST_CASE("pop_with reads the oldest record in place, once") {
  Ring<Item, 4> ring;
  ring.push([](Item& it) { it = Item{1, 10}; });
  ring.push([](Item& it) { it = Item{2, 20}; });
  int seen = 0;
  CHECK(ring.pop_with([&](const Item& it) {
    CHECK(it.producer == 1);
    seen = it.seq;
  }));
  CHECK(seen == 10);
  Item it;
  REQUIRE(ring.pop(&it));
  CHECK(it.seq == 20);
  bool called = false;
  CHECK_FALSE(ring.pop_with([&](const Item&) { called = true; }));
  CHECK_FALSE(called);
}

TEST_CASE("a full ring looks full until a record is popped") {
  Ring<int, 2> ring;
  CHECK_FALSE(ring.looks_full());
  ring.push([](int& v) { v = 1; });
  ring.push([](int& v) { v = 2; });
  CHECK(ring.looks_full());
  int v = 0;
  ring.pop(&v);
  CHECK_FALSE(ring.looks_full());
}

TEST_CASE("an empty ring pops nothing") {
  Ring<int, 8> ring;
  int v = 0;
  CHECK_FALSE(ring.pop(&v));
}

// `producers` threads push `per` records each (the i-th with the reserve `reserve_of(i)`)
// while this thread pops with `pop(ring, take)`, which passes a record to take(const Item&)
// and returns false when there is none.
struct StressResult {
  bool ordered = true;  // each producer's records came out in its order
  int popped = 0;
  int pushed = 0;  // pushes that returned true
};
template <size_t N, class Reserve, class Pop>
StressResult stress(Ring<Item, N>& ring, int producers, int per, Reserve reserve_of, Pop pop) {
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  std::vector<int> pushed(static_cast<size_t>(producers), 0);
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < per; ++i) {
        if (ring.push([&](Item& it) { it = Item{p, i}; }, reserve_of(i))) {
          ++pushed[static_cast<size_t>(p)];
        }
      }
      done.fetch_add(1);
    });
  }
  StressResult r;
  std::vector<int> last(static_cast<size_t>(producers), -1);
  for (;;) {
    bool finished = done.load() == producers;
    bool got = pop(ring, [&](const Item& it) {
      r.ordered = r.ordered && it.seq > last[static_cast<size_t>(it.producer)];
      last[static_cast<size_t>(it.producer)] = it.seq;
    });
    if (got) {
      ++r.popped;
    } else if (finished) {
      break;
    }
  }
  for (auto& t : threads) t.join();
  for (int n : pushed) r.pushed += n;
  return r;
}

TEST_CASE("records from several producers arrive once each and in each producer's order") {
  Ring<Item, 256> ring;
  const int producers = 4, per = 20000;
  StressResult r = stress(
      ring, producers, per, [](int) { return size_t{0}; },
      [](auto& rg, auto take) {
        Item it;
        if (!rg.pop(&it)) return false;
        take(it);
        return true;
      });
  CHECK(r.ordered);
  CHECK(r.popped == r.pushed);
  CHECK(static_cast<uint64_t>(r.pushed) + ring.dropped() == uint64_t{producers} * per);
}

TEST_CASE("pushes with and without a reserve from several producers all arrive in order") {
  // The hook's mix: allocs push with a reserve, frees without; popped in place. Under TSan
  // this covers the producers' shared copy of the head.
  Ring<Item, 64> ring;
  const int producers = 3, per = 20000;
  StressResult r = stress(
      ring, producers, per, [](int i) { return i % 2 == 0 ? size_t{16} : size_t{0}; },
      [](auto& rg, auto take) { return rg.pop_with(take); });
  CHECK(r.ordered);
  CHECK(r.popped == r.pushed);
  CHECK(static_cast<uint64_t>(r.pushed) + ring.dropped() == uint64_t{producers} * per);
}
