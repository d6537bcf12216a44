#include "trace/report_data.h"

#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

namespace vigil::trace {
namespace {

// JSON numbers. JSON has no inf or nan: a non-finite figure, which only a nonsense sampling
// rate in the trace can give, is written as 0. The formats cannot outgrow the buffer.
void append_double(std::string& out, double v, std::chars_format format, int precision) {
  if (!std::isfinite(v)) v = 0;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, format, precision);
  if (ec != std::errc()) end = std::to_chars(buf, buf + sizeof buf, 0).ptr;
  out.append(buf, end);
}

void append_number(std::string& out, double v) {
  append_double(out, v, std::chars_format::general, 6);
}

void append_int(std::string& out, int64_t v) { out += std::to_string(v); }

// Strings by first use; the JSON refers to them by index.
struct StringTable {
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<const std::string*> order;
  uint32_t id(const std::string& s) {
    auto [it, fresh] = ids.try_emplace(s, static_cast<uint32_t>(order.size()));
    if (fresh) order.push_back(&it->first);
    return it->second;
  }
};

// "Own" code (0), the system's (1: a path under /usr/ or /lib, or in glibc's source tree, as
// its debug information names files: "../sysdeps/...", "./nptl/..."), or unknown (2).
int kind_of(const Position* p) {
  if (p == nullptr) return 2;
  const std::string& f = p->filename;
  if (f.empty() || f[0] == '<' || f.rfind("/usr/", 0) == 0 || f.rfind("/lib", 0) == 0) return 1;
  size_t at = 0;
  while (f.compare(at, 2, "./") == 0 || f.compare(at, 3, "../") == 0) at = f.find('/', at) + 1;
  std::string top = f.substr(at, f.find('/', at) - at);
  for (const char* dir : {"sysdeps", "nptl", "csu", "elf", "dlfcn", "libio", "malloc", "stdlib",
                          "string", "misc", "posix", "io", "dirent", "stdio-common", "iconv"}) {
    if (top == dir && f.find('/', at) != std::string::npos) return 1;
  }
  return 0;
}

std::string base_location(const Position& p) {
  return (p.filename.empty() ? std::string("?") : p.filename) + ":" + std::to_string(p.line);
}

// The frames of the report: the model's nodes with inlined positions expanded, and siblings
// that name the same function merged.
struct Frames {
  struct Frame {
    uint32_t parent;
    uint32_t name;
    int kind;
    std::string file;
    std::set<uint32_t> lines;
  };
  std::vector<Frame> frames{Frame{0, 0, 2, "", {}}};
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> children;  // (parent, name) -> frame
  uint32_t child(uint32_t parent, uint32_t name, const Position* p) {
    auto [it, fresh] = children.try_emplace({parent, name}, 0);
    if (fresh) {
      it->second = static_cast<uint32_t>(frames.size());
      frames.push_back({parent, name, kind_of(p), p != nullptr ? p->filename : "", {}});
    }
    Frame& f = frames[it->second];
    if (p != nullptr && f.lines.size() < 4) f.lines.insert(p->line);
    return it->second;
  }
};

void append_info(std::string& out, const TraceModel& m, const ReportSource& src,
                 const TraceTimeline& tl) {
  const TraceInfo& i = m.info();
  const TraceModel::Totals& t = m.totals();
  uint64_t last = t.last_time_us >= i.start_time_us ? t.last_time_us - i.start_time_us : 0;
  out += "\"info\":{\"executable\":" + json_string(i.executable_name);
  out += ",\"host\":" + json_string(i.host_name) + ",\"pid\":";
  append_int(out, static_cast<int64_t>(i.pid));
  out += ",\"start_us\":" + std::to_string(i.start_time_us) + ",\"sample_rate\":";
  append_number(out, i.sample_rate);
  out += ",\"word_size\":" + std::to_string(i.word_size);
  out += ",\"duration_us\":" + std::to_string(last);
  out += ",\"source\":" + json_string(src.name) + ",\"bytes\":" + std::to_string(src.bytes);
  out += ",\"events\":" + std::to_string(src.events);
  out += ",\"allocs\":" + std::to_string(t.allocs[0] + t.allocs[1] + t.allocs[2]);
  out += ",\"collects\":" + std::to_string(t.collects);
  out += ",\"peak_samples\":" + std::to_string(t.peak_live_samples);
  out += ",\"peak_us\":" + std::to_string(t.peak_time_us);
  out += ",\"live_samples\":" + std::to_string(t.live_samples);
  out += ",\"allocated_samples\":" + std::to_string(t.counted_samples);
  out += ",\"notice\":" + json_string(src.notice) + "},\"bytes_per_sample\":";
  append_number(out, m.bytes_of(1));
  out += ",\"bucket_us\":" + std::to_string(tl.bucket_us());
  out += ",\"buckets\":" + std::to_string(tl.buckets());
}

// Objects: whole numbers from 100 up, 3 significant digits below (smaller output); 15
// significant digits from 1e15 up, where a whole number would run to hundreds of digits.
void append_objects(std::string& out, double v) {
  if (v >= 1e15) return append_double(out, v, std::chars_format::general, 15);
  if (v >= 100) return append_double(out, v, std::chars_format::fixed, 0);
  append_double(out, v, std::chars_format::general, 3);
}

// The cells, merged by (frame, site) and grouped: frame, site, n, then n times (alloc
// bucket, free bucket - alloc bucket or -1 for never, samples, objects).
void append_cells(std::string& out, const TraceTimeline& tl, const std::vector<uint32_t>& frame_of,
                  const std::vector<uint32_t>& site_of) {
  struct Figures {
    int64_t samples = 0;
    double objects = 0;
  };
  // (frame, site) -> (alloc, free) -> figures; ordered, for a stable output.
  std::map<std::pair<uint32_t, int64_t>, std::map<std::pair<uint32_t, int64_t>, Figures>> groups;
  for (const TraceTimeline::Cell& c : tl.cells()) {
    int64_t site = site_of[c.node] == UINT32_MAX ? -1 : site_of[c.node];
    int64_t free_delta = c.free_bucket == TraceTimeline::kNever
                             ? -1
                             : static_cast<int64_t>(c.free_bucket) - c.alloc_bucket;
    Figures& f = groups[{frame_of[c.node], site}][{c.alloc_bucket, free_delta}];
    f.samples =
        static_cast<int64_t>(static_cast<uint64_t>(f.samples) + static_cast<uint64_t>(c.samples));
    f.objects += c.objects;
  }
  out += ",\"cells\":[";
  bool first = true;
  for (const auto& [key, cells] : groups) {
    if (!first) out += ',';
    first = false;
    out += std::to_string(key.first) + ',' + std::to_string(key.second) + ',' +
           std::to_string(cells.size());
    for (const auto& [ab, f] : cells) {
      out += ',' + std::to_string(ab.first) + ',' + std::to_string(ab.second) + ',' +
             std::to_string(f.samples) + ',';
      append_objects(out, f.objects);
    }
  }
}

}  // namespace

