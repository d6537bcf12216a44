// The writer's packets: the info packet, the 32 KiB limit, the 30 s span, time clamping and
// the alloc-id ranges.
#include <doctest/doctest.h>

#include "trace/trace_bytes.h"
#include "trace_test_util.h"

namespace vigil::trace {
namespace {

using test::Collector;
using test::VectorSink;

uint64_t u64_at(const std::vector<uint8_t>& p, size_t at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{p[at + i]} << (8 * i);
  return v;
}

Collector read_back(const VectorSink& sink) {
  TraceReader reader;
  Collector c;
  Status s = reader.read(sink.bytes, c);
  CHECK_MESSAGE(s.ok(), s.message());
  return c;
}

TEST_CASE("the info packet comes first, alone, with the session's fields") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  info.word_size = 8;  // a common mistake: the writer always says 64 bits
  TraceWriter w(sink, info);
  REQUIRE(sink.packets.size() == 1);
  const std::vector<uint8_t>& p = sink.packets[0];
  // magic, then the size in bits, then time_begin == time_end == start.
  CHECK(std::vector<uint8_t>(p.begin(), p.begin() + 4) ==
        std::vector<uint8_t>{0xc1, 0x1f, 0xfc, 0xc1});
  CHECK(u64_at(p, 4) % (uint64_t{1} << 32) == p.size() * 8);
  CHECK(u64_at(p, 8) == info.start_time_us);
  CHECK(u64_at(p, 16) == info.start_time_us);
  CHECK(p[28] == 2);
  Collector c = read_back(sink);
  CHECK(c.info.sample_rate == info.sample_rate);
  CHECK(c.info.word_size == 64);
  CHECK(c.info.executable_name == "/usr/bin/vigil");
  CHECK(c.info.host_name == "box");
  CHECK(c.info.pid == 1);
  CHECK(c.info.start_time_us == info.start_time_us);
  CHECK(c.events.empty());
}

TEST_CASE("flush writes nothing when no event is pending") {
  VectorSink sink;
  TraceWriter w(sink, test::sample_info());
  w.flush();
  w.flush();
  CHECK(sink.packets.size() == 1);
}

TEST_CASE("no packet passes 32768 bytes, and packets are split only when nearly full") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  // 1024-frame backtraces of fresh codes: about 10 KiB of cache misses each.
  std::vector<uint64_t> bt(kMaxBacktraceFrames);
  uint64_t next_code = 1;
  for (int i = 0; i < 20; ++i) {
    for (uint64_t& code : bt) {
      code = next_code++;
      w.define_location(info.start_time_us, code, {});
    }
    REQUIRE(w.alloc(info.start_time_us + 1, 100, 1, bt).ok());
  }
  w.flush();
  REQUIRE(sink.packets.size() > 10);
  size_t largest = 0;
  for (const auto& p : sink.packets) {
    CHECK(p.size() <= kMaxPacketBytes);
    largest = std::max(largest, p.size());
  }
  CHECK(largest > kMaxPacketBytes - 10300);  // filled before splitting
  Collector c = read_back(sink);
  REQUIRE(c.events.size() == 20);
  CHECK(c.events[19].backtrace == bt);
}

TEST_CASE("a packet never spans 30 s, and times far apart decode exactly") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  w.define_location(info.start_time_us, 7, {});
  const uint64_t t0 = info.start_time_us;
  // 2^25 µs is 33.5 s: without the 30 s split the reader would decode a wrong time silently.
  std::vector<uint64_t> times = {t0,
                                 t0 + 10'000'000,
                                 t0 + 29'999'999,
                                 t0 + 30'000'000,
                                 t0 + 30'000'000 + (uint64_t{1} << 25) + 5,
                                 t0 + 400'000'000};
  uint64_t bt[] = {7};
  for (uint64_t t : times) REQUIRE(w.alloc(t, 1, 1, bt).ok());
  w.flush();
  Collector c = read_back(sink);
  REQUIRE(c.events.size() == times.size());
  for (size_t i = 0; i < times.size(); ++i) CHECK(c.events[i].time_us == times[i]);
  for (const PacketHeader& h : c.headers) CHECK(h.time_end - h.time_begin < kMaxPacketSpanUs);
  CHECK(c.headers.size() == 1 + 4);  // info; then [t0, +10, +29.99], [+30], [+63.5], [+400]
}

TEST_CASE("an earlier time is clamped so that times never decrease") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  uint64_t t0 = info.start_time_us;
  w.define_location(t0 - 50, 1, {});  // before the start: clamped to it
  uint64_t bt[] = {1};
  REQUIRE(w.alloc(t0 + 100, 1, 1, bt).ok());
  REQUIRE(w.alloc(t0 + 40, 1, 1, bt).ok());
  REQUIRE(w.collect(t0 + 20, 0).ok());
  w.flush();
  Collector c = read_back(sink);
  REQUIRE(c.events.size() == 3);
  CHECK(c.events[0].time_us == t0 + 100);
  CHECK(c.events[1].time_us == t0 + 100);
  CHECK(c.events[2].time_us == t0 + 100);
  CHECK(w.last_time_us() == t0 + 100);
}

TEST_CASE("object ids are contiguous from 0 across packets, and each header states its range") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  w.define_location(info.start_time_us, 3, {});
  uint64_t bt[] = {3};
  for (uint64_t i = 0; i < 25; ++i) {
    Result<uint64_t> id = w.alloc(info.start_time_us + i, 8, 1, bt);
    REQUIRE(id.ok());
    CHECK(*id == i);
    if (i % 7 == 6) w.flush();
  }
  w.flush();
  Collector c = read_back(sink);
  uint64_t expected_begin = 0;
  for (size_t i = 1; i < c.headers.size(); ++i) {
    CHECK(c.headers[i].alloc_id_begin == expected_begin);
    expected_begin = c.headers[i].alloc_id_end;
  }
  CHECK(expected_begin == 25);
  for (size_t i = 0; i < c.events.size(); ++i) CHECK(c.events[i].obj_id == static_cast<int64_t>(i));
}

TEST_CASE("version 3 output carries domain 0 in 68-byte headers and reads back") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info, {.version = 3});
  w.define_location(info.start_time_us, 3, std::vector<Position>{{"a.cpp", "f", 1, 0, 0}});
  uint64_t bt[] = {3};
  REQUIRE(w.alloc(info.start_time_us, 8, 1, bt).ok());
  w.flush();
  REQUIRE(sink.packets.size() == 2);
  CHECK(sink.packets[1][28] == 3);
  Collector c = read_back(sink);
  REQUIRE(c.events.size() == 1);
  CHECK(c.headers[1].version == 3);
  CHECK(c.headers[1].domain == 0);
  CHECK(c.events[0].backtrace == std::vector<uint64_t>{3});
}

}  // namespace
}  // namespace vigil::trace
