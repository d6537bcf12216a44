#include "trace/trace_model.h"

#include <algorithm>

#include "trace/wrapping.h"

namespace vigil::trace {
namespace {

constexpr uint8_t kPromoted = 1;
constexpr uint8_t kCounted = 2;  // inside the window: its figures are in the stats

}  // namespace

size_t TraceModel::EdgeHash::operator()(const std::pair<uint32_t, uint64_t>& k) const {
  uint64_t h = (k.second ^ (uint64_t{k.first} << 40) ^ k.first) * 0x9E3779B97F4A7C15ull;
  return static_cast<size_t>(h ^ (h >> 29));
}

TraceModel::TraceModel(const TraceReader& reader, ModelOptions options)
    : reader_(reader), options_(options) {
  nodes_.emplace_back();  // the root
}

TraceModel::~TraceModel() = default;

double TraceModel::bytes_of(int64_t samples) const {
  double rate = info().sample_rate;
  return rate > 0 ? static_cast<double>(samples) / rate * info().word_size / 8 : 0.0;
}

void TraceModel::problem(std::string text) {
  if (problems_.size() < 10) problems_.push_back(std::move(text));
  ++problem_count_;
}

void TraceModel::on_info(const TraceInfo&, const PacketHeader& h) {
  prev_.clear();  // the reader's backtrace state starts over with a trace
  on_packet(h);
  t_.initial_domain = h.domain;
}

void TraceModel::on_packet(const PacketHeader& h) {
  ++t_.packets;
  t_.max_packet_bytes = std::max(t_.max_packet_bytes, h.size_bytes);
  t_.versions |= 1u << h.version;
}

namespace {

uint64_t stack_hash(std::span<const uint64_t> codes) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ codes.size();
  for (uint64_t c : codes) h = (h ^ c) * 0xFF51AFD7ED558CCDull;
  return h ^ (h >> 32);
}

}  // namespace

uint32_t TraceModel::walk(std::span<const uint64_t> backtrace) {
  uint32_t parent = 0;
  for (uint64_t code : backtrace) {
    auto [it, fresh] = children_.try_emplace({parent, code}, 0);
    if (fresh) {
      it->second = static_cast<uint32_t>(nodes_.size());
      StackNode n;
      n.parent = parent;
      n.depth = nodes_[parent].depth + 1;
      n.code = code;
      nodes_.push_back(n);
    }
    parent = it->second;
  }
  return parent;
}

uint32_t TraceModel::node_for(const AllocEvent& e) {
  std::pair<uint32_t, size_t>& prev = prev_[e.domain];
  size_t n = e.backtrace.size();
  // The reader's prefix covers the whole backtrace: it is the previous one of its domain.
  if (e.common_prefix >= 0 && static_cast<uint64_t>(e.common_prefix) >= n && prev.second == n) {
    return prev.first;
  }
  uint64_t h = stack_hash(e.backtrace);
  size_t mask = stack_table_.size() - 1;
  size_t i = h & mask;
  for (; stack_table_[i].second != 0; i = (i + 1) & mask) {
    if (stack_table_[i].first != h) continue;
    const StackEntry& s = stack_entries_[stack_table_[i].second - 1];
    if (s.length == n &&
        std::equal(e.backtrace.begin(), e.backtrace.end(), codes_.begin() + s.offset)) {
      prev = {s.node, n};
      return s.node;
    }
  }
  uint32_t node = walk(e.backtrace);
  stack_entries_.push_back({node, static_cast<uint32_t>(n), codes_.size()});
  codes_.insert(codes_.end(), e.backtrace.begin(), e.backtrace.end());
  stack_table_[i] = {h, static_cast<uint32_t>(stack_entries_.size())};
  if (2 * stack_entries_.size() > stack_table_.size()) {
    std::vector<std::pair<uint64_t, uint32_t>> bigger(2 * stack_table_.size());
    size_t m = bigger.size() - 1;
    for (const auto& slot : stack_table_) {
      if (slot.second == 0) continue;
      size_t j = slot.first & m;
      while (bigger[j].second != 0) j = (j + 1) & m;
      bigger[j] = slot;
    }
    stack_table_ = std::move(bigger);
  }
  prev = {node, n};
  return node;
}

