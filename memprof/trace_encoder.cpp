#include "memprof/trace_encoder.h"

namespace vigil::memprof {
namespace {

// The location code of a sample whose stack could not be unwound: every alloc carries at
// least one frame, because memtrace's tools crash on an empty backtrace.
constexpr uint64_t kUnknownCode = 1;

}  // namespace

TraceEncoder::TraceEncoder(trace::PacketSink& sink, Symbolizer& symbolizer,
                           const trace::TraceInfo& info, uint32_t hook_session)
    : writer_(sink, info), symbolizer_(symbolizer), session_(hook_session) {
  codes_.reserve(kMaxFrames);
}

void TraceEncoder::add(const SampleRecord& record, bool backlogged) {
  if (record.session != session_) {
    ++counters_.stale;
    return;
  }
  if (record.kind == SampleRecord::kFree) {
    add_free(record);
  } else if (backlogged) {
    ++counters_.dropped;
  } else {
    add_alloc(record);
  }
}

uint64_t TraceEncoder::define(uint64_t time_us, uintptr_t pc) {
  uint64_t code = pc;
  if (writer_.is_defined(code)) return code;
  positions_.clear();
  for (const SourceFrame& f : symbolizer_.lookup(pc)) {
    positions_.push_back(trace::Position{f.file, f.function, f.line, f.column, f.column});
  }
  writer_.define_location(time_us, code, positions_);
  ++counters_.locations;
  return code;
}

void TraceEncoder::add_alloc(const SampleRecord& r) {
  codes_.clear();
  for (int i = r.nframes - 1; i >= 0; --i) codes_.push_back(define(r.time_us, r.frames[i]));
  if (codes_.empty()) {
    if (!writer_.is_defined(kUnknownCode)) {
      trace::Position unknown{"??", "<no backtrace>", 0, 0, 0};
      writer_.define_location(r.time_us, kUnknownCode, {&unknown, 1});
    }
    codes_.push_back(kUnknownCode);
  }
  uint64_t words = (r.size + 7) / 8;
  Result<uint64_t> id = writer_.alloc(r.time_us, words, r.nsamples, codes_);
  if (!id.ok()) return;  // unreachable: every code is defined and nsamples >= 1
  ++counters_.allocs;
  // A block address is live at most once; a leftover entry would mean a lost free record,
  // and the new block replaces it (the old object then stays live in the trace).
  live_[r.ptr] = *id;
}

void TraceEncoder::add_free(const SampleRecord& r) {
  auto it = live_.find(r.ptr);
  if (it == live_.end()) return;
  if (writer_.collect(r.time_us, it->second).ok()) ++counters_.collects;
  live_.erase(it);
}

}  // namespace vigil::memprof
