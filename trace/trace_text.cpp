#include "trace/trace_text.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <limits>

#include "trace/wrapping.h"

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

namespace {

struct Site {
  std::string label;  // "file:line:start-end defname"
  int64_t samples = 0;
  uint64_t allocs = 0;
  int64_t length = 0;
  uint64_t first_alloc = 0;
};

// The sites of the model's stacks, in order of their first allocation.
std::vector<Site> sites_of(const TraceModel& m) {
  const std::vector<StackNode>& nodes = m.nodes();
  std::unordered_map<uint32_t, size_t> site_of_node;  // innermost node with positions -> site
  std::map<std::string, size_t> site_ids;
  std::vector<Site> sites;
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    const StackStats& st = nodes[i].stats;
    if (st.allocs == 0) continue;
    uint32_t n = i;
    while (n != 0 && (m.positions(n) == nullptr || m.positions(n)->empty())) n = nodes[n].parent;
    if (n == 0) continue;
    auto [it, fresh] = site_of_node.try_emplace(n, 0);
    if (fresh) {
      const Position& p = m.positions(n)->back();
      std::string label;
      appendf(label, "%s:%u:%u-%u %s", p.filename.c_str(), p.line, p.start_char, p.end_char,
              p.defname.c_str());
      auto [site, added] = site_ids.try_emplace(label, sites.size());
      if (added) sites.push_back({label, 0, 0, 0, st.first_alloc});
      it->second = site->second;
    }
    Site& site = sites[it->second];
    wrapping_add(site.samples, st.samples);
    site.allocs += st.allocs;
    wrapping_add(site.length, st.length_words);
    site.first_alloc = std::min(site.first_alloc, st.first_alloc);
  }
  std::sort(sites.begin(), sites.end(),
            [](const Site& a, const Site& b) { return a.first_alloc < b.first_alloc; });
  return sites;
}

}  // namespace

std::string render_summary(const TraceModel& m, const std::string& file, uint64_t file_bytes,
                           size_t top) {
  const TraceModel::Totals& s = m.totals();
  const TraceInfo& info = m.info();
  std::string out;
  std::string versions;
  for (unsigned v = 0; v < 16; ++v) {
    if ((s.versions & (1u << v)) != 0)
      versions += (versions.empty() ? "" : ",") + std::to_string(v);
  }
  appendf(out, "packets: %" PRIu64 " max_packet_bytes: %" PRIu64 " versions: %s\n", s.packets,
          s.max_packet_bytes, versions.c_str());
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
  appendf(out, "last_event_time_us_since_start: %" PRIu64 "\n",
          s.packets > 1 && s.last_time_us >= info.start_time_us
              ? s.last_time_us - info.start_time_us
              : 0);
  appendf(out, "max_backtrace_length: %zu empty_backtraces: %" PRIu64 "\n", s.max_backtrace,
          s.empty_backtraces);
  appendf(out, "total_samples: %" PRId64 "\n", s.samples);
  appendf(out, "total_sampled_length_words: %" PRId64 " (sum of alloc lengths)\n", s.length_words);
  double per = words_per_sample(info.sample_rate);
  double est = static_cast<double>(s.samples) * per;
  appendf(out, "estimated_allocated_words: %.0f (= samples / sample_rate; bytes = %.0f)\n", est,
          est * info.word_size / 8);
  appendf(out, "estimated_live_bytes_at_end: %.0f (samples never collected / sample_rate)\n",
          m.bytes_of(s.live_samples));
  appendf(out, "estimated_peak_live_bytes: %.0f (at %.3f s)\n", m.bytes_of(s.peak_live_samples),
          static_cast<double>(s.peak_time_us) / 1e6);
  const ModelOptions& o = m.options();
  if (o.from_us != 0 || o.to_us != std::numeric_limits<uint64_t>::max()) {
    // The window's own line: the figures above count every event; the sites below, only
    // the allocations made in the window.
    appendf(
        out,
        "window: allocations from %.6f s to %.6f s: samples=%" PRId64 " estimated_bytes=%.0f\n",
        static_cast<double>(o.from_us) / 1e6,
        o.to_us == std::numeric_limits<uint64_t>::max() ? -1.0 : static_cast<double>(o.to_us) / 1e6,
        s.counted_samples, m.bytes_of(s.counted_samples));
  }
  appendf(out, "top %zu allocation sites by samples (est. words = samples/rate):\n", top);
  std::vector<Site> sites = sites_of(m);
  std::stable_sort(sites.begin(), sites.end(), [](const Site& a, const Site& b) {
    return a.samples != b.samples ? a.samples > b.samples : a.allocs > b.allocs;
  });
  for (size_t i = 0; i < sites.size() && i < top; ++i) {
    const Site& site = sites[i];
    appendf(out,
            "%4zu. samples=%" PRId64 " est_words=%.0f allocs=%" PRIu64 " sum_len_words=%" PRId64
            "  %s\n",
            i + 1, site.samples, static_cast<double>(site.samples) * per, site.allocs, site.length,
            site.label.c_str());
  }
  if (m.problem_count() == 0) {
    out += "CHECKS: OK\n";
  } else {
    appendf(out, "CHECKS: FAILED (%" PRIu64 " problems)\n", m.problem_count());
    for (const std::string& p : m.problems()) out += "  " + p + "\n";
  }
  return out;
}

std::string render_folded(const TraceModel& m, bool live) {
  const std::vector<StackNode>& nodes = m.nodes();
  // Different code lists can fold to the same names: merge them.
  std::map<std::string, double> folded;
  std::vector<uint32_t> path;
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    const StackStats& st = nodes[i].stats;
    int64_t weight = live ? st.live_samples : st.samples;
    if (weight <= 0) continue;
    path.clear();
    for (uint32_t n = i; n != 0; n = nodes[n].parent) path.push_back(n);
    std::string line;
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      const std::vector<Position>* ps = m.positions(*it);
      if (ps == nullptr) continue;
      for (const Position& p : *ps) {
        if (!line.empty()) line += ';';
        std::string name = p.defname.empty() ? "??" : p.defname;
        std::replace(name.begin(), name.end(), ';', ':');  // ';' separates frames
        std::replace(name.begin(), name.end(), '\n', ' ');
        line += name;
      }
    }
    folded[line.empty() ? "[unknown]" : line] += m.bytes_of(weight);
  }
  std::string out;
  for (const auto& [stack, bytes] : folded) appendf(out, "%s %.0f\n", stack.c_str(), bytes);
  return out;
}

}  // namespace vigil::trace
