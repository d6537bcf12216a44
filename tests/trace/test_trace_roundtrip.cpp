// Round trip: a trace written by TraceWriter and read by TraceReader gives back exactly the
// events the writer was told to write; and the writer refuses events that would break a trace.
#include <doctest/doctest.h>

#include <random>
#include <set>

#include "trace/trace_text.h"
#include "trace_test_util.h"

namespace vigil::trace {
namespace {

using test::Collector;
using test::Event;
using test::VectorSink;

TEST_CASE("a random session of allocs, collects and flushes reads back event for event") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  std::mt19937_64 rng(12345);
  // Call sites: codes with collisions likely in the 16384-bucket cache (3000 codes), and
  // stacks that share prefixes (a few "main" frames, then random depth).
  std::vector<uint64_t> codes(3000);
  for (uint64_t& c : codes) c = 0x400000 + (rng() % (uint64_t{1} << 30)) * 4;
  std::vector<Event> expected;
  std::vector<uint64_t> live;
  uint64_t t = info.start_time_us;
  for (int i = 0; i < 5000; ++i) {
    t += rng() % 20000;
    if (!live.empty() && rng() % 3 == 0) {
      size_t k = rng() % live.size();
      REQUIRE(w.collect(t, live[k]).ok());
      expected.push_back(Event::object(Event::kCollect, t, static_cast<int64_t>(live[k])));
      live.erase(live.begin() + static_cast<ptrdiff_t>(k));
      continue;
    }
    std::vector<uint64_t> bt = {codes[0], codes[1], codes[2 + rng() % 3]};
    size_t depth = rng() % 40;
    for (size_t d = 0; d < depth; ++d) bt.push_back(codes[rng() % (d < 10 ? 50 : codes.size())]);
    for (uint64_t c : bt) {
      if (!w.is_defined(c)) {
        w.define_location(t, c,
                          std::vector<Position>{{"f.cpp", "fn" + std::to_string(c), 1, 0, 0}});
      }
    }
    uint64_t len = 1 + rng() % 100000, ns = 1 + rng() % 3;
    Result<uint64_t> id = w.alloc(t, len, ns, bt);
    REQUIRE(id.ok());
    live.push_back(*id);
    expected.push_back({Event::kAlloc, t, static_cast<int64_t>(*id), static_cast<int64_t>(len),
                        static_cast<int64_t>(ns), Source::kExternal, bt});
    if (rng() % 100 == 0) w.flush();
  }
  w.flush();
  TraceReader reader;
  Collector c;
  Status s = reader.read(sink.bytes, c);
  REQUIRE_MESSAGE(s.ok(), s.message());
  REQUIRE(c.events.size() == expected.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const Event& a = c.events[i];
    const Event& b = expected[i];
    mismatches += a.kind != b.kind || a.time_us != b.time_us || a.obj_id != b.obj_id ||
                  a.length != b.length || a.nsamples != b.nsamples || a.source != b.source ||
                  a.backtrace != b.backtrace;
  }
  CHECK(mismatches == 0);
  for (const auto& p : sink.packets) CHECK(p.size() <= kMaxPacketBytes);
  CHECK(w.packets_written() == sink.packets.size());

  // The summary's own checks agree: ids contiguous, every collect names a live object.
  TraceModel model(reader);
  REQUIRE(reader.read(sink.bytes, model).ok());
  std::string text = render_summary(model, "x.ctf", sink.bytes.size());
  CHECK(text.find("CHECKS: OK") != std::string::npos);
  CHECK(text.find("live_at_end: " + std::to_string(live.size()) + "\n") != std::string::npos);
}

TEST_CASE("an alloc naming an undefined code is refused and writes nothing") {
  VectorSink sink;
  TraceWriter w(sink, test::sample_info());
  uint64_t bt[] = {99};
  Result<uint64_t> id = w.alloc(test::sample_info().start_time_us, 1, 1, bt);
  REQUIRE(!id.ok());
  CHECK(id.status().message() == "alloc: location code 99 used before define_location");
  CHECK(w.next_id() == 0);
  w.flush();
  CHECK(sink.packets.size() == 1);
}

TEST_CASE("an alloc with no samples is refused") {
  VectorSink sink;
  TraceWriter w(sink, test::sample_info());
  Result<uint64_t> id = w.alloc(test::sample_info().start_time_us, 1, 0, {});
  CHECK(id.status().message() == "alloc: nsamples must be at least 1");
}

TEST_CASE("a collect of an unknown or already collected object is refused") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  CHECK(w.collect(info.start_time_us, 0).message() ==
        "collect: object 0 was never allocated (next id 0)");
  REQUIRE(w.alloc(info.start_time_us, 1, 1, {}).ok());
  CHECK(w.collect(info.start_time_us, 0).ok());
  CHECK(w.collect(info.start_time_us, 0).message() == "collect: object 0 was already collected");
  w.flush();
  TraceReader reader;
  Collector c;
  REQUIRE(reader.read(sink.bytes, c).ok());
  CHECK(c.events.size() == 2);
}

TEST_CASE("a backtrace deeper than the cap keeps its innermost frames") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  std::vector<uint64_t> bt;
  for (uint64_t i = 1; i <= kMaxBacktraceFrames + 100; ++i) {
    bt.push_back(i);
    w.define_location(info.start_time_us, i, {});
  }
  REQUIRE(w.alloc(info.start_time_us, 1, 1, bt).ok());
  w.flush();
  TraceReader reader;
  Collector c;
  REQUIRE(reader.read(sink.bytes, c).ok());
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].backtrace.size() == kMaxBacktraceFrames);
  CHECK(c.events[0].backtrace.front() == 101);
  CHECK(c.events[0].backtrace.back() == kMaxBacktraceFrames + 100);
}

TEST_CASE("folded stacks weigh allocations by estimated bytes, all or live only") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  info.sample_rate = 0.01;  // one sample per 100 words = 800 bytes
  TraceWriter w(sink, info);
  uint64_t t = info.start_time_us;
  w.define_location(t, 1, std::vector<Position>{{"m.cpp", "main", 1, 0, 0}});
  w.define_location(t, 2,
                    std::vector<Position>{{"a.cpp", "a;b", 2, 0, 0}, {"a.cpp", "inl", 3, 0, 0}});
  w.define_location(t, 3, std::vector<Position>{{"c.cpp", "c", 4, 0, 0}});
  uint64_t s1[] = {1, 2}, s2[] = {1, 3};
  REQUIRE(w.alloc(t, 10, 2, s1).ok());
  REQUIRE(w.alloc(t, 10, 1, s2).ok());
  REQUIRE(w.alloc(t, 10, 3, s2).ok());
  REQUIRE(w.collect(t, 1).ok());
  w.flush();
  TraceReader reader;
  TraceModel model(reader);
  REQUIRE(reader.read(sink.bytes, model).ok());
  CHECK(render_folded(model, false) == "main;a:b;inl 1600\nmain;c 3200\n");
  CHECK(render_folded(model, true) == "main;a:b;inl 1600\nmain;c 2400\n");
}

}  // namespace
}  // namespace vigil::trace
