// The report's views of the model: the timeline answers "allocated in a range", "live at a
// moment" and "allocated in a range and live at its end" as the events say (the expected
// figures are summed from the generated events here, not by the code under test); the
// function table's own and total figures; the report's JSON escaping.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "trace/report_data.h"
#include "trace/trace_functions.h"
#include "trace/trace_model.h"
#include "trace/trace_timeline.h"
#include "trace/trace_writer.h"
#include "trace_test_util.h"

namespace vigil::trace {
namespace {

using test::sample_info;
using test::VectorSink;

struct Generated {
  struct Object {
    uint64_t alloc_us, free_us;  // since the start; free_us = UINT64_MAX for never
    int64_t samples;
    uint64_t code;
  };
  std::vector<Object> objects;
  std::vector<uint8_t> bytes;
};

// 3000 objects over about 2.4 s from three stacks, with lifetimes from 0 to 0.5 s and some
// never freed (a small deterministic generator, so that the test is reproducible).
Generated generate() {
  Generated g;
  VectorSink sink;
  TraceInfo info = sample_info();
  TraceWriter w(sink, info);
  Position ps[3] = {{"a.cpp", "main", 1, 0, 0}, {"b.cpp", "f", 2, 0, 0}, {"c.cpp", "g", 3, 0, 0}};
  for (uint64_t c = 1; c <= 3; ++c) w.define_location(info.start_time_us, c, {&ps[c - 1], 1});
  uint64_t x = 12345;
  auto next = [&] { return x = x * 6364136223846793005ull + 1442695040888963407ull, x >> 33; };
  std::multimap<uint64_t, int64_t> frees;  // time -> object id
  uint64_t t = 0;
  for (int i = 0; i < 3000; ++i) {
    t += 1 + next() % 1600;
    while (!frees.empty() && frees.begin()->first <= t) {
      REQUIRE(w.collect(info.start_time_us + frees.begin()->first,
                        static_cast<uint64_t>(frees.begin()->second))
                  .ok());
      frees.erase(frees.begin());
    }
    uint64_t code = 2 + next() % 2;
    uint64_t stack[] = {1, code};
    int64_t samples = 1 + static_cast<int64_t>(next() % 5);
    Result<uint64_t> id = w.alloc(info.start_time_us + t, 8, samples, stack);
    REQUIRE(id.ok());
    uint64_t free_us = next() % 5 == 0 ? UINT64_MAX : t + next() % 500000;
    if (free_us != UINT64_MAX) frees.emplace(free_us, static_cast<int64_t>(*id));
    g.objects.push_back({t, free_us, samples, code});
  }
  for (const auto& [when, id] : frees) {
    REQUIRE(w.collect(info.start_time_us + when, static_cast<uint64_t>(id)).ok());
  }
  w.flush();
  g.bytes = sink.bytes;
  return g;
}

enum class Mode { kRange, kMoment, kLeak };

// The timeline's samples for buckets [b0, b1] in a mode, as the page (model.js) sums them.
int64_t timeline_sum(const TraceTimeline& tl, uint32_t b0, uint32_t b1, Mode mode) {
  int64_t sum = 0;
  for (const TraceTimeline::Cell& c : tl.cells()) {
    bool live_at_end = c.free_bucket == TraceTimeline::kNever || c.free_bucket > b1;
    bool in = mode == Mode::kMoment ? c.alloc_bucket <= b1 && live_at_end
                                    : c.alloc_bucket >= b0 && c.alloc_bucket <= b1 &&
                                          (mode == Mode::kRange || live_at_end);
    if (in) sum += c.samples;
  }
  return sum;
}

// The same, from the generated events: [from, to) in µs.
int64_t event_sum(const Generated& g, uint64_t from, uint64_t to, Mode mode) {
  int64_t sum = 0;
  for (const Generated::Object& o : g.objects) {
    bool live_at_end = o.free_us >= to;
    bool in = mode == Mode::kMoment
                  ? o.alloc_us < to && live_at_end
                  : o.alloc_us >= from && o.alloc_us < to && (mode == Mode::kRange || live_at_end);
    if (in) sum += o.samples;
  }
  return sum;
}

TEST_CASE("the timeline's ranges, moments and leaks are the events' figures") {
  Generated g = generate();
  TraceReader reader;
  TraceModel model(reader);
  TraceTimeline tl;
  model.set_listener(&tl);
  REQUIRE(reader.read(g.bytes, model).ok());
  REQUIRE(model.problem_count() == 0);
  // 2.4 s does not fit 200 buckets of 1 ms: the width doubled to 16 ms.
  CHECK(tl.bucket_us() == 16000);
  CHECK(tl.buckets() <= TraceTimeline::kMaxBuckets);
  CHECK(tl.buckets() * tl.bucket_us() > g.objects.back().alloc_us);
  uint32_t n = tl.buckets();
  for (auto [b0, b1] : {std::pair<uint32_t, uint32_t>{0, n - 1},
                        {n / 2, n - 1},
                        {0, 0},
                        {10, 40},
                        {n / 3, n / 3},
                        {n - 1, n - 1}}) {
    uint64_t from = b0 * tl.bucket_us(), to = (b1 + 1) * tl.bucket_us();
    for (Mode m : {Mode::kRange, Mode::kMoment, Mode::kLeak}) {
      CHECK_MESSAGE(timeline_sum(tl, b0, b1, m) == event_sum(g, from, to, m),
                    "buckets " << b0 << ".." << b1 << " mode " << static_cast<int>(m));
    }
    // And the model's own window (summary --from --to) allocates the same samples.
    ModelOptions o;
    o.from_us = from;
    o.to_us = to;
    TraceModel window(reader, o);
    REQUIRE(reader.read(g.bytes, window).ok());
    CHECK(window.totals().counted_samples == event_sum(g, from, to, Mode::kRange));
  }
  CHECK(timeline_sum(tl, 0, n - 1, Mode::kLeak) == model.totals().live_samples);
}

TEST_CASE("coarsen bounds the cells and keeps the totals") {
  Generated g = generate();
  TraceReader reader;
  TraceModel model(reader);
  TraceTimeline tl;
  model.set_listener(&tl);
  REQUIRE(reader.read(g.bytes, model).ok());
  int64_t before = timeline_sum(tl, 0, tl.buckets() - 1, Mode::kRange);
  tl.coarsen(50, 4);
  CHECK(tl.cells().size() <= 50);
  CHECK(tl.buckets() >= 4);
  CHECK(timeline_sum(tl, 0, tl.buckets() - 1, Mode::kRange) == before);
  uint32_t half = tl.buckets() / 2;
  CHECK(timeline_sum(tl, half, tl.buckets() - 1, Mode::kLeak) ==
        event_sum(g, half * tl.bucket_us(), tl.buckets() * tl.bucket_us(), Mode::kLeak));
}

TEST_CASE("functions: own is the innermost frame, total counts a function once per stack") {
  VectorSink sink;
  TraceWriter w(sink, sample_info());
  Position main{"m.cpp", "main", 1, 0, 0}, rec{"r.cpp", "rec", 2, 0, 0};
  w.define_location(sample_info().start_time_us, 1, {&main, 1});
  w.define_location(sample_info().start_time_us, 2, {&rec, 1});
  uint64_t t = sample_info().start_time_us;
  uint64_t deep[] = {1, 2, 2, 2}, shallow[] = {1};
  REQUIRE(w.alloc(t, 8, 2, deep).ok());  // rec (recursive) allocates 2 samples
  Result<uint64_t> freed = w.alloc(t + 1, 8, 3, shallow);
  REQUIRE(freed.ok());
  REQUIRE(w.collect(t + 2, *freed).ok());
  w.flush();
  TraceReader reader;
  TraceModel model(reader);
  REQUIRE(reader.read(sink.bytes, model).ok());
  std::map<std::string, FunctionFigures> by_name;
  for (FunctionFigures& f : function_figures(model)) by_name[f.name] = f;
  REQUIRE(by_name.size() == 2);
  double sample = 8 / 1e-4;  // bytes per sample
  CHECK(by_name["rec"].own_bytes == 2 * sample);
  CHECK(by_name["rec"].total_bytes == 2 * sample);  // not 3 x: once per stack
  CHECK(by_name["rec"].own_live_bytes == 2 * sample);
  CHECK(by_name["main"].own_bytes == 3 * sample);
  CHECK(by_name["main"].total_bytes == 5 * sample);
  CHECK(by_name["main"].own_live_bytes == 0);
  CHECK(by_name["main"].total_live_bytes == 2 * sample);
  CHECK(by_name["rec"].location == "r.cpp:2");
}

TEST_CASE("report JSON strings cannot close the script element") {
  CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_string("</script><x>&") == "\"\\u003c/script\\u003e\\u003cx\\u003e\\u0026\"");
  CHECK(json_string(std::string("\n\x01", 2)) == "\"\\u000a\\u0001\"");
}

// A trace may carry any double as its rate. Once estimates ran to 10^300 objects, whose
// whole-number form overran a 32-byte buffer (found by fuzz-trace); JSON has no inf or nan.
TEST_CASE("report JSON numbers stay JSON for any sampling rate") {
  for (double rate : {1e-300, 1e-320, std::nan(""), -1.0, 1e300}) {
    VectorSink sink;
    TraceInfo info = sample_info();
    info.sample_rate = rate;
    TraceWriter w(sink, info);
    Position p{"a.cpp", "main", 1, 0, 0};
    w.define_location(info.start_time_us, 1, {&p, 1});
    uint64_t stack[] = {1};
    REQUIRE(w.alloc(info.start_time_us + 10, 1, 3, stack).ok());
    w.flush();
    TraceReader reader;
    TraceModel model(reader);
    TraceTimeline tl;
    model.set_listener(&tl);
    REQUIRE(reader.read(sink.bytes, model).ok());
    std::string json = report_json(model, tl, ReportSource{"t", sink.bytes.size(), 0, ""});
    INFO("rate " << rate << ": " << json);
    for (const char* bad : {":nan", ",nan", ":-nan", ",-nan", ":inf", ",inf", ":-inf", ",-inf"}) {
      CHECK_MESSAGE(json.find(bad) == std::string::npos, bad);
    }
    // Every number is short: none runs to hundreds of digits.
    size_t run = 0, longest = 0;
    for (char c : json)
      longest = std::max(longest, run = std::isdigit(static_cast<unsigned char>(c)) ? run + 1 : 0);
    CHECK(longest <= 20);
  }
}

}  // namespace
}  // namespace vigil::trace
