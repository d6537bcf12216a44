// Retry delays: exponential from 1 s to 60 s, with jitter, reproducible from a seed.
#include <doctest/doctest.h>

#include <vector>

#include "metrics/backoff.h"

using namespace std::chrono_literals;
using vigil::Nanos;
using vigil::metrics::Backoff;
using vigil::metrics::backoff_ceiling;

TEST_CASE("the ceiling doubles from 1 s and stops at 60 s") {
  CHECK(backoff_ceiling(0, 1s, 60s) == 1s);
  CHECK(backoff_ceiling(1, 1s, 60s) == 2s);
  CHECK(backoff_ceiling(5, 1s, 60s) == 32s);
  CHECK(backoff_ceiling(6, 1s, 60s) == 60s);
  CHECK(backoff_ceiling(1000, 1s, 60s) == 60s);
}

TEST_CASE("every delay lies between half its ceiling and the ceiling, never under 1 s") {
  Backoff b(42);
  for (int k = 0; k < 200; ++k) {
    Nanos c = backoff_ceiling(k, 1s, 60s);
    Nanos d = b.next();
    CHECK(d >= 1s);
    CHECK(d <= 60s);
    CHECK(d <= c);
    CHECK(d >= c / 2);
  }
}

TEST_CASE("the first delay is 1 s and reset starts over") {
  Backoff b(7);
  CHECK(b.next() == 1s);
  b.next();
  b.next();
  CHECK(b.attempt() == 3);
  b.reset();
  CHECK(b.next() == 1s);
}

TEST_CASE("the same seed gives the same delays and another seed other ones") {
  Backoff a(99), b(99), c(100);
  std::vector<Nanos> da, db, dc;
  for (int k = 0; k < 10; ++k) {
    da.push_back(a.next());
    db.push_back(b.next());
    dc.push_back(c.next());
  }
  CHECK(da == db);
  CHECK(da != dc);
}

TEST_CASE("late delays are jittered, not all equal to the ceiling") {
  Backoff b(5);
  for (int k = 0; k < 10; ++k) b.next();
  std::vector<Nanos> late;
  for (int k = 0; k < 20; ++k) late.push_back(b.next());
  bool differ = false;
  for (Nanos d : late) differ = differ || d != late.front();
  CHECK(differ);
}
