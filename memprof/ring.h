// A bounded multi-producer queue of plain structs, preallocated, with atomic indices
// (Dmitry Vyukov's bounded MPMC queue). The allocator hook pushes samples into it from any
// thread; the trace server pops them on the loop.
// Thread: any, allocator context: no alloc, no locks, no uv. push() and pop() never
// block: a full ring makes push() fail (the caller drops and counts), an empty or
// not-yet-published slot makes pop() fail.
//
// Order: records come out in the order their producers claimed a slot. A producer that has
// claimed a slot but not yet published it holds back everything after it, so the consumer
// never sees a later record first. The hook relies on this: the free of a block is pushed
// before the block is returned to mimalloc, so a later allocation at the same address is
// always popped after that free.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace vigil::memprof {

template <class T, size_t N>
class Ring {
  static_assert(N >= 2 && (N & (N - 1)) == 0, "the capacity is a power of two");

 public:
  // Constant: a static Ring is zero-filled .bss, and its pages become resident only as
  // records are pushed (the hook's ring is 2.3 MiB; an idle vigil never touches it).
  constexpr Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  static constexpr size_t capacity() { return N; }

  // Claims a slot and lets `fill(T&)` write the record in place. Returns false (and counts
  // a drop) when the ring is full, or when fewer than `reserve` slots would stay free after
  // this push; `fill` is then not called. The hook pushes allocs with a reserve and frees
  // without, so a free finds room while allocs are already being refused.
  // The reserve is exact for the claimed position: a push at position p succeeds only if
  // p - head < N - reserve for a head a producer has read (head_seen_ or head_, see
  // has_room_at), and head only grows.
  template <class Fill>
  bool push(Fill&& fill, size_t reserve = 0) {
    size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slots_[pos & (N - 1)];
      size_t seq = slot.load_seq(pos);
      auto diff = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos);
      if (diff == 0 && reserve != 0 && !has_room_at(pos, reserve)) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          fill(slot.value);
          slot.store_seq(pos, pos + 1);
          return true;
        }
      } else if (diff < 0) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  // Copies the oldest published record into *out. Returns false when there is none.
  bool pop(T* out) {
    return pop_with([out](const T& v) { *out = v; });
  }

  // Lets `take(const T&)` read the oldest published record in place (and copy only the
  // parts it needs: the fewer of the slot's lines the consumer reads, the fewer a producer
  // has to take back when the ring comes round). Returns false when there is none.
  template <class Take>
  bool pop_with(Take&& take) {
    size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slots_[pos & (N - 1)];
      size_t seq = slot.load_seq(pos);
      auto diff = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          take(static_cast<const T&>(slot.value));
          slot.store_seq(pos, pos + N);
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  // Starts fetching, for writing, the first line of the next `count` slots a push would take
  // (a hint; it changes nothing). The consumer wrote each slot's sequence when it emptied
  // it, so a push otherwise starts with a cache miss on that line; a producer that has other
  // work to do before it pushes (the hook unwinds the stack) calls this first.
  void prefetch(size_t count) const {
    size_t pos = tail_.load(std::memory_order_relaxed);
    for (size_t i = 0; i < count; ++i) __builtin_prefetch(&slots_[(pos + i) & (N - 1)], 1);
  }

  // True when the ring looks full right now, keeping `reserve` slots free (a racy hint, for
  // skipping work that would be dropped anyway). A producer that acts on it calls
  // count_drop().
  bool looks_full(size_t reserve = 0) const {
    return !has_room_at(tail_.load(std::memory_order_relaxed), reserve);
  }
  void count_drop() { dropped_.fetch_add(1, std::memory_order_relaxed); }

  // Pushes refused because the ring was full, since construction.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  // True when a push at position `pos` would leave at least `reserve` slots free, for a
  // head read now. The consumer writes head_ on every pop, so reading it costs a producer a
  // cache miss; producers first try head_seen_, an older head kept on the producers' own
  // line. Since head only grows, room for an older head is room for the current one, and
  // head_ is read only when the older one says no: the answer is the same as with head_.
  // Signed: a head read after `pos` may already be past it (the CAS then fails and the push
  // retries).
  bool has_room_at(size_t pos, size_t reserve) const {
    auto limit = static_cast<intptr_t>(N - reserve);
    if (static_cast<intptr_t>(pos - head_seen_.load(std::memory_order_relaxed)) < limit) {
      return true;
    }
    size_t head = head_.load(std::memory_order_relaxed);
    if (head != head_seen_.load(std::memory_order_relaxed)) {
      head_seen_.store(head, std::memory_order_relaxed);
    }
    return static_cast<intptr_t>(pos - head) < limit;
  }

  struct Slot {
    // The sequence number minus the slot's index, so that all-zero is the initial state
    // (sequence == index). Sequence == position: free for that push; == position + 1:
    // published.
    std::atomic<size_t> seq_from_index{0};
    size_t load_seq(size_t pos) const {
      return seq_from_index.load(std::memory_order_acquire) + (pos & (N - 1));
    }
    void store_seq(size_t pos, size_t seq) {
      seq_from_index.store(seq - (pos & (N - 1)), std::memory_order_release);
    }
    T value{};
  };
  // Each slot starts a cache line, so that a push of a small record (a free) touches one
  // line, not the end of its neighbour's too.
  struct alignas(64) AlignedSlot : Slot {};
  alignas(64) std::atomic<size_t> tail_{0};
  // A head the producers have seen (see has_room_at); it may lag head_, never lead it.
  // Producers that race may store an older one over a newer one: still never ahead. On
  // tail_'s line, which the producers write anyway and the consumer never reads. Mutable:
  // looks_full() is const and refreshes it.
  mutable std::atomic<size_t> head_seen_{0};
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<uint64_t> dropped_{0};
  AlignedSlot slots_[N];
};

}  // namespace vigil::memprof
