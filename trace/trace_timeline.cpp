#include "trace/trace_timeline.h"

#include <algorithm>

#include "trace/wrapping.h"

namespace vigil::trace {
namespace {}  // namespace

uint32_t TraceTimeline::bucket_of(uint64_t time_us) {
  while (time_us / width_us_ >= kMaxBuckets) widen();
  auto b = static_cast<uint32_t>(time_us / width_us_);
  used_ = std::max(used_, b + 1);
  return b;
}

void TraceTimeline::widen() {
  std::unordered_map<uint64_t, Figures> merged;
  merged.reserve(cells_.size());
  for (const auto& [k, f] : cells_) {
    auto node = static_cast<uint32_t>(k >> 32);
    auto a = static_cast<uint32_t>((k >> 16) & 0xFFFF) / 2;
    auto fb = static_cast<uint32_t>(k & 0xFFFF);
    Figures& m = merged[key(node, a, fb == kNever ? kNever : fb / 2)];
    wrapping_add(m.samples, f.samples);
    m.objects += f.objects;
    m.allocs += f.allocs;
  }
  cells_ = std::move(merged);
  width_us_ *= 2;
  used_ = (used_ + 1) / 2;
}

void TraceTimeline::on_model_alloc(uint64_t time_us, const ModelObject& o) {
  Figures& f = cells_[key(o.node, bucket_of(time_us), kNever)];
  wrapping_add(f.samples, o.nsamples);
  f.objects += o.objects;
  ++f.allocs;
}

void TraceTimeline::on_model_collect(uint64_t time_us, const ModelObject& o) {
  uint32_t fb = bucket_of(time_us);
  auto a = static_cast<uint32_t>(o.alloc_us / width_us_);
  auto live = cells_.find(key(o.node, a, kNever));
  if (live == cells_.end()) return;  // not reported as allocated: nothing to move
  wrapping_sub(live->second.samples, o.nsamples);
  live->second.objects -= o.objects;
  --live->second.allocs;
  bool empty = live->second.allocs == 0;
  if (empty) cells_.erase(live);
  Figures& f = cells_[key(o.node, a, fb)];
  wrapping_add(f.samples, o.nsamples);
  f.objects += o.objects;
  ++f.allocs;
}

void TraceTimeline::coarsen(size_t max_cells, uint32_t min_buckets) {
  while (cells_.size() > max_cells && used_ / 2 >= min_buckets) widen();
}

std::vector<TraceTimeline::Cell> TraceTimeline::cells() const {
  std::vector<Cell> out;
  out.reserve(cells_.size());
  for (const auto& [k, f] : cells_) {
    if (f.allocs == 0) continue;
    out.push_back({static_cast<uint32_t>(k >> 32), static_cast<uint32_t>((k >> 16) & 0xFFFF),
                   static_cast<uint32_t>(k & 0xFFFF), f.samples, f.objects, f.allocs});
  }
  std::sort(out.begin(), out.end(), [](const Cell& x, const Cell& y) {
    if (x.node != y.node) return x.node < y.node;
    if (x.alloc_bucket != y.alloc_bucket) return x.alloc_bucket < y.alloc_bucket;
    return x.free_bucket < y.free_bucket;
  });
  return out;
}

}  // namespace vigil::trace
