#include "metrics/proc_parse.h"

#include <charconv>
#include <optional>

namespace vigil::metrics::proc {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Calls fn(line) for each line, without the LF.
template <class Fn>
void for_each_line(std::string_view text, Fn fn) {
  while (!text.empty()) {
    size_t eol = text.find('\n');
    fn(text.substr(0, eol));
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
}

// Splits on blanks: "  a b\tc " => {"a", "b", "c"}.
std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<uint64_t> to_u64(std::string_view s) {
  uint64_t v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> to_double(std::string_view s) {
  double v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Word `i` as a number, if present and numeric.
std::optional<uint64_t> u64_at(const std::vector<std::string_view>& w, size_t i) {
  return i < w.size() ? to_u64(w[i]) : std::nullopt;
}

}  // namespace

std::vector<Point> parse_meminfo(std::string_view text) {
  std::optional<uint64_t> total, avail, free, buffers, cached, swap_total, swap_free;
  for_each_line(text, [&](std::string_view line) {
    std::vector<std::string_view> w = words(line);
    if (w.size() < 2) return;
    std::optional<uint64_t> kb = to_u64(w[1]);
    if (!kb) return;
    std::string_view key = w[0];
    if (key == "MemTotal:") total = kb;
    if (key == "MemAvailable:") avail = kb;
    if (key == "MemFree:") free = kb;
    if (key == "Buffers:") buffers = kb;
    if (key == "Cached:") cached = kb;
    if (key == "SwapTotal:") swap_total = kb;
    if (key == "SwapFree:") swap_free = kb;
  });
  Point p;
  p.measurement = "memory";
  auto add = [&](const char* name, std::optional<uint64_t> kb) {
    if (kb) p.fields.push_back({name, *kb * 1024});
  };
  add("total_bytes", total);
  add("available_bytes", avail);
  add("free_bytes", free);
  add("buffers_bytes", buffers);
  add("cached_bytes", cached);
  add("swap_total_bytes", swap_total);
  if (swap_total && swap_free && *swap_total >= *swap_free) {
    add("swap_used_bytes", *swap_total - *swap_free);
  }
  if (p.fields.empty()) return {};
  return {std::move(p)};
}

std::vector<CpuTimes> parse_stat_cpus(std::string_view text, bool per_core) {
  std::vector<CpuTimes> out;
  for_each_line(text, [&](std::string_view line) {
    if (line.substr(0, 3) != "cpu") return;
    std::vector<std::string_view> w = words(line);
    if (w.size() < 5) return;
    CpuTimes t;
    if (w[0] == "cpu") {
      t.name = "total";
    } else if (per_core && to_u64(w[0].substr(3))) {
      t.name = std::string(w[0].substr(3));
    } else {
      return;
    }
    uint64_t* slots[] = {&t.user,   &t.nice, &t.system,  &t.idle,
                         &t.iowait, &t.irq,  &t.softirq, &t.steal};
    for (size_t i = 0; i < 8; ++i) *slots[i] = u64_at(w, i + 1).value_or(0);
    out.push_back(std::move(t));
  });
  return out;
}

std::vector<Point> cpu_fractions(const std::vector<CpuTimes>& previous,
                                 const std::vector<CpuTimes>& current) {
  std::vector<Point> out;
  for (const CpuTimes& cur : current) {
    CpuTimes prev;
    for (const CpuTimes& p : previous) {
      if (p.name == cur.name) prev = p;
    }
    const uint64_t* c[] = {&cur.user,   &cur.nice, &cur.system,  &cur.idle,
                           &cur.iowait, &cur.irq,  &cur.softirq, &cur.steal};
    const uint64_t* q[] = {&prev.user,   &prev.nice, &prev.system,  &prev.idle,
                           &prev.iowait, &prev.irq,  &prev.softirq, &prev.steal};
    bool went_back = false;
    for (size_t i = 0; i < 8; ++i) went_back |= *c[i] < *q[i];
    if (went_back || cur.sum() == prev.sum()) continue;
    const double total = static_cast<double>(cur.sum() - prev.sum());
    static const char* kNames[] = {"user_fraction",    "nice_fraction",   "system_fraction",
                                   "idle_fraction",    "iowait_fraction", "irq_fraction",
                                   "softirq_fraction", "steal_fraction"};
    Point p;
    p.measurement = "cpu";
    p.tags.push_back({"cpu", cur.name});
    for (size_t i = 0; i < 8; ++i) {
      p.fields.push_back({kNames[i], static_cast<double>(*c[i] - *q[i]) / total});
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Point> parse_net_dev(std::string_view text) {
  std::vector<Point> out;
  for_each_line(text, [&](std::string_view line) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;  // The two header lines have none.
    std::vector<std::string_view> name = words(line.substr(0, colon));
    std::vector<std::string_view> w = words(line.substr(colon + 1));
    if (name.size() != 1 || w.size() < 12) return;
    static const struct {
      size_t index;
      const char* field;
    } kCols[] = {{0, "rx_bytes"}, {1, "rx_packets"}, {2, "rx_errors"},  {3, "rx_drops"},
                 {8, "tx_bytes"}, {9, "tx_packets"}, {10, "tx_errors"}, {11, "tx_drops"}};
    Point p;
    p.measurement = "net";
    p.tags.push_back({"ifname", std::string(name[0])});
    for (const auto& col : kCols) {
      if (auto v = u64_at(w, col.index)) p.fields.push_back({col.field, *v});
    }
    if (!p.fields.empty()) out.push_back(std::move(p));
  });
  return out;
}

std::vector<Point> parse_diskstats(std::string_view text) {
  std::vector<Point> out;
  for_each_line(text, [&](std::string_view line) {
    std::vector<std::string_view> w = words(line);
    if (w.size() < 13) return;
    std::string_view dev = w[2];
    if (dev.substr(0, 4) == "loop" || dev.substr(0, 3) == "ram") return;
    auto reads = u64_at(w, 3), sectors_read = u64_at(w, 5), writes = u64_at(w, 7),
         sectors_written = u64_at(w, 9), io_ms = u64_at(w, 12);
    if (!reads || !writes || (*reads == 0 && *writes == 0)) return;
    Point p;
    p.measurement = "disk";
    p.tags.push_back({"device", std::string(dev)});
    p.fields.push_back({"reads", *reads});
    p.fields.push_back({"writes", *writes});
    if (sectors_read) p.fields.push_back({"read_bytes", *sectors_read * 512});
    if (sectors_written) p.fields.push_back({"written_bytes", *sectors_written * 512});
    if (io_ms) p.fields.push_back({"io_time_seconds", static_cast<double>(*io_ms) / 1000.0});
    out.push_back(std::move(p));
  });
  return out;
}

std::vector<Point> parse_load(std::string_view loadavg, std::string_view uptime) {
  Point p;
  p.measurement = "load";
  std::vector<std::string_view> w = words(loadavg);
  static const char* kLoads[] = {"load1", "load5", "load15"};
  for (size_t i = 0; i < 3 && i < w.size(); ++i) {
    if (auto v = to_double(w[i])) p.fields.push_back({kLoads[i], *v});
  }
  if (w.size() > 3) {
    std::string_view procs = w[3];  // "running/total"
    size_t slash = procs.find('/');
    if (slash != std::string_view::npos) {
      if (auto r = to_u64(procs.substr(0, slash))) p.fields.push_back({"procs_running", *r});
      if (auto t = to_u64(procs.substr(slash + 1))) p.fields.push_back({"procs_total", *t});
    }
  }
  std::vector<std::string_view> u = words(uptime);
  if (!u.empty()) {
    if (auto v = to_double(u[0])) p.fields.push_back({"uptime_seconds", *v});
  }
  if (p.fields.empty()) return {};
  return {std::move(p)};
}

std::vector<Field> parse_self_stat(std::string_view text, uint64_t ticks_per_second,
                                   uint64_t page_size) {
  std::vector<Field> out;
  size_t paren = text.rfind(')');
  if (paren == std::string_view::npos || ticks_per_second == 0) return out;
  // After ")": state is field 3 of proc(5), so field N is at index N - 3.
  std::vector<std::string_view> w = words(text.substr(paren + 1));
  const double tps = static_cast<double>(ticks_per_second);
  if (auto v = u64_at(w, 14 - 3))
    out.push_back({"cpu_user_seconds", static_cast<double>(*v) / tps});
  if (auto v = u64_at(w, 15 - 3))
    out.push_back({"cpu_system_seconds", static_cast<double>(*v) / tps});
  if (auto v = u64_at(w, 20 - 3)) out.push_back({"threads", *v});
  if (auto v = u64_at(w, 24 - 3)) out.push_back({"rss_bytes", *v * page_size});
  return out;
}

}  // namespace vigil::metrics::proc