TraceModel::Live* TraceModel::find_live(int64_t id) {
  if (id >= ring_begin_ && id < ring_end_) {
    Slot& slot = ring_[static_cast<uint64_t>(id) & (ring_.size() - 1)];
    return slot.used ? &slot.live : nullptr;
  }
  auto it = old_live_.find(id);
  return it == old_live_.end() ? nullptr : &it->second;
}

bool TraceModel::insert_live(int64_t id, const Live& l) {
  if (id >= ring_begin_ && id < ring_end_) {
    Slot& slot = ring_[static_cast<uint64_t>(id) & (ring_.size() - 1)];
    if (slot.used) return false;
    slot = {l, true};
    return true;
  }
  if (id < ring_begin_) return old_live_.try_emplace(id, l).second;
  if (id > ring_end_) {
    // A jump (ids out of order): the ring starts over at `id`; its live objects move out.
    for (int64_t j = ring_begin_; j < ring_end_; ++j) {
      Slot& slot = ring_[static_cast<uint64_t>(j) & (ring_.size() - 1)];
      if (slot.used) old_live_.emplace(j, slot.live);
      slot.used = false;
    }
    ring_begin_ = ring_end_ = id;
  }
  if (ring_end_ - ring_begin_ == static_cast<int64_t>(ring_.size()) && ring_.size() < kLiveWindow) {
    // Full but below its limit: double it (small traces keep a small ring).
    std::vector<Slot> bigger(2 * ring_.size());
    for (int64_t j = ring_begin_; j < ring_end_; ++j) {
      bigger[static_cast<uint64_t>(j) & (bigger.size() - 1)] =
          ring_[static_cast<uint64_t>(j) & (ring_.size() - 1)];
    }
    ring_ = std::move(bigger);
  }
  if (ring_end_ - ring_begin_ == static_cast<int64_t>(ring_.size())) {
    Slot& oldest = ring_[static_cast<uint64_t>(ring_begin_) & (ring_.size() - 1)];
    if (oldest.used) old_live_.emplace(ring_begin_, oldest.live);
    oldest.used = false;
    ++ring_begin_;
  }
  ring_[static_cast<uint64_t>(id) & (ring_.size() - 1)] = {l, true};
  ++ring_end_;
  return true;
}

void TraceModel::erase_live(int64_t id) {
  if (id >= ring_begin_ && id < ring_end_) {
    ring_[static_cast<uint64_t>(id) & (ring_.size() - 1)].used = false;
  } else {
    old_live_.erase(id);
  }
}

void TraceModel::series_point(uint64_t t) {
  peak_since_point_ = std::max(peak_since_point_, t_.live_samples);
  if (!series_.empty() && t < series_.back().time_us + series_step_us_) return;
  series_.push_back({t, t_.live_samples, peak_since_point_, t_.counted_samples});
  peak_since_point_ = t_.live_samples;
  if (series_.size() < kMaxLivePoints) return;
  // Full: keep every second point, each holding the peak of the pair it replaces.
  for (size_t i = 0; 2 * i + 1 < series_.size(); ++i) {
    LivePoint p = series_[2 * i + 1];
    p.peak_samples = std::max(p.peak_samples, series_[2 * i].peak_samples);
    series_[i] = p;
  }
  series_.resize(series_.size() / 2);
  series_step_us_ *= 2;
}