std::string json_string(const std::string& s) {
  std::string q = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += static_cast<char>(c);
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      q += buf;
    } else {
      q += static_cast<char>(c);
    }
  }
  return q + "\"";
}

std::string report_json(const TraceModel& m, const TraceTimeline& tl, const ReportSource& src) {
  const std::vector<StackNode>& nodes = m.nodes();
  StringTable strings;
  strings.id("");
  Frames frames;
  // The frame and the site (an index into `sites`) of each node.
  std::vector<uint32_t> frame_of(nodes.size(), 0), site_of(nodes.size(), UINT32_MAX);
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> site_ids;
  std::vector<std::pair<uint32_t, uint32_t>> sites;
  for (uint32_t n = 1; n < nodes.size(); ++n) {
    uint32_t parent = nodes[n].parent;
    uint32_t f = frame_of[parent];
    site_of[n] = site_of[parent];
    const std::vector<Position>* ps = m.positions(n);
    if (ps == nullptr || ps->empty()) {
      f = frames.child(f, strings.id("??"), nullptr);
    } else {
      for (const Position& p : *ps) {
        f = frames.child(f, strings.id(p.defname.empty() ? "??" : p.defname), &p);
      }
      const Position& inner = ps->back();
      std::pair<uint32_t, uint32_t> key{strings.id(inner.defname.empty() ? "??" : inner.defname),
                                        strings.id(base_location(inner))};
      auto [it, fresh] = site_ids.try_emplace(key, static_cast<uint32_t>(sites.size()));
      if (fresh) sites.push_back(key);
      site_of[n] = it->second;
    }
    frame_of[n] = f;
  }
  std::string out = "{";
  append_info(out, m, src, tl);
  out += ",\"series\":[";
  bool first = true;
  for (const LivePoint& p : m.live_series()) {
    if (!first) out += ',';
    first = false;
    out += std::to_string(p.time_us) + ',' + std::to_string(p.live_samples) + ',' +
           std::to_string(p.peak_samples) + ',' + std::to_string(p.allocated_samples);
  }
  out += "],\"frames\":[";
  for (size_t i = 0; i < frames.frames.size(); ++i) {
    const Frames::Frame& f = frames.frames[i];
    std::string loc = f.file.empty() ? "" : f.file + ":";
    bool first_line = true;
    for (uint32_t line : f.lines) {
      loc += (first_line ? "" : ", ") + std::to_string(line);
      first_line = false;
    }
    if (i > 0) out += ',';
    out += std::to_string(f.parent) + ',' + std::to_string(f.name) + ',' +
           std::to_string(strings.id(loc)) + ',' + std::to_string(f.kind);
  }
  out += "],\"sites\":[";
  for (size_t i = 0; i < sites.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(sites[i].first) + ',' + std::to_string(sites[i].second);
  }
  out += ']';
  append_cells(out, tl, frame_of, site_of);
  out += "],\"strings\":[";
  for (size_t i = 0; i < strings.order.size(); ++i) {
    if (i > 0) out += ',';
    out += json_string(*strings.order[i]);
  }
  out += "]}";
  return out;
}

}  // namespace vigil::trace
