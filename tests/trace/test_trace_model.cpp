// The trace model: streamed reading gives what a whole read gives, live objects survive the
// id ring, the window keeps only its allocations, and the estimates follow the sample rate.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>

#include "trace/trace_model.h"
#include "trace/trace_text.h"
#include "trace/trace_writer.h"
#include "trace_test_util.h"

namespace vigil::trace {
namespace {

using test::as_bytes;
using test::read_testdata;
using test::sample_info;
using test::VectorSink;

TEST_CASE("a reference trace fed in pieces of any size gives the whole read's summary") {
  for (const char* name : {"cxx_v2.ctf", "viewer_test_trace.ctf"}) {
    std::string trace = read_testdata(name);
    REQUIRE(!trace.empty());
    TraceReader reader;
    TraceModel whole(reader);
    REQUIRE(reader.read(as_bytes(trace), whole).ok());
    std::string expected = render_summary(whole, name, trace.size());
    for (size_t step : {1, 7, 66, 67, 1000, 32768}) {
      TraceModel pieces(reader);
      reader.start();
      for (size_t at = 0; at < trace.size(); at += step) {
        REQUIRE(reader.feed(as_bytes(trace).subspan(at, std::min(step, trace.size() - at)), pieces)
                    .ok());
      }
      REQUIRE(reader.finish().ok());
      CHECK_MESSAGE(render_summary(pieces, name, trace.size()) == expected,
                    name << " step " << step);
    }
  }
}

TEST_CASE("a trace cut mid-packet, fed in pieces, ends with the whole read's error") {
  std::string trace = read_testdata("cxx_v2.ctf").substr(0, 3000);
  TraceReader reader;
  TraceVisitor none;
  Status whole = reader.read(as_bytes(trace), none);
  REQUIRE_FALSE(whole.ok());
  reader.start();
  for (size_t at = 0; at < trace.size(); at += 100) {
    CHECK(reader.feed(as_bytes(trace).subspan(at, std::min<size_t>(100, trace.size() - at)), none)
              .ok());
  }
  Status end = reader.finish();
  CHECK(end.message() == whole.message());
  CHECK(end.message() == "truncated packet at byte 585: 2415 of 5720 bytes present");
  CHECK(reader.complete_bytes() == 585);
}

// Writes one long-lived allocation, then `n` short-lived ones, each freed at once.
std::vector<uint8_t> long_and_short(int n) {
  VectorSink sink;
  TraceWriter w(sink, sample_info());
  Position p1{"a.cpp", "keeper()", 1, 0, 0}, p2{"b.cpp", "churn()", 2, 0, 0};
  w.define_location(sample_info().start_time_us, 1, {&p1, 1});
  w.define_location(sample_info().start_time_us, 2, {&p2, 1});
  uint64_t t = sample_info().start_time_us;
  uint64_t keep[] = {1}, churn[] = {2};
  REQUIRE(w.alloc(t, 100, 3, keep).ok());
  for (int i = 0; i < n; ++i) {
    t += 10;
    Result<uint64_t> id = w.alloc(t, 4, 1, churn);
    REQUIRE(id.ok());
    REQUIRE(w.collect(t, *id).ok());
  }
  w.flush();
  return sink.bytes;
}

TEST_CASE("an object outlives 200000 younger ones and is still live at the end") {
  std::vector<uint8_t> trace = long_and_short(200000);
  TraceReader reader;
  TraceModel model(reader);
  REQUIRE(reader.read(trace, model).ok());
  CHECK(model.problem_count() == 0);
  CHECK(model.totals().live_samples == 3);
  CHECK(render_folded(model, true) == "keeper() 240000\n");  // 3 samples x 8 / 1e-4 bytes
  CHECK(render_folded(model, false) == "churn() 16000000000\nkeeper() 240000\n");
  // The peak: the keeper plus one churn block.
  CHECK(model.totals().peak_live_samples == 4);
}

TEST_CASE("a window keeps the allocations made in it, and their frees whenever they come") {
  std::vector<uint8_t> trace = long_and_short(1000);  // churn at 10, 20, ... 10000 µs
  TraceReader reader;
  ModelOptions o;
  o.from_us = 5;
  o.to_us = 5000;  // churn allocations 1..499
  TraceModel model(reader, o);
  REQUIRE(reader.read(trace, model).ok());
  CHECK(model.totals().counted_samples == 499);
  CHECK(model.totals().live_samples == 0);  // the keeper (at 0 µs) is outside
  CHECK(render_folded(model, false) == "churn() 39920000\n");
  // Counts and checks still cover the whole trace.
  CHECK(model.totals().allocs[2] == 1001);
  CHECK(model.problem_count() == 0);
}

TEST_CASE("an object estimate is samples / (length x rate)") {
  std::vector<uint8_t> trace = long_and_short(0);
  TraceReader reader;
  TraceModel model(reader);
  REQUIRE(reader.read(trace, model).ok());
  const StackNode& keeper = model.nodes().back();
  CHECK(keeper.stats.samples == 3);
  CHECK(keeper.stats.objects == doctest::Approx(3 / (100 * 1e-4)));  // 300 objects of 100 words
  CHECK(model.bytes_of(3) == doctest::Approx(240000));
}

TEST_CASE("an estimate rounds to the nearest whole count, as llround does, within its limit") {
  CHECK(round_estimate(0.0, 1e19) == 0);
  CHECK(round_estimate(-3.0, 1e19) == 0);
  CHECK(round_estimate(NAN, 1e19) == 0);
  CHECK(round_estimate(INFINITY, 1e19) == 0);
  CHECK(round_estimate(2.5, 1e19) == 3);
  CHECK(round_estimate(0.49999999999999994, 1e19) == 0);
  CHECK(round_estimate(1.5e19, 1.8e19) == 15000000000000000000u);
  CHECK(round_estimate(1.8e19, 1.8e19) == 0);
  uint64_t x = 88172645463325252u;
  for (int i = 0; i < 100000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    // Magnitudes from 1e-3 to 1e18, and a fraction of every kind.
    double v = std::ldexp(static_cast<double>(x >> 11) * 0x1.0p-53, static_cast<int>(x % 70) - 10);
    CAPTURE(v);
    REQUIRE(round_estimate(v, 9.2e18) == static_cast<uint64_t>(std::llround(v)));
  }
}

}  // namespace
}  // namespace vigil::trace