void TraceModel::on_alloc(const AllocEvent& e) {
  ++t_.allocs[static_cast<unsigned>(e.source)];
  if (t_.allocs[0] + t_.allocs[1] + t_.allocs[2] == 1) t_.first_time_us = e.time_us;
  t_.last_time_us = e.time_us;
  t_.max_backtrace = std::max(t_.max_backtrace, e.backtrace.size());
  if (e.backtrace.empty()) ++t_.empty_backtraces;
  wrapping_add(t_.samples, e.nsamples);
  wrapping_add(t_.length_words, e.length);
  if (e.obj_id != next_id_) problem("object id " + std::to_string(e.obj_id) + " out of order");
  next_id_ = e.obj_id;
  wrapping_add(next_id_, 1);
  // Every alloc goes through node_for, so that its previous-backtrace state stays in step.
  uint32_t node = node_for(e);
  uint64_t since = e.time_us >= info().start_time_us ? e.time_us - info().start_time_us : 0;
  bool counted = since >= options_.from_us && since < options_.to_us;
  double rate = info().sample_rate;
  double words = static_cast<double>(std::max<int64_t>(e.length, 1));
  double objects = rate > 0 ? static_cast<double>(e.nsamples) / (rate * words) : 0.0;
  if (!insert_live(e.obj_id, Live{node, counted ? kCounted : uint8_t{0}, e.nsamples, e.length,
                                  objects, since})) {
    problem("object id " + std::to_string(e.obj_id) + " allocated twice");
    return;
  }
  if (!counted) return;
  StackStats& s = nodes_[node].stats;
  if (s.allocs == 0) s.first_alloc = alloc_seq_;
  ++alloc_seq_;
  ++s.allocs;
  wrapping_add(s.samples, e.nsamples);
  wrapping_add(s.length_words, e.length);
  ++s.live_allocs;
  wrapping_add(s.live_samples, e.nsamples);
  wrapping_add(s.live_length_words, e.length);
  s.objects += objects;
  s.live_objects += objects;
  wrapping_add(t_.counted_samples, e.nsamples);
  wrapping_add(t_.live_samples, e.nsamples);
  if (t_.live_samples > t_.peak_live_samples) {
    t_.peak_live_samples = t_.live_samples;
    t_.peak_time_us = since;
  }
  series_point(since);
  if (options_.listener != nullptr) {
    options_.listener->on_model_alloc(since,
                                      ModelObject{node, e.nsamples, e.obj_id, objects, since});
  }
}

// Finds the live object of a promote or collect; a problem when there is none.
bool TraceModel::check_object(const ObjectEvent& e, const char* what, Live** live) {
  t_.last_time_us = e.time_us;
  *live = find_live(e.obj_id);
  if (*live != nullptr) return true;
  // Ids below next_id_ were allocated (they are checked to be contiguous): collected since.
  bool known = e.obj_id >= 0 && e.obj_id < next_id_;
  problem(std::string(what) + (known ? " of collected object " : " of unknown object ") +
          std::to_string(e.obj_id));
  return false;
}

void TraceModel::on_promote(const ObjectEvent& e) {
  ++t_.promotes;
  Live* live = nullptr;
  if (!check_object(e, "promote", &live)) return;
  if ((live->flags & kPromoted) != 0) {
    problem("promote twice of object " + std::to_string(e.obj_id));
    return;
  }
  live->flags |= kPromoted;
}

void TraceModel::on_collect(const ObjectEvent& e) {
  ++t_.collects;
  Live* live = nullptr;
  if (!check_object(e, "collect", &live)) return;
  Live l = *live;
  erase_live(e.obj_id);
  if ((l.flags & kCounted) == 0) return;
  StackStats& s = nodes_[l.node].stats;
  --s.live_allocs;
  wrapping_sub(s.live_samples, l.nsamples);
  wrapping_sub(s.live_length_words, l.length);
  s.live_objects -= l.objects;
  wrapping_sub(t_.live_samples, l.nsamples);
  uint64_t since = e.time_us >= info().start_time_us ? e.time_us - info().start_time_us : 0;
  series_point(since);
  if (options_.listener != nullptr) {
    options_.listener->on_model_collect(
        since, ModelObject{l.node, l.nsamples, e.obj_id, l.objects, l.alloc_us});
  }
}

uint64_t round_estimate(double estimate, double limit) {
  if (!(estimate > 0 && estimate < limit)) return 0;
  auto whole = static_cast<uint64_t>(estimate);  // truncates; exact below 2^64
  // Exact: a double minus its own truncation loses no bits.
  return estimate - static_cast<double>(whole) >= 0.5 ? whole + 1 : whole;
}

}  // namespace vigil::trace
