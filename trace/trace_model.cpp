#include "trace/trace_model.h"

#include <algorithm>

namespace vigil::trace {
namespace {

// Adds without signed-overflow UB: hostile traces can hold any 64-bit counts.
void add_to(int64_t& sum, int64_t v) {
  sum = static_cast<int64_t>(static_cast<uint64_t>(sum) + static_cast<uint64_t>(v));
}

void sub_from(int64_t& sum, int64_t v) {
  sum = static_cast<int64_t>(static_cast<uint64_t>(sum) - static_cast<uint64_t>(v));
}

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
  on_packet(h);
  t_.initial_domain = h.domain;
}

void TraceModel::on_packet(const PacketHeader& h) {
  ++t_.packets;
  t_.max_packet_bytes = std::max(t_.max_packet_bytes, h.size_bytes);
  t_.versions |= 1u << h.version;
}

uint32_t TraceModel::node_for(std::span<const uint64_t> backtrace, uint16_t domain) {
  if (path_ == nullptr || path_domain_ != domain) {
    path_ = &prev_path_[domain];
    path_domain_ = domain;
  }
  std::vector<uint32_t>& path = *path_;
  size_t k = 0;
  size_t shared = std::min(path.size(), backtrace.size());
  while (k < shared && nodes_[path[k]].code == backtrace[k]) ++k;
  path.resize(k);
  uint32_t parent = k > 0 ? path[k - 1] : 0;
  for (size_t i = k; i < backtrace.size(); ++i) {
    auto [it, fresh] = children_.try_emplace({parent, backtrace[i]}, 0);
    if (fresh) {
      it->second = static_cast<uint32_t>(nodes_.size());
      StackNode n;
      n.parent = parent;
      n.depth = nodes_[parent].depth + 1;
      n.code = backtrace[i];
      nodes_.push_back(n);
    }
    parent = it->second;
    path.push_back(parent);
  }
  return parent;
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
  add_to(t_.samples, e.nsamples);
  add_to(t_.length_words, e.length);
  if (e.obj_id != next_id_) problem("object id " + std::to_string(e.obj_id) + " out of order");
  next_id_ = e.obj_id;
  add_to(next_id_, 1);
  auto [live, fresh] = live_.try_emplace(e.obj_id, Live{0, 0, e.nsamples, e.length, 0});
  if (!fresh) {
    problem("object id " + std::to_string(e.obj_id) + " allocated twice");
    return;
  }
  uint64_t since = e.time_us >= info().start_time_us ? e.time_us - info().start_time_us : 0;
  if (since < options_.from_us || since >= options_.to_us) return;

  uint32_t node = node_for(e.backtrace, e.domain);
  double rate = info().sample_rate;
  double words = static_cast<double>(std::max<int64_t>(e.length, 1));
  double objects = rate > 0 ? static_cast<double>(e.nsamples) / (rate * words) : 0.0;
  live->second = Live{node, kCounted, e.nsamples, e.length, objects};
  StackStats& s = nodes_[node].stats;
  if (s.allocs == 0) s.first_alloc = alloc_seq_;
  ++alloc_seq_;
  ++s.allocs;
  add_to(s.samples, e.nsamples);
  add_to(s.length_words, e.length);
  ++s.live_allocs;
  add_to(s.live_samples, e.nsamples);
  add_to(s.live_length_words, e.length);
  s.objects += objects;
  s.live_objects += objects;
  add_to(t_.counted_samples, e.nsamples);
  add_to(t_.live_samples, e.nsamples);
  if (t_.live_samples > t_.peak_live_samples) {
    t_.peak_live_samples = t_.live_samples;
    t_.peak_time_us = since;
  }
  series_point(since);
  if (options_.listener != nullptr) {
    options_.listener->on_model_alloc(since, node, e.nsamples, e.obj_id);
  }
}

// Finds the live object of a promote or collect; a problem when there is none.
bool TraceModel::check_object(const ObjectEvent& e, const char* what, Live** live) {
  t_.last_time_us = e.time_us;
  auto it = live_.find(e.obj_id);
  std::string id = std::to_string(e.obj_id);
  if (it == live_.end()) {
    // Ids below next_id_ were allocated (they are checked to be contiguous): collected since.
    bool known = e.obj_id >= 0 && e.obj_id < next_id_;
    problem(std::string(what) + (known ? " of collected object " : " of unknown object ") + id);
    return false;
  }
  *live = &it->second;
  return true;
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
  live_.erase(e.obj_id);
  if ((l.flags & kCounted) == 0) return;
  StackStats& s = nodes_[l.node].stats;
  --s.live_allocs;
  sub_from(s.live_samples, l.nsamples);
  sub_from(s.live_length_words, l.length);
  s.live_objects -= l.objects;
  sub_from(t_.live_samples, l.nsamples);
  uint64_t since = e.time_us >= info().start_time_us ? e.time_us - info().start_time_us : 0;
  series_point(since);
  if (options_.listener != nullptr) {
    options_.listener->on_model_collect(since, l.node, l.nsamples, e.obj_id);
  }
}

}  // namespace vigil::trace
