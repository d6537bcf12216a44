// ns per point for vigil's line-protocol encoder against a naive std::ostringstream
// encoder, in the same run, and heap allocations per point for each.
// A point has 3 tags (given unsorted) and 5 fields: float, signed, unsigned, bool, string.
// The values vary from point to point: the float is 0.125 + i * 0.001 (161 of the 200 have
// a short decimal form such as 0.126, which metrics/decimal.h writes on its fast path, 39
// need 17 digits, such as 0.14100000000000001, and go to std::to_chars), the integers and
// the timestamp grow with i. The tags cycle over 8 series (cpu=cpu0..cpu7), the same in
// every round, as a source sends the same series every interval: after the warm-up the
// encoder's per-thread series key cache (metrics/series_key_cache.h) holds their keys, and
// what it saves is the real saving on such a workload. Field values are never cached.
// Each round encodes a batch of 200 points into one reused std::string; the result is the
// median of 301 rounds (short rounds, so that most are not preempted on a busy machine).
// A third measurement is the floor: the number conversions the point needs (std::to_chars
// of its float, its two integers and its timestamp); vigil's time is also given as a ratio to it.
// The spread is the 25th..75th percentile of the per-round ratios.
// Allocations are counted by replacing the global operator new in this binary (std::string and the
// streams allocate through it). Run: build/bench/bench_encode
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <new>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/decimal.h"
#include "metrics/influx.h"
#include "stats.h"

namespace {

using vigil::bench::median;
using vigil::bench::ratio_spread;

std::atomic<uint64_t> g_allocations{0};

}  // namespace

// GCC cannot see that this operator new is the malloc-backed one, and warns that free()
// mismatches it; here it does not.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using vigil::metrics::Point;
using Clock = std::chrono::steady_clock;

constexpr int kBatch = 200;
constexpr int kRounds = 301;

Point sample_point(int i) {
  Point p;
  p.measurement = "cpu";
  p.tags = {{"region", "eu-west"}, {"host", "server-01"}, {"cpu", "cpu" + std::to_string(i % 8)}};
  p.fields = {{"usage_user", 0.125 + i * 1e-3},
              {"ticks", int64_t{-1234567} + i},
              {"bytes", uint64_t{18446744073709551615u}},
              {"online", true},
              {"state", std::string("run \"ok\"")}};
  p.time_ns = 1700000000000000000 + i;
  return p;
}

// The naive encoder: a stream per point, a copied and sorted tag list, setprecision(17).
void escape_to(std::ostringstream& os, const std::string& s, const char* special) {
  for (char c : s) {
    for (const char* q = special; *q != 0; ++q) {
      if (c == *q) os << '\\';
    }
    os << c;
  }
}

void naive_encode(const Point& p, std::string* out) {
  std::ostringstream os;
  escape_to(os, p.measurement, ", ");
  auto tags = p.tags;
  std::sort(tags.begin(), tags.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  for (const auto& t : tags) {
    os << ',';
    escape_to(os, t.key, ", =");
    os << '=';
    escape_to(os, t.value, ", =");
  }
  bool first = true;
  for (const auto& f : p.fields) {
    os << (first ? ' ' : ',');
    first = false;
    escape_to(os, f.key, ", =");
    os << '=';
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, double>) {
            os << std::setprecision(17) << v;
          } else if constexpr (std::is_same_v<T, bool>) {
            os << (v ? "true" : "false");
          } else if constexpr (std::is_same_v<T, std::string>) {
            os << '"';
            escape_to(os, v, "\\\"");
            os << '"';
          } else {
            os << v << 'i';
          }
        },
        f.value);
  }
  os << ' ' << p.time_ns << '\n';
  *out += os.str();
}

struct Round {
  double ns_per_point;
  double allocs_per_point;
};

template <class Encode>
Round run_round(const std::vector<Point>& points, std::string* out, Encode encode) {
  out->clear();
  uint64_t allocs = g_allocations.load();
  auto start = Clock::now();
  for (const Point& p : points) encode(p, out);
  auto ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  allocs = g_allocations.load() - allocs;
  return {ns / kBatch, static_cast<double>(allocs) / kBatch};
}

}  // namespace

