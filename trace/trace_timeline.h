// TraceTimeline: the model's counted objects by stack, by when they were allocated and when
// (if ever) they were collected, in time buckets. From it a viewer answers, for any range of
// buckets, "allocated in the range", "live at a moment" and "allocated in the range and
// still live at its end" (the leak view) without the events.
// Thread: any, one thread per object.
//
// It is a ModelListener: set it on the TraceModel before the first event. A cell is
// (node, alloc bucket, free bucket or kNever) with its samples, estimated objects and
// allocation events. Memory grows with the nodes times the distinct (alloc, free) bucket
// pairs, at most kMaxBuckets² per node and in practice a few per bucket: objects mostly die
// young. Buckets start at 1 ms; when an event falls past kMaxBuckets buckets, the width
// doubles and neighbouring buckets merge (bucket b becomes b / 2), so a bucket always covers
// [b × width, (b + 1) × width) µs since the trace's start.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "trace/trace_model.h"

namespace vigil::trace {

class TraceTimeline : public ModelListener {
 public:
  static constexpr uint32_t kMaxBuckets = 200;
  static constexpr uint32_t kNever = 0xFFFF;  // free bucket of an object still live

  struct Cell {
    uint32_t node = 0;
    uint32_t alloc_bucket = 0;
    uint32_t free_bucket = kNever;
    int64_t samples = 0;
    double objects = 0;
    uint64_t allocs = 0;
  };

  void on_model_alloc(uint64_t time_us, const ModelObject& o) override;
  void on_model_collect(uint64_t time_us, const ModelObject& o) override;

  uint64_t bucket_us() const { return width_us_; }
  // Buckets in use: 1 + the bucket of the latest event seen (0 before any).
  uint32_t buckets() const { return used_; }
  // The non-empty cells, sorted by node, alloc bucket, free bucket.
  std::vector<Cell> cells() const;
  // Widens the buckets until there are at most `max_cells` cells or only `min_buckets`
  // buckets left (for an output of bounded size).
  void coarsen(size_t max_cells, uint32_t min_buckets);

 private:
  static uint64_t key(uint32_t node, uint32_t a, uint32_t f) {
    return (uint64_t{node} << 32) | (uint64_t{a} << 16) | f;
  }
  uint32_t bucket_of(uint64_t time_us);  // widens the buckets when time_us is past them
  void widen();
  struct Figures {
    int64_t samples = 0;
    double objects = 0;
    uint64_t allocs = 0;
  };
  std::unordered_map<uint64_t, Figures> cells_;
  uint64_t width_us_ = 1000;
  uint32_t used_ = 0;
};

}  // namespace vigil::trace
