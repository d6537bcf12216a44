#include "metrics/output_queue.h"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <utility>

namespace vigil::metrics {

OutputQueue::OutputQueue(size_t limit, size_t batch_size)
    : limit_(std::max<size_t>(limit, 1)), batch_size_(std::max<size_t>(batch_size, 1)) {}

void OutputQueue::push(std::string line) {
  ++produced_;
  pending_.push_back(std::move(line));
  if (queued() - doomed_ <= limit_) return;
  // Over the bound by one: the oldest line goes. In flight lines are older than any
  // pending one, so they are doomed first.
  if (doomed_ < batch_.size()) {
    ++doomed_;
  } else {
    pending_.pop_front();
    ++dropped_;
  }
  // Invariant: the lines kept beyond the doomed ones never exceed the bound.
  assert(queued() - doomed_ <= limit_);
}

void OutputQueue::drop_unqueued(uint64_t n) {
  produced_ += n;
  dropped_ += n;
}

void OutputQueue::drop_pending() {
  dropped_ += pending_.size();
  pending_.clear();
}

std::span<const std::string> OutputQueue::take_batch() {
  assert(!in_flight());
  size_t n = std::min(batch_size_, pending_.size());
  batch_.reserve(n);
  auto end = pending_.begin() + static_cast<std::ptrdiff_t>(n);
  std::move(pending_.begin(), end, std::back_inserter(batch_));
  pending_.erase(pending_.begin(), end);
  return batch_;
}

void OutputQueue::sent(size_t n) {
  assert(n <= batch_.size());
  sent_ += n;
  // Doomed lines that were delivered after all are no longer over the bound.
  doomed_ -= std::min(doomed_, n);
  batch_.erase(batch_.begin(), batch_.begin() + static_cast<std::ptrdiff_t>(n));
}

void OutputQueue::retry() {
  drop_front_of_batch(doomed_);
  std::move(batch_.rbegin(), batch_.rend(), std::front_inserter(pending_));
  batch_.clear();
}

void OutputQueue::reject() { drop_front_of_batch(batch_.size()); }

void OutputQueue::drop_front_of_batch(size_t n) {
  assert(n <= batch_.size());
  dropped_ += n;
  doomed_ -= std::min(doomed_, n);
  batch_.erase(batch_.begin(), batch_.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace vigil::metrics
