// The reader against the reference traces and what memtrace's own tools print for them.
#include <doctest/doctest.h>

#include "trace/trace_bytes.h"
#include "trace/trace_text.h"
#include "trace_test_util.h"

namespace vigil::trace {
namespace {

// The summary's two live-set lines are vigil's own: the reference summaries lack them.
std::string without_live_lines(const std::string& text) {
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    end = end == std::string::npos ? text.size() : end + 1;
    std::string_view line(text.data() + at, end - at);
    if (!line.starts_with("estimated_live_bytes_at_end: ") &&
        !line.starts_with("estimated_peak_live_bytes: ")) {
      out += line;
    }
    at = end;
  }
  return out;
}

using test::as_bytes;
using test::read_testdata;

std::string dump_of(const std::string& trace, Status* status = nullptr) {
  TraceReader reader;
  DumpView view(reader);
  Status s = reader.read(as_bytes(trace), view);
  if (status != nullptr) *status = s;
  return view.text();
}

void check_reference(const std::string& name) {
  std::string trace = read_testdata(name + ".ctf");
  REQUIRE_MESSAGE(!trace.empty(), "missing reference trace in " << test::testdata_dir());
  Status status;
  std::string dump = dump_of(trace, &status);
  CHECK_MESSAGE(status.ok(), status.message());
  std::string expected = read_testdata(name + ".dump.txt");
  REQUIRE(!expected.empty());
  CHECK(dump == expected);

  TraceReader reader;
  TraceModel model(reader);
  REQUIRE(reader.read(as_bytes(trace), model).ok());
  CHECK(without_live_lines(render_summary(model, name + ".ctf", trace.size())) ==
        read_testdata(name + ".summary.txt"));
}

TEST_CASE("the C++-shaped v2 reference trace dumps and summarizes exactly as memtrace does") {
  check_reference("cxx_v2");
}

TEST_CASE("the OCaml viewer's v2 test trace dumps and summarizes exactly as memtrace does") {
  check_reference("viewer_test_trace");
}

TEST_CASE("the reference trace decodes into the counts its README states") {
  std::string trace = read_testdata("cxx_v2.ctf");
  TraceReader reader;
  test::Collector c;
  REQUIRE(reader.read(as_bytes(trace), c).ok());
  size_t allocs = 0, collects = 0;
  for (const test::Event& e : c.events) {
    allocs += e.kind == test::Event::kAlloc;
    collects += e.kind == test::Event::kCollect;
    if (e.kind == test::Event::kAlloc) {
      CHECK(e.source == Source::kExternal);
      CHECK(e.nsamples >= 1);
      CHECK(e.nsamples <= 2);
    }
  }
  CHECK(allocs == 400);
  CHECK(collects == 100);
  CHECK(c.info.sample_rate == 1e-4);
  CHECK(c.info.pid == 1);
  CHECK(c.info.host_name == "appliance");
  CHECK(c.info.context.empty());
  CHECK(reader.complete_bytes() == trace.size());
}

// The v3 example of spec §18, built field by field, and the dump_trace output it gives there.
std::string spec_v3_example() {
  const uint64_t t0 = 1'700'000'000'000'000;
  std::vector<uint8_t> b(400);
  uint8_t* p = b.data();
  auto header = [&](uint32_t bytes, uint64_t tb, uint64_t te, uint64_t id_end) {
    p = put_u32(p, kPacketMagic);
    p = put_u32(p, bytes * 8);
    p = put_u64(put_u64(p, tb), te);
    p = put_u16(put_u32(p, 0), 3);
    p = put_u16(put_u64(p, 1), 0);                   // pid 1, domain 0
    p = put_u64(put_u16(put_u16(p, 0xFFFF), 0), 0);  // no verifier
    p = put_u64(put_u64(p, 0), id_end);
  };
  auto ev = [&](uint32_t code, uint64_t t) { p = put_u32(p, (code << 25) | (t & kTimeMask)); };
  header(97, t0, t0, 0);
  ev(0, t0);
  p = put_u8(put_f64(p, 1e-4), 64);
  p = put_cstring(put_cstring(put_cstring(p, "app"), "h"), "");
  p = put_cstring(put_u64(p, 1), "");
  header(181, t0 + 1000, t0 + 2000, 1);
  ev(1, t0 + 1000);
  p = put_u8(put_u64(p, 0x400500), 1);
  p = put_u16(put_u32(p, 7), 0xffc0);
  p = put_cstring(put_cstring(p, "main.cpp"), "main");
  ev(1, t0 + 1000);
  p = put_u8(put_u64(p, 0x401000), 1);
  p = put_u16(put_u32(p, 42), 0xffc0);
  p = put_cstring(put_cstring(p, "net/conn.cpp"), "Conn::read");
  ev(2, t0 + 1500);
  p = put_u8(put_u8(put_vint(put_vint(p, 512), 1), 2), 0);
  p = put_u64(put_u16(put_u16(p, 2), (0x123 << 2) | 3), 0x400500);
  p = put_u64(put_u16(p, (0x456 << 2) | 3), 0x401000);
  ev(4, t0 + 2000);
  p = put_vint(p, 0);
  return std::string(b.begin(), b.begin() + (p - b.data()));
}

TEST_CASE("the v3 example of the spec decodes to the dump the spec shows") {
  std::string trace = spec_v3_example();
  REQUIRE(trace.size() == 97 + 181);
  Status status;
  std::string dump = dump_of(trace, &status);
  CHECK_MESSAGE(status.ok(), status.message());
  CHECK(dump ==
        "0000001500 0000000000 alloc_ext 1 len=512 dom=0    0: main@main.cpp:7:0-0 "
        "Conn::read@net/conn.cpp:42:0-0\n"
        "0000002000 0000000000 collect\n");
}

}  // namespace
}  // namespace vigil::trace
