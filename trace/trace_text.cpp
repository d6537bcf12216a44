#include "trace/trace_text.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>

namespace vigil::trace {
namespace {

// Appends printf-style text to `out`.
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void appendf(std::string& out, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (static_cast<size_t>(n) < sizeof buf) {
    out.append(buf, static_cast<size_t>(n));
    return;
  }
  size_t at = out.size();
  out.resize(at + static_cast<size_t>(n) + 1);
  va_start(ap, fmt);
  std::vsnprintf(out.data() + at, static_cast<size_t>(n) + 1, fmt, ap);
  va_end(ap);
  out.resize(at + static_cast<size_t>(n));
}

// memtrace's Location.to_string: "defname@filename:line:start-end".
void append_position(std::string& out, const Position& p) {
  out += p.defname;
  out += '@';
  out += p.filename;
  appendf(out, ":%u:%u-%u", p.line, p.start_char, p.end_char);
}

const char* source_name(Source s) {
  switch (s) {
    case Source::kMinor:
      return "alloc";
    case Source::kMajor:
      return "alloc_major";
    case Source::kExternal:
      break;
  }
  return "alloc_ext";
}

// Quotes a string, escaping quotes, backslashes and control bytes.
std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      appendf(q, "\\%03u", c);
    } else {
      q += static_cast<char>(c);
    }
  }
  return q + "\"";
}

double words_per_sample(double rate) { return rate > 0 ? 1.0 / rate : 0.0; }

// Adds without signed-overflow UB: hostile traces can hold any 64-bit counts.
void add_to(int64_t& sum, int64_t v) {
  sum = static_cast<int64_t>(static_cast<uint64_t>(sum) + static_cast<uint64_t>(v));
}

}  // namespace

void DumpView::on_alloc(const AllocEvent& e) {
  appendf(out_,
          "%010" PRIu64 " %010" PRId64 " %s %" PRId64 " len=%" PRId64 " dom=%u % 4" PRId64 ":",
          e.time_us - reader_.info().start_time_us, e.obj_id, source_name(e.source), e.nsamples,
          e.length, unsigned{e.domain}, e.common_prefix);
  for (uint64_t code : e.backtrace) {
    const std::vector<Position>* ps = reader_.lookup(code);
    if (ps == nullptr || ps->empty()) {
      appendf(out_, " $%" PRId64, static_cast<int64_t>(code));
      continue;
    }
    for (const Position& p : *ps) {
      out_ += ' ';
      append_position(out_, p);
    }
  }
  out_ += '\n';
}

void DumpView::object_line(const ObjectEvent& e, const char* kind) {
  appendf(out_, "%010" PRIu64 " %010" PRId64 " %s\n", e.time_us - reader_.info().start_time_us,
          e.obj_id, kind);
}
void DumpView::on_promote(const ObjectEvent& e) { object_line(e, "promote"); }
void DumpView::on_collect(const ObjectEvent& e) { object_line(e, "collect"); }

struct SummaryView::Stats {
  struct Site {
    std::string label;  // "file:line:start-end defname"
    int64_t samples = 0;
    uint64_t allocs = 0;
    int64_t length = 0;
  };
  enum ObjState : uint8_t { kLive = 1, kPromoted = 2, kCollected = 4 };

  uint64_t packets = 0, max_packet = 0;
  unsigned versions = 0;  // bit v set when version v was seen
  uint16_t initial_domain = 0;
  uint64_t allocs[3] = {0, 0, 0}, promotes = 0, collects = 0;
  uint64_t last_time = 0, empty = 0;
  size_t max_len = 0;
  int64_t samples = 0, length = 0;
  std::unordered_map<uint64_t, size_t> site_of_code;  // innermost code -> site index
  std::map<std::string, size_t> site_ids;
  std::vector<Site> sites;
  std::unordered_map<int64_t, uint8_t> objects;
  int64_t next_id = 0;
  std::vector<std::string> problems;
  uint64_t problem_count = 0;

  void problem(std::string text) {
    if (problems.size() < 10) problems.push_back(std::move(text));
    ++problem_count;
  }
  void packet(const PacketHeader& h) {
    ++packets;
    max_packet = std::max(max_packet, h.size_bytes);
    versions |= 1u << h.version;
  }
  void object_event(const ObjectEvent& e, uint8_t becomes, const char* what);
};

SummaryView::SummaryView(const TraceReader& reader)
    : reader_(reader), s_(std::make_unique<Stats>()) {}
