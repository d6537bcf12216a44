#include "memprof/trace_encoder.h"

#include "memprof/library_frames.h"

namespace vigil::memprof {
namespace {

// The location code of a sample whose stack could not be unwound: every alloc carries at
// least one frame, because memtrace's tools crash on an empty backtrace.
constexpr uint64_t kUnknownCode = 1;
// Marks the code of a return address whose innermost positions (inlined library code) were
// stripped: the same address keeps all its positions where it is not the innermost frame.
// User-space addresses never have this bit.
constexpr uint64_t kTrimmedBit = uint64_t{1} << 63;

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

uint64_t TraceEncoder::define(uint64_t time_us, uintptr_t pc, size_t strip) {
  uint64_t code = strip == 0 ? pc : (pc | kTrimmedBit);
  if (writer_.is_defined(code)) return code;
  positions_.clear();
  const std::vector<SourceFrame>& frames = symbolizer_.lookup(pc);
  for (size_t i = 0; i + strip < frames.size(); ++i) {
    const SourceFrame& f = frames[i];
    positions_.push_back(trace::Position{f.file, f.function, f.line, f.column, f.column});
  }
  writer_.define_location(time_us, code, positions_);
  ++counters_.locations;
  return code;
}

void TraceEncoder::add_alloc(const SampleRecord& r) {
  // The library frames at the innermost end go: whole return addresses first, then the
  // innermost positions of the next one.
  pcs_.clear();
  for (int i = 0; i < r.nframes; ++i) pcs_.emplace_back(symbolizer_.lookup(r.frames[i]));
  size_t strip = library_frames_to_strip(pcs_);
  int innermost = 0;
  while (innermost < r.nframes && strip >= pcs_[static_cast<size_t>(innermost)].size()) {
    strip -= pcs_[static_cast<size_t>(innermost)].size();
    ++innermost;
  }
  codes_.clear();
  for (int i = r.nframes - 1; i >= innermost; --i) {
    codes_.push_back(define(r.time_us, r.frames[i], i == innermost ? strip : 0));
  }
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