int main() {
  std::vector<Point> points;
  for (int i = 0; i < kBatch; ++i) points.push_back(sample_point(i));
  std::string vigil_out;
  std::string naive_out;
  auto vigil_encode = [](const Point& p, std::string* o) { vigil::metrics::encode_point(p, o); };
  // Warm-up: both strings grow to their working size.
  run_round(points, &vigil_out, vigil_encode);
  run_round(points, &naive_out, naive_encode);
  std::vector<double> vigil_ns, naive_ns, vigil_allocs, naive_allocs;
  for (int r = 0; r < kRounds; ++r) {
    Round v = run_round(points, &vigil_out, vigil_encode);
    Round n = run_round(points, &naive_out, naive_encode);
    vigil_ns.push_back(v.ns_per_point);
    naive_ns.push_back(n.ns_per_point);
    vigil_allocs.push_back(v.allocs_per_point);
    naive_allocs.push_back(n.allocs_per_point);
  }
  std::printf("sample line: %s", vigil_out.substr(0, vigil_out.find('\n') + 1).c_str());
  std::printf("bytes per line: vigil %.1f, naive %.1f\n",
              static_cast<double>(vigil_out.size()) / kBatch,
              static_cast<double>(naive_out.size()) / kBatch);
  double v = median(vigil_ns), n = median(naive_ns);
  std::printf("encode, median of %d rounds of %d points (3 tags, 5 fields):\n", kRounds, kBatch);
  std::printf("  vigil encode_point : %8.1f ns/point, %.2f allocations/point\n", v,
              median(vigil_allocs));
  std::printf("  naive ostringstream: %8.1f ns/point, %.2f allocations/point\n", n,
              median(naive_allocs));
  auto [lo, hi] = ratio_spread(naive_ns, vigil_ns);
  std::printf("  ratio naive/vigil  : %8.2fx (per-round spread %.2f..%.2f)\n", n / v, lo, hi);
  // The floor: the number conversions the point needs (its float, its two integers and
  // its timestamp), with the same std::to_chars calls, appended once per point.
  auto numbers_only = [](const Point& p, std::string* o) {
    char buf[128];
    char* q = buf;
    q = std::to_chars(q, buf + sizeof buf, std::get<double>(p.fields[0].value)).ptr;
    q = std::to_chars(q, buf + sizeof buf, std::get<int64_t>(p.fields[1].value)).ptr;
    uint64_t u = std::get<uint64_t>(p.fields[2].value);
    q = std::to_chars(q, buf + sizeof buf, std::min<uint64_t>(u, INT64_MAX)).ptr;
    q = std::to_chars(q, buf + sizeof buf, p.time_ns).ptr;
    o->append(buf, q);
  };
  auto float_only = [](const Point& p, std::string* o) {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, std::get<double>(p.fields[0].value));
    o->append(buf, res.ptr);
  };
  std::vector<double> numbers_ns, float_ns, vigil2_ns, naive2_ns;
  for (int r = 0; r < kRounds; ++r) {
    numbers_ns.push_back(run_round(points, &vigil_out, numbers_only).ns_per_point);
    float_ns.push_back(run_round(points, &vigil_out, float_only).ns_per_point);
    vigil2_ns.push_back(run_round(points, &vigil_out, vigil_encode).ns_per_point);
    naive2_ns.push_back(run_round(points, &naive_out, naive_encode).ns_per_point);
  }
  double num = median(numbers_ns), v2 = median(vigil2_ns), n2 = median(naive2_ns);
  std::printf("number conversions alone (1 float, 2 integers, the timestamp), same rounds:\n");
  std::printf("  numbers only       : %8.1f ns/point (std::to_chars(double) alone: %.1f ns)\n", num,
              median(float_ns));
  std::printf("  vigil encode_point : %8.1f ns/point\n", v2);
  auto [nlo, nhi] = ratio_spread(vigil2_ns, numbers_ns);
  std::printf("  ratio vigil/numbers: %8.2fx (per-round spread %.2f..%.2f)\n", v2 / num, nlo, nhi);
  std::printf("  naive ostringstream: %8.1f ns/point (ratio naive/vigil %.2fx)\n", n2, n2 / v2);
  std::printf("  ceiling of naive/vigil if everything but the numbers were free: %.1fx\n",
              n2 / num);
  // The double alone, vigil's writer against std::to_chars, on the bench's floats and on
  // floats that all need 17 digits ((i + 1) / 7): what the fast path costs when it misses.
  std::vector<Point> long_points = points;
  for (int i = 0; i < kBatch; ++i) long_points[i].fields[0].value = (i + 1) / 7.0;
  auto vigil_float = [](const Point& p, std::string* o) {
    char buf[vigil::metrics::decimal::kRoom];
    o->append(buf, vigil::metrics::decimal::put_double(buf, std::get<double>(p.fields[0].value)));
  };
  std::printf("one double, std::to_chars against metrics/decimal.h, same rounds:\n");
  for (const auto* set : {&points, &long_points}) {
    std::vector<double> std_ns, own_ns;
    for (int r = 0; r < kRounds; ++r) {
      std_ns.push_back(run_round(*set, &vigil_out, float_only).ns_per_point);
      own_ns.push_back(run_round(*set, &vigil_out, vigil_float).ns_per_point);
    }
    auto [flo, fhi] = ratio_spread(own_ns, std_ns);
    std::printf(
        "  %s: std::to_chars %5.1f ns, put_double %5.1f ns, ratio %.2fx (spread %.2f..%.2f)\n",
        set == &points ? "bench floats     " : "17-digit floats  ", median(std_ns), median(own_ns),
        median(own_ns) / median(std_ns), flo, fhi);
  }
  // The same points in a new random order each round: the series key cache's guess of the
  // next series (the one that came next last time) is then mostly wrong, as when sources
  // interleave differently every interval; the order of the rounds above is the usual case.
  // The values come in a new order too, which the branch predictors also pay for.
  std::vector<Point> shuffled = points;
  std::mt19937 rng(1);
  std::vector<double> ordered_ns, shuffled_ns;
  for (int r = 0; r < kRounds; ++r) {
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    shuffled_ns.push_back(run_round(shuffled, &vigil_out, vigil_encode).ns_per_point);
    ordered_ns.push_back(run_round(points, &vigil_out, vigil_encode).ns_per_point);
  }
  auto [slo, shi] = ratio_spread(shuffled_ns, ordered_ns);
  std::printf("vigil encode_point, series in the same order each round against a new order:\n");
  std::printf(
      "  same order %.1f ns/point, new order %.1f ns/point, ratio %.2fx (spread %.2f..%.2f)\n",
      median(ordered_ns), median(shuffled_ns), median(shuffled_ns) / median(ordered_ns), slo, shi);
  return 0;
}
