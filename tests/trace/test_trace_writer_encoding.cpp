// The writer's encodings: vint boundaries, location clamping, move-to-front strings and the
// backtrace cache.
#include <doctest/doctest.h>

#include "trace/trace_bytes.h"
#include "trace_test_util.h"

namespace vigil::trace {
namespace {

using test::Collector;
using test::VectorSink;
using Bytes = std::vector<uint8_t>;

Bytes vint_bytes(int64_t v) {
  uint8_t buf[kMaxVintBytes];
  return Bytes(buf, put_vint(buf, v));
}

int64_t vint_back(const Bytes& b) {
  ByteCursor in(b.data(), b.data() + b.size());
  int64_t v = in.vint();
  CHECK(!in.failed());
  CHECK(in.remaining() == 0);
  return v;
}

TEST_CASE("vints take the form memtrace's writer takes at every boundary") {
  CHECK(vint_bytes(0) == Bytes{0x00});
  CHECK(vint_bytes(252) == Bytes{0xFC});
  CHECK(vint_bytes(253) == Bytes{0xFD, 0xFD, 0x00});
  CHECK(vint_bytes(65535) == Bytes{0xFD, 0xFF, 0xFF});
  CHECK(vint_bytes(65536) == Bytes{0xFE, 0x00, 0x00, 0x01, 0x00});
  CHECK(vint_bytes(2147483647) == Bytes{0xFE, 0xFF, 0xFF, 0xFF, 0x7F});
  // 2^31 and 2^32 would be read back negative under FE: they take FF.
  CHECK(vint_bytes(int64_t{1} << 31) == Bytes{0xFF, 0, 0, 0, 0x80, 0, 0, 0, 0});
  CHECK(vint_bytes(int64_t{1} << 32) == Bytes{0xFF, 0, 0, 0, 0, 1, 0, 0, 0});
  CHECK(vint_bytes(-1) == Bytes{0xFE, 0xFF, 0xFF, 0xFF, 0xFF});
}

TEST_CASE("vints read back to the value at every boundary, and non-minimal forms are accepted") {
  for (int64_t v :
       {int64_t{0}, int64_t{252}, int64_t{253}, int64_t{65535}, int64_t{65536}, int64_t{2147483647},
        int64_t{1} << 31, (int64_t{1} << 32) - 1, int64_t{1} << 32, int64_t{-1}, INT64_MAX}) {
    CHECK(vint_back(vint_bytes(v)) == v);
  }
  CHECK(vint_back(Bytes{0xFD, 0x05, 0x00}) == 5);
  CHECK(vint_back(Bytes{0xFE, 0x00, 0x00, 0x00, 0x80}) == -2147483648LL);
  ByteCursor cut(nullptr, nullptr);
  CHECK(cut.vint() == 0);
  CHECK(cut.failed());
}

TEST_CASE("alloc lengths and sample counts at the vint boundaries survive a round trip") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  w.define_location(info.start_time_us, 5, {});
  std::vector<uint64_t> values = {1,
                                  252,
                                  253,
                                  65535,
                                  65536,
                                  (uint64_t{1} << 31) - 1,
                                  uint64_t{1} << 31,
                                  (uint64_t{1} << 32) - 1,
                                  uint64_t{1} << 32};
  uint64_t bt[] = {5};
  for (uint64_t v : values) REQUIRE(w.alloc(info.start_time_us, v, v, bt).ok());
  w.flush();
  TraceReader reader;
  Collector c;
  REQUIRE(reader.read(sink.bytes, c).ok());
  REQUIRE(c.events.size() == values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK(c.events[i].length == static_cast<int64_t>(values[i]));
    CHECK(c.events[i].nsamples == static_cast<int64_t>(values[i]));
  }
}

std::vector<Position> define_and_read(const std::vector<Position>& in) {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  w.define_location(info.start_time_us, 42, in);
  w.flush();
  TraceReader reader;
  Collector c;
  Status s = reader.read(sink.bytes, c);
  CHECK_MESSAGE(s.ok(), s.message());
  for (const auto& p : sink.packets) CHECK(p.size() <= kMaxPacketBytes);
  REQUIRE(c.locations.size() == 1);
  CHECK(c.locations[0].first == 42);
  return c.locations[0].second;
}

TEST_CASE("line and column fields are clamped instead of spilling into their neighbours") {
  auto out = define_and_read({{"a.cpp", "f", 0x1FFFFF, 3, 4}, {"b.cpp", "g", 12, 300, 2000}});
  REQUIRE(out.size() == 2);
  CHECK(out[0].line == 0xFFFFF);
  CHECK(out[0].start_char == 3);
  CHECK(out[0].end_char == 4);
  CHECK(out[1].line == 12);
  CHECK(out[1].start_char == 0xFF);
  CHECK(out[1].end_char == 0x3FF);
  CHECK(out[1].filename == "b.cpp");
  CHECK(out[1].defname == "g");
}

TEST_CASE("names are cut at an embedded NUL and at 1000 bytes without splitting UTF-8") {
  std::string with_nul("main\0hidden", 11);
  std::string long_name(996, 'x');
  long_name += "\xC3\xA9\xC3\xA9\xC3\xA9";  // 2-byte characters straddling the cut
  auto out = define_and_read({{with_nul, long_name, 1, 0, 0}});
  REQUIRE(out.size() == 1);
  CHECK(out[0].filename == "main");
  CHECK(out[0].defname == std::string(996, 'x') + "...");
  CHECK(out[0].defname.size() <= kMaxLocationString);
}

TEST_CASE("a code keeps its innermost 255 positions, within 4096 bytes") {
  std::vector<Position> many;
  for (uint32_t i = 0; i < 300; ++i) many.push_back({"f", std::to_string(i), i, 0, 0});
  auto out = define_and_read(many);
  REQUIRE(out.size() == 255);
  CHECK(out.back().defname == "299");
  CHECK(out.front().defname == "45");

  std::vector<Position> wide;
  for (uint32_t i = 0; i < 10; ++i)
    wide.push_back({std::string(900, 'f'), "w" + std::to_string(i), i, 0, 0});
  out = define_and_read(wide);
  REQUIRE(!out.empty());
  CHECK(out.size() < 10);
  CHECK(out.back().defname == "w9");  // the allocation site is kept
}

TEST_CASE("many files and functions, evicted and reused, decode through the MTF tables") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  std::vector<std::pair<uint64_t, std::vector<Position>>> defined;
  for (uint64_t code = 1; code <= 400; ++code) {
    // 40 files and 45 names per file: more than the 31 entries of each table.
    std::vector<Position> ps;
    for (uint64_t k = 0; k < 1 + code % 3; ++k) {
      uint64_t x = code * 7 + k * 13;
      ps.push_back({"src/file" + std::to_string(x % 40) + ".cpp", "ns::fn" + std::to_string(x % 45),
                    static_cast<uint32_t>(x), 1, 2});
    }
    w.define_location(info.start_time_us, code, ps);
    defined.emplace_back(code, ps);
  }
  w.define_location(info.start_time_us, 5, {});  // already defined: ignored
  w.flush();
  TraceReader reader;
  Collector c;
  REQUIRE(reader.read(sink.bytes, c).ok());
  CHECK(c.locations == defined);
}

