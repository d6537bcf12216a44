// The bounded output queue: overflow, batches, retries and the counting invariant.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "metrics/output_queue.h"

using vigil::metrics::OutputQueue;

namespace {

std::string line(int i) { return "m v=" + std::to_string(i) + "i\n"; }

std::vector<std::string> as_vector(std::span<const std::string> s) { return {s.begin(), s.end()}; }

void check_invariant(const OutputQueue& q) {
  CHECK(q.produced() == q.sent_count() + q.dropped() + q.queued());
}

}  // namespace

TEST_CASE("a batch takes the oldest lines in order, at most batch_size of them") {
  OutputQueue q(10, 3);
  for (int i = 0; i < 5; ++i) q.push(line(i));
  CHECK(as_vector(q.take_batch()) == std::vector<std::string>{line(0), line(1), line(2)});
  CHECK(q.in_flight());
  CHECK(q.pending() == 2);
  q.sent(3);
  CHECK(!q.in_flight());
  CHECK(as_vector(q.take_batch()) == std::vector<std::string>{line(3), line(4)});
  q.sent(2);
  CHECK(q.sent_count() == 5);
  CHECK(q.queued() == 0);
  check_invariant(q);
}

TEST_CASE("an empty queue gives an empty batch that is not in flight") {
  OutputQueue q(4, 2);
  CHECK(q.take_batch().empty());
  CHECK(!q.in_flight());
}

TEST_CASE("past the bound the oldest pending lines are dropped and counted") {
  OutputQueue q(3, 2);
  for (int i = 0; i < 5; ++i) q.push(line(i));
  CHECK(q.dropped() == 2);
  CHECK(q.queued() == 3);
  CHECK(as_vector(q.take_batch()) == std::vector<std::string>{line(2), line(3)});
  check_invariant(q);
}

TEST_CASE("a failed batch goes back to the front, so a retry sends the same lines once") {
  OutputQueue q(10, 2);
  for (int i = 0; i < 3; ++i) q.push(line(i));
  q.take_batch();
  q.push(line(3));
  q.retry();
  CHECK(!q.in_flight());
  CHECK(q.dropped() == 0);
  CHECK(as_vector(q.take_batch()) == std::vector<std::string>{line(0), line(1)});
  q.sent(2);
  CHECK(as_vector(q.take_batch()) == std::vector<std::string>{line(2), line(3)});
  q.sent(2);
  CHECK(q.sent_count() == 4);
  check_invariant(q);
}

TEST_CASE("a partly sent batch retries only the lines that were not sent") {
  OutputQueue q(10, 4);
  for (int i = 0; i < 4; ++i) q.push(line(i));
  q.take_batch();
  q.sent(1);
  CHECK(as_vector(q.batch()) == std::vector<std::string>{line(1), line(2), line(3)});
  q.retry();
  CHECK(as_vector(q.take_batch()) == std::vector<std::string>{line(1), line(2), line(3)});
  CHECK(q.sent_count() == 1);
  check_invariant(q);
}

TEST_CASE("a rejected batch is dropped and counted") {
  OutputQueue q(10, 2);
  for (int i = 0; i < 3; ++i) q.push(line(i));
  q.take_batch();
  q.reject();
  CHECK(q.dropped() == 2);
  CHECK(as_vector(q.take_batch()) == std::vector<std::string>{line(2)});
  check_invariant(q);
}

TEST_CASE("overflow while a batch is in flight dooms the in-flight lines first") {
  OutputQueue q(3, 2);
  for (int i = 0; i < 3; ++i) q.push(line(i));
  q.take_batch();   // 0 and 1 in flight, 2 pending.
  q.push(line(3));  // Over by one: line 0 is doomed, nothing dropped yet.
  CHECK(q.dropped() == 0);
  check_invariant(q);
  SUBCASE("if the batch fails, the doomed line is dropped and the rest retried") {
    q.retry();
    CHECK(q.dropped() == 1);
    CHECK(as_vector(q.take_batch()) == std::vector<std::string>{line(1), line(2)});
    check_invariant(q);
  }
  SUBCASE("if the batch succeeds, the doomed line counts as sent") {
    q.sent(2);
    CHECK(q.dropped() == 0);
    CHECK(q.sent_count() == 2);
    CHECK(q.queued() == 2);
    check_invariant(q);
  }
}

TEST_CASE("overflow beyond the batch in flight drops pending lines, oldest first") {
  OutputQueue q(2, 1);
  q.push(line(0));
  q.push(line(1));
  q.take_batch();   // 0 in flight.
  q.push(line(2));  // Dooms 0.
  q.push(line(3));  // 0 already doomed: drops 1, the oldest pending.
  CHECK(q.dropped() == 1);
  q.retry();  // Drops 0.
  CHECK(q.dropped() == 2);
  CHECK(as_vector(q.take_batch()) == std::vector<std::string>{line(2)});
  check_invariant(q);
}

TEST_CASE("points never queued count as produced and dropped") {
  OutputQueue q(2, 1);
  q.drop_unqueued(3);
  q.push(line(0));
  q.push(line(1));
  q.drop_pending();
  CHECK(q.produced() == 5);
  CHECK(q.dropped() == 5);
  CHECK(q.queued() == 0);
  check_invariant(q);
}

TEST_CASE("the invariant holds through a long mix of pushes, sends, retries and rejects") {
  OutputQueue q(7, 3);
  unsigned seed = 12345;
  for (int step = 0; step < 5000; ++step) {
    seed = seed * 1103515245u + 12345u;
    unsigned r = (seed >> 16) % 6;
    if (r < 3) {
      q.push(line(step));
    } else if (!q.in_flight()) {
      q.take_batch();
    } else if (r == 3) {
      q.sent(q.batch().size() / 2);
      q.retry();
    } else if (r == 4) {
      q.sent(q.batch().size());
    } else {
      q.reject();
    }
    REQUIRE(q.produced() == q.sent_count() + q.dropped() + q.queued());
    REQUIRE(q.pending() <= 7);
  }
}
