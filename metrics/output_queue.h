// The bounded queue of an output: encoded lines waiting to be sent, and the batch in flight.
// Thread: loop only (no locks; pure code, no I/O).
//
// Each entry is one point encoded as one LF-terminated line. The queue keeps the counters
// of output.h, and at every moment:
//   produced == sent + dropped + queued      (queued = pending + in flight)
//
// Bound: at most `limit` lines are kept, counting the batch in flight. Past the bound the
// OLDEST line goes. The oldest lines are those in flight; they cannot be taken back from
// the transport, so they are marked "doomed" instead: if their send succeeds they count as
// sent, if it fails they are dropped then. So pending never grows past `limit` and memory
// stays under limit + one batch.
//
// A send takes a batch (take_batch), then settles it with any mix of:
//   sent(n)   the first n lines of the batch were delivered;
//   retry()   the rest goes back to the front of the queue, in order (no loss, no
//             duplicate), minus the doomed lines, which are dropped and counted;
//   reject()  the rest is dropped and counted (the receiver refused the data).
// The batch is in flight until it is empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

namespace vigil::metrics {

class OutputQueue {
 public:
  // REQUIRES: limit >= 1, batch_size >= 1.
  OutputQueue(size_t limit, size_t batch_size);

  // Queues one encoded line, dropping the oldest past the bound.
  void push(std::string line);
  // Counts `n` points that were produced but never queued (a stopped output, an encoding
  // with no valid field, a line too long for the transport).
  void drop_unqueued(uint64_t n);
  // Drops and counts every pending line (not the batch in flight).
  void drop_pending();

  // Moves up to batch_size pending lines into the batch and returns it; empty when nothing
  // is pending. The span is valid until the next call that settles or takes a batch.
  // REQUIRES: !in_flight().
  std::span<const std::string> take_batch();
  // The lines of the batch not settled yet.
  std::span<const std::string> batch() const { return batch_; }
  bool in_flight() const { return !batch_.empty(); }

  // REQUIRES: n <= batch().size().
  void sent(size_t n);
  void retry();
  void reject();

  size_t pending() const { return pending_.size(); }
  uint64_t produced() const { return produced_; }
  uint64_t sent_count() const { return sent_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t queued() const { return pending_.size() + batch_.size(); }

 private:
  void drop_front_of_batch(size_t n);

  size_t limit_;
  size_t batch_size_;
  std::deque<std::string> pending_;
  std::vector<std::string> batch_;  // The oldest unsettled lines, in order.
  size_t doomed_ = 0;               // Oldest unsettled batch lines to drop if it fails.
  uint64_t produced_ = 0;
  uint64_t sent_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace vigil::metrics