SummaryView::~SummaryView() = default;

void SummaryView::on_info(const TraceInfo&, const PacketHeader& h) {
  s_->packet(h);
  s_->initial_domain = h.domain;
}
void SummaryView::on_packet(const PacketHeader& h) { s_->packet(h); }

void SummaryView::on_alloc(const AllocEvent& e) {
  Stats& s = *s_;
  ++s.allocs[static_cast<unsigned>(e.source)];
  s.last_time = e.time_us;
  s.max_len = std::max(s.max_len, e.backtrace.size());
  if (e.backtrace.empty()) ++s.empty;
  add_to(s.samples, e.nsamples);
  add_to(s.length, e.length);
  if (e.obj_id != s.next_id) s.problem("object id " + std::to_string(e.obj_id) + " out of order");
  s.next_id = e.obj_id;
  add_to(s.next_id, 1);
  if (!s.objects.emplace(e.obj_id, Stats::kLive).second) {
    s.problem("object id " + std::to_string(e.obj_id) + " allocated twice");
  }
  // The allocation site is the last position of the innermost code that has positions.
  auto code = std::find_if(e.backtrace.rbegin(), e.backtrace.rend(), [&](uint64_t c) {
    const std::vector<Position>* ps = reader_.lookup(c);
    return ps != nullptr && !ps->empty();
  });
  if (code == e.backtrace.rend()) return;
  auto [it, fresh] = s.site_of_code.try_emplace(*code, 0);
  if (fresh) {
    const Position& p = reader_.lookup(*code)->back();
    std::string label;
    appendf(label, "%s:%u:%u-%u %s", p.filename.c_str(), p.line, p.start_char, p.end_char,
            p.defname.c_str());
    auto [site, added] = s.site_ids.try_emplace(label, s.sites.size());
    if (added) s.sites.push_back({label});
    it->second = site->second;
  }
  Stats::Site& site = s.sites[it->second];
  add_to(site.samples, e.nsamples);
  ++site.allocs;
  add_to(site.length, e.length);
}

void SummaryView::Stats::object_event(const ObjectEvent& e, uint8_t becomes, const char* what) {
  last_time = e.time_us;
  auto it = objects.find(e.obj_id);
  std::string id = std::to_string(e.obj_id);
  if (it == objects.end()) return problem(std::string(what) + " of unknown object " + id);
  if ((it->second & kCollected) != 0) {
    return problem(std::string(what) + " of collected object " + id);
  }
  if ((it->second & becomes) != 0) return problem(std::string(what) + " twice of object " + id);
  it->second |= becomes;
}

void SummaryView::on_promote(const ObjectEvent& e) {
  ++s_->promotes;
  s_->object_event(e, Stats::kPromoted, "promote");
}
void SummaryView::on_collect(const ObjectEvent& e) {
  ++s_->collects;
  s_->object_event(e, Stats::kCollected, "collect");
}

