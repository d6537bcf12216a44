// The reader on truncated, corrupt and hostile input: a clear error, never a crash.
#include <doctest/doctest.h>

#include <set>

#include "trace/trace_bytes.h"
#include "trace_test_util.h"

namespace vigil::trace {
namespace {

using test::as_bytes;
using test::read_testdata;

Status read_all(const std::string& trace, test::Collector* out = nullptr) {
  TraceReader reader;
  test::Collector c;
  Status s = reader.read(as_bytes(trace), out != nullptr ? *out : c);
  return s;
}

// Packet boundaries, found by walking the size fields (bits at offset 4) by hand.
std::set<size_t> boundaries(const std::string& trace) {
  std::set<size_t> out;
  for (size_t at = 0; at + 8 <= trace.size();) {
    uint32_t bits = 0;
    for (int i = 0; i < 4; ++i)
      bits |= uint32_t{static_cast<uint8_t>(trace[at + 4 + i])} << (8 * i);
    at += bits / 8;
    out.insert(at);
  }
  return out;
}

// The sweeps below try every offset in the plain build. Sanitizer builds run them 10-50x
// slower, so there meson sets VIGIL_SWEEP_STRIDE and they try every STRIDE-th offset, plus
// every offset within 8 bytes of a packet boundary, where the cases differ most.
#ifndef VIGIL_SWEEP_STRIDE
#define VIGIL_SWEEP_STRIDE 1
#endif

bool in_sweep(size_t at, const std::set<size_t>& ends) {
  if (at % VIGIL_SWEEP_STRIDE == 0) return true;
  auto next = ends.lower_bound(at > 8 ? at - 8 : 0);
  return next != ends.end() && *next <= at + 8;
}

void check_every_prefix(const std::string& name) {
  std::string trace = read_testdata(name);
  REQUIRE(!trace.empty());
  std::set<size_t> ends = boundaries(trace);
  REQUIRE(ends.count(trace.size()) == 1);
  size_t failures = 0;
  for (size_t len = 0; len < trace.size(); ++len) {
    if (!in_sweep(len, ends)) continue;
    Status s = read_all(trace.substr(0, len));
    bool boundary = ends.count(len) != 0;
    if (s.ok() != boundary) ++failures;
    if (!boundary && s.message().empty()) ++failures;
  }
  CHECK(failures == 0);
}

TEST_CASE("every prefix of a reference trace is an error unless it ends on a packet boundary") {
  check_every_prefix("cxx_v2.ctf");
  check_every_prefix("viewer_test_trace.ctf");
}

TEST_CASE("a cut-off packet is reported with its offset and the bytes present") {
  std::string trace = read_testdata("cxx_v2.ctf");
  TraceReader reader;
  test::Collector c;
  Status s = reader.read(as_bytes(trace.substr(0, 700)), c);
  CHECK(s.message() == "truncated packet at byte 585: 115 of 5720 bytes present");
  CHECK(reader.complete_bytes() == 585);
  s = reader.read(as_bytes(trace.substr(0, 600)), c);
  CHECK(s.message() == "truncated packet header at byte 585: 15 of 66 bytes");
}

TEST_CASE("input that is not a trace gets a clear error") {
  CHECK(read_all("").message() == "empty input: not a memtrace trace");
  CHECK(read_all("hello, world, this is not a trace at all, just some text!!!!!!!!!!!!!!!!!!!")
            .message() == "not a memtrace packet (bad magic) at byte 0");
  std::string trace = read_testdata("cxx_v2.ctf");
  CHECK(read_all(trace + "garbage").message() == "not a memtrace packet (bad magic) at byte 6305");
}

TEST_CASE("a version the reader does not know is rejected with the versions it knows") {
  std::string trace = read_testdata("cxx_v2.ctf");
  trace[28] = 9;
  CHECK(read_all(trace).message() == "unsupported format version 9 at byte 0 (expected 1, 2 or 3)");
}

TEST_CASE("an unknown event code is an error naming the code") {
  std::string trace = read_testdata("cxx_v2.ctf");
  // The first event of the second packet starts right after its 66-byte header.
  trace[122 + 66 + 3] = static_cast<char>(50 << 1);
  CHECK(read_all(trace).message() == "unknown event code 50 at byte 188");
}

TEST_CASE("a packet whose alloc id range disagrees with its events is an error") {
  std::string trace = read_testdata("cxx_v2.ctf");
  trace[585 + 58] = 1;  // alloc_id_end of the events packet's header... is at 58
  Status s = read_all(trace);
  CHECK(s.message().find("alloc id sync") == 0);
}

TEST_CASE("a backtrace using a code that was never defined is an error") {
  std::string trace = read_testdata("cxx_v2.ctf");
  // Drop the location packet (bytes 122..585): the allocations then use unknown codes.
  std::string cut = trace.substr(0, 122) + trace.substr(585);
  Status s = read_all(cut);
  CHECK(s.message().find("used before its definition") != std::string::npos);
}

TEST_CASE("the cache verifier is checked: a matching one passes, a wrong one is an error") {
  std::string trace = read_testdata("cxx_v2.ctf");
  // Before the events packet at 585 no backtrace was decoded: bucket 5 holds 0 and predicts 0.
  trace[585 + 38] = 5;  // verify_ix (v2 offset 38), was 0xFFFF
  trace[585 + 39] = 0;
  CHECK(read_all(trace).ok());
  trace[585 + 42] = 1;  // verify_value (offset 42) no longer matches
  CHECK(read_all(trace).message() == "backtrace cache verification failed at byte 585");
}

TEST_CASE("an event later than its packet's end is an error") {
  std::string trace = read_testdata("cxx_v2.ctf");
  // Make the events packet end where it begins: its later events fall outside.
  trace.replace(585 + 16, 8, trace.substr(585 + 8, 8));
  CHECK(read_all(trace).message().find("event time outside its packet's bounds at byte ") == 0);
}

TEST_CASE("an event earlier than the one before it is an error") {
  test::VectorSink sink;
  TraceInfo info = test::sample_info();
  TraceWriter w(sink, info);
  w.define_location(info.start_time_us + 100, 1, {});
  w.flush();
  uint64_t bt[] = {1};
  REQUIRE(w.alloc(info.start_time_us + 200, 1, 1, bt).ok());
  w.flush();
  REQUIRE(sink.packets.size() == 3);
  // Move the alloc packet and its event back to +50, before the location event at +100.
  std::vector<uint8_t>& p = sink.packets[2];
  uint64_t t = info.start_time_us + 50;
  put_u64(put_u64(p.data() + 8, t), t);
  put_u32(p.data() + kHeaderSizeV2, (2u << 25) | static_cast<uint32_t>(t & kTimeMask));
  std::string trace;
  for (const auto& packet : sink.packets) trace.append(packet.begin(), packet.end());
  uint64_t at = sink.packets[0].size() + sink.packets[1].size() + kHeaderSizeV2;
  CHECK(read_all(trace).message() == "timestamps decrease at byte " + std::to_string(at));
}

TEST_CASE("flipping any single byte of a reference trace never crashes the reader") {
  for (const char* name : {"cxx_v2.ctf", "viewer_test_trace.ctf"}) {
    std::string trace = read_testdata(name);
    std::set<size_t> ends = boundaries(trace);
    size_t errors = 0;
    size_t tried = 0;
    for (size_t i = 0; i < trace.size(); ++i) {
      if (!in_sweep(i, ends)) continue;
      ++tried;
      for (uint8_t mask : {0x01, 0x80, 0xFF}) {
        std::string bad = trace;
        bad[i] = static_cast<char>(bad[i] ^ mask);
        errors += !read_all(bad).ok();
      }
    }
    // Most flips break something the reader checks; string bytes and times need not.
    CHECK(errors > tried / 4);
  }
}

TEST_CASE("a hostile prediction chain cannot make a backtrace grow without bound") {
  // Code 0 is defined (with no positions), so cache hits on empty buckets are valid frames.
  test::VectorSink sink;
  TraceWriter w(sink, test::sample_info());
  uint64_t t = test::sample_info().start_time_us;
  w.define_location(t, 0, {});
  w.flush();
  // Then allocations that each keep the whole previous backtrace (common_prefix) and add
  // 8 codewords of 1 + 255 frames: 2048 more frames per 38 bytes.
  std::vector<uint8_t> pkt(kMaxPacketBytes);
  uint8_t* p = pkt.data() + kHeaderSizeV2;
  uint64_t allocs = 0;
  while (p + 64 < pkt.data() + pkt.size()) {
    p = put_u32(p, (2u << 25) | static_cast<uint32_t>(t & kTimeMask));
    p = put_vint(put_u8(put_vint(put_vint(p, 1), 1), 2), static_cast<int64_t>(allocs * 2048));
    p = put_u16(p, 8);
    for (int i = 0; i < 8; ++i) p = put_u8(put_u16(p, 2), 255);  // bucket 0: hit, 255 more
    ++allocs;
  }
  auto size = static_cast<uint32_t>(p - pkt.data());
  uint8_t* h = put_u64(put_u64(put_u32(put_u32(pkt.data(), kPacketMagic), size * 8), t), t);
  h = put_u64(put_u16(put_u32(h, 0), 2), 1);
  h = put_u64(put_u16(put_u16(h, kNoVerify), 0), 0);
  put_u64(put_u64(h, 0), allocs);
  std::string trace(sink.bytes.begin(), sink.bytes.end());
  trace.append(reinterpret_cast<const char*>(pkt.data()), size);
  REQUIRE(allocs > 600);
  CHECK(read_all(trace).message().find("backtrace too long at byte") == 0);
}

}  // namespace
}  // namespace vigil::trace