TEST_CASE("a repeated stack costs fewer bytes than all cache misses, and decodes the same") {
  VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  std::vector<uint64_t> a, b;
  for (uint64_t i = 0; i < 30; ++i) {
    a.push_back(0x400000 + i * 16);
    b.push_back(0x500000 + i * 16);
  }
  for (uint64_t c : a) w.define_location(info.start_time_us, c, {});
  for (uint64_t c : b) w.define_location(info.start_time_us, c, {});
  w.flush();
  size_t before = sink.bytes.size();
  REQUIRE(w.alloc(info.start_time_us, 1, 1, a).ok());
  REQUIRE(w.alloc(info.start_time_us, 1, 1, b).ok());
  w.flush();
  size_t cold = sink.bytes.size() - before;
  before = sink.bytes.size();
  REQUIRE(w.alloc(info.start_time_us, 1, 1, a).ok());  // no common prefix with b: cache only
  REQUIRE(w.alloc(info.start_time_us, 1, 1, b).ok());
  w.flush();
  size_t warm = sink.bytes.size() - before;
  CHECK(cold > 2 * 30 * 10);
  CHECK(warm < kHeaderSizeV2 + 2 * 20);  // per stack: one hit with 29 predictions
  TraceReader reader;
  Collector c;
  REQUIRE(reader.read(sink.bytes, c).ok());
  REQUIRE(c.events.size() == 4);
  CHECK(c.events[2].backtrace == a);
  CHECK(c.events[3].backtrace == b);
}

}  // namespace
}  // namespace vigil::trace