std::string SummaryView::render(const std::string& file, uint64_t file_bytes, size_t top) const {
  const Stats& s = *s_;
  const TraceInfo& info = reader_.info();
  std::string out;
  std::string versions;
  for (unsigned v = 0; v < 16; ++v) {
    if ((s.versions & (1u << v)) != 0)
      versions += (versions.empty() ? "" : ",") + std::to_string(v);
  }
  appendf(out, "packets: %" PRIu64 " max_packet_bytes: %" PRIu64 " versions: %s\n", s.packets,
          s.max_packet, versions.c_str());
  appendf(out, "file: %s (%" PRIu64 " bytes)\n", file.c_str(), file_bytes);
  appendf(out, "sample_rate: %g\nword_size: %u\n", info.sample_rate, unsigned{info.word_size});
  out += "executable_name: " + quoted(info.executable_name) + "\n";
  out += "host_name: " + quoted(info.host_name) + "\n";
  out += "ocaml_runtime_params: " + quoted(info.ocaml_runtime_params) + "\n";
  appendf(out, "pid: %" PRId64 "\ninitial_domain: %u\nstart_time_us: %" PRIu64 "\n",
          static_cast<int64_t>(info.pid), unsigned{s.initial_domain}, info.start_time_us);
  out += "context: " + (info.context.empty() ? std::string("<none>") : quoted(info.context)) + "\n";
  uint64_t allocs = s.allocs[0] + s.allocs[1] + s.allocs[2];
  appendf(out,
          "events: alloc=%" PRIu64 " (minor=%" PRIu64 " major=%" PRIu64 " external=%" PRIu64
          ") promote=%" PRIu64 " collect=%" PRIu64 "\n",
          allocs, s.allocs[0], s.allocs[1], s.allocs[2], s.promotes, s.collects);
  appendf(out, "live_at_end: %" PRId64 "\n",
          static_cast<int64_t>(allocs) - static_cast<int64_t>(s.collects));
  appendf(
      out, "last_event_time_us_since_start: %" PRIu64 "\n",
      s.packets > 1 && s.last_time >= info.start_time_us ? s.last_time - info.start_time_us : 0);
  appendf(out, "max_backtrace_length: %zu empty_backtraces: %" PRIu64 "\n", s.max_len, s.empty);
  appendf(out, "total_samples: %" PRId64 "\n", s.samples);
  appendf(out, "total_sampled_length_words: %" PRId64 " (sum of alloc lengths)\n", s.length);
  double per = words_per_sample(info.sample_rate);
  double est = static_cast<double>(s.samples) * per;
  appendf(out, "estimated_allocated_words: %.0f (= samples / sample_rate; bytes = %.0f)\n", est,
          est * info.word_size / 8);
  appendf(out, "top %zu allocation sites by samples (est. words = samples/rate):\n", top);
  std::vector<const Stats::Site*> order;
  for (const Stats::Site& site : s.sites) order.push_back(&site);
  std::stable_sort(order.begin(), order.end(), [](const Stats::Site* a, const Stats::Site* b) {
    return a->samples != b->samples ? a->samples > b->samples : a->allocs > b->allocs;
  });
  for (size_t i = 0; i < order.size() && i < top; ++i) {
    const Stats::Site& site = *order[i];
    appendf(out,
            "%4zu. samples=%" PRId64 " est_words=%.0f allocs=%" PRIu64 " sum_len_words=%" PRId64
            "  %s\n",
            i + 1, site.samples, static_cast<double>(site.samples) * per, site.allocs, site.length,
            site.label.c_str());
  }
  if (s.problem_count == 0) {
    out += "CHECKS: OK\n";
  } else {
    appendf(out, "CHECKS: FAILED (%" PRIu64 " problems)\n", s.problem_count);
    for (const std::string& p : s.problems) out += "  " + p + "\n";
  }
  return out;
}

size_t FlamegraphView::StackHash::operator()(const std::vector<uint64_t>& v) const {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint64_t c : v) h = (h ^ c) * 0x100000001b3ull;
  return static_cast<size_t>(h);
}

void FlamegraphView::on_alloc(const AllocEvent& e) {
  std::vector<uint64_t> key(e.backtrace.begin(), e.backtrace.end());
  auto [it, fresh] = stack_ids_.try_emplace(std::move(key), stacks_.size());
  if (fresh) {
    stacks_.push_back(&it->first);
    samples_.push_back(0);
  }
  if (live_) {
    live_objects_[e.obj_id] = {it->second, e.nsamples};
  } else {
    samples_[it->second] += static_cast<double>(e.nsamples);
  }
}

void FlamegraphView::on_collect(const ObjectEvent& e) {
  if (live_) live_objects_.erase(e.obj_id);
}

std::string FlamegraphView::render() const {
  std::vector<double> weight = samples_;
  for (const auto& [id, obj] : live_objects_) weight[obj.first] += static_cast<double>(obj.second);
  const TraceInfo& info = reader_.info();
  double bytes_per_sample = words_per_sample(info.sample_rate) * info.word_size / 8;
  // Different code lists can fold to the same names: merge them.
  std::map<std::string, double> folded;
  for (size_t i = 0; i < stacks_.size(); ++i) {
    if (weight[i] <= 0) continue;
    std::string line;
    for (uint64_t code : *stacks_[i]) {
      const std::vector<Position>* ps = reader_.lookup(code);
      if (ps == nullptr) continue;
      for (const Position& p : *ps) {
        if (!line.empty()) line += ';';
        std::string name = p.defname.empty() ? "??" : p.defname;
        std::replace(name.begin(), name.end(), ';', ':');  // ';' separates frames
        std::replace(name.begin(), name.end(), '\n', ' ');
        line += name;
      }
    }
    folded[line.empty() ? "[unknown]" : line] += weight[i] * bytes_per_sample;
  }
  std::string out;
  for (const auto& [stack, bytes] : folded) appendf(out, "%s %.0f\n", stack.c_str(), bytes);
  return out;
}

}  // namespace vigil::trace
