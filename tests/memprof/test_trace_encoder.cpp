// TraceEncoder without sockets: hand-made sample records in, a decoded trace out.
#include <doctest/doctest.h>

#include <span>
#include <string>
#include <vector>

#include "memprof/trace_encoder.h"
#include "trace/trace_reader.h"

using namespace vigil::memprof;
using namespace vigil::trace;

namespace {

struct StringSink : PacketSink {
  void on_packet(std::span<const uint8_t> p) override {
    bytes.insert(bytes.end(), p.begin(), p.end());
  }
  std::vector<uint8_t> bytes;
};

struct Events : TraceVisitor {
  void on_alloc(const AllocEvent& e) override {
    ids.push_back(e.obj_id);
    frames.push_back(e.backtrace.size());
  }
  void on_collect(const ObjectEvent& e) override { collected.push_back(e.obj_id); }
  std::vector<int64_t> ids, collected;
  std::vector<size_t> frames;
};

__attribute__((noinline)) uintptr_t here() {
  return reinterpret_cast<uintptr_t>(__builtin_return_address(0));
}

TraceInfo test_info() {
  TraceInfo info;
  info.sample_rate = 1e-3;
  info.executable_name = "test";
  info.host_name = "h";
  info.pid = 7;
  info.start_time_us = 1'700'000'000'000'000;
  return info;
}

SampleRecord alloc_record(uintptr_t ptr, uint32_t session, uint64_t t, int nframes) {
  SampleRecord r;
  r.kind = SampleRecord::kAlloc;
  r.session = session;
  r.ptr = ptr;
  r.size = 100;
  r.nsamples = 1;
  r.time_us = t;
  r.nframes = static_cast<uint8_t>(nframes);
  for (int i = 0; i < nframes; ++i) r.frames[i] = here();
  return r;
}

SampleRecord free_record(uintptr_t ptr, uint32_t session, uint64_t t) {
  SampleRecord r;
  r.kind = SampleRecord::kFree;
  r.session = session;
  r.ptr = ptr;
  r.time_us = t;
  return r;
}

Events decode(const std::vector<uint8_t>& bytes) {
  TraceReader reader;
  Events ev;
  vigil::Status st = reader.read(bytes, ev);
  REQUIRE_MESSAGE(st.ok(), st.message());
  return ev;
}

const uint64_t kT0 = 1'700'000'000'000'000 + 10;

}  // namespace

TEST_CASE("frees become collects once, and only for blocks allocated in the session") {
  Symbolizer sym;
  StringSink sink;
  TraceEncoder enc(sink, sym, test_info(), 3);
  enc.add(alloc_record(0x1000, 3, kT0, 2), false);
  enc.add(alloc_record(0x2000, 3, kT0 + 1, 2), false);
  enc.add(free_record(0x1000, 3, kT0 + 2), false);
  enc.add(free_record(0x1000, 3, kT0 + 3), false);  // a second free of the same address
  enc.add(free_record(0x9000, 3, kT0 + 4), false);  // a block from before the session
  enc.flush();
  Events ev = decode(sink.bytes);
  CHECK(ev.ids == std::vector<int64_t>{0, 1});
  CHECK(ev.collected == std::vector<int64_t>{0});
  CHECK(enc.counters().collects == 1);
  CHECK(enc.live_blocks() == 1);
}

TEST_CASE("a reused address is a new object, collected under its new id") {
  Symbolizer sym;
  StringSink sink;
  TraceEncoder enc(sink, sym, test_info(), 1);
  enc.add(alloc_record(0x1000, 1, kT0, 1), false);
  enc.add(free_record(0x1000, 1, kT0 + 1), false);
  enc.add(alloc_record(0x1000, 1, kT0 + 2, 1), false);
  enc.add(free_record(0x1000, 1, kT0 + 3), false);
  enc.flush();
  Events ev = decode(sink.bytes);
  CHECK(ev.collected == std::vector<int64_t>{0, 1});
}

TEST_CASE("records of another session are ignored and counted") {
  Symbolizer sym;
  StringSink sink;
  TraceEncoder enc(sink, sym, test_info(), 2);
  enc.add(alloc_record(0x1000, 1, kT0, 1), false);
  enc.add(free_record(0x1000, 1, kT0 + 1), false);
  enc.flush();
  CHECK(decode(sink.bytes).ids.empty());
  CHECK(enc.counters().stale == 2);
}

TEST_CASE("a backlogged client loses allocs, counted, but still gets collects of sent ones") {
  Symbolizer sym;
  StringSink sink;
  TraceEncoder enc(sink, sym, test_info(), 1);
  enc.add(alloc_record(0x1000, 1, kT0, 1), false);
  enc.add(alloc_record(0x2000, 1, kT0 + 1, 1), true);
  enc.add(free_record(0x1000, 1, kT0 + 2), true);
  enc.add(free_record(0x2000, 1, kT0 + 3), true);
  enc.flush();
  Events ev = decode(sink.bytes);
  CHECK(ev.ids == std::vector<int64_t>{0});
  CHECK(ev.collected == std::vector<int64_t>{0});
  CHECK(enc.counters().dropped == 1);
}

TEST_CASE("an alloc without frames still carries one frame") {
  Symbolizer sym;
  StringSink sink;
  TraceEncoder enc(sink, sym, test_info(), 1);
  enc.add(alloc_record(0x1000, 1, kT0, 0), false);
  enc.flush();
  Events ev = decode(sink.bytes);
  REQUIRE(ev.frames.size() == 1);
  CHECK(ev.frames[0] == 1);
}

TEST_CASE("each return address is defined once however often it is used") {
  Symbolizer sym;
  StringSink sink;
  TraceEncoder enc(sink, sym, test_info(), 1);
  for (uintptr_t p = 1; p <= 10; ++p) enc.add(alloc_record(p * 0x100, 1, kT0 + p, 3), false);
  enc.flush();
  CHECK(decode(sink.bytes).ids.size() == 10);
  CHECK(enc.counters().locations == 1);  // alloc_record repeats one address in every frame
}
