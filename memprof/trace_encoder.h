// TraceEncoder: turns the hook's sample records of one tracing session into memtrace events.
// Thread: loop only. No sockets: finished packets go to the PacketSink given at
// construction (the trace server's socket writer, or a string in tests).
//
// For each alloc record it defines the location of every new return address (symbolized
// once per address, see symbolize.h), writes an External allocation with the backtrace
// outermost first and remembers block address -> object id. The standard library's frames
// at the innermost end are left out (library_frames.h), so the allocation site, the last
// position, is the caller's code. A free record of a remembered
// block becomes a collect, once; frees of blocks from before the session, or whose alloc
// was dropped, are ignored, so the trace never collects an unknown id (spec §10).
// Records of another hook session are ignored.
//
// Back-pressure: add() takes `backlogged`; when true, an alloc is dropped and counted
// instead of written. Collects of blocks already written are still written: each costs a
// few bytes and there is at most one per written alloc, so the backlog stays bounded.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "memprof/hook.h"
#include "memprof/symbolize.h"
#include "trace/trace_writer.h"

namespace vigil::memprof {

struct EncoderCounters {
  uint64_t allocs = 0;     // alloc events written
  uint64_t collects = 0;   // collect events written
  uint64_t dropped = 0;    // alloc records dropped because the client was backlogged
  uint64_t stale = 0;      // records of another session, ignored
  uint64_t locations = 0;  // location events written
};

class TraceEncoder {
 public:
  // Writes the info packet at once. "sink" and "symbolizer" must outlive this object.
  TraceEncoder(trace::PacketSink& sink, Symbolizer& symbolizer, const trace::TraceInfo& info,
               uint32_t hook_session);
  TraceEncoder(const TraceEncoder&) = delete;
  TraceEncoder& operator=(const TraceEncoder&) = delete;

  void add(const SampleRecord& record, bool backlogged);

  // Hands the open packet, if any, to the sink.
  void flush() { writer_.flush(); }

  const EncoderCounters& counters() const { return counters_; }
  uint64_t live_blocks() const { return live_.size(); }

 private:
  void add_alloc(const SampleRecord& r);
  void add_free(const SampleRecord& r);
  // The code of `pc`'s location without its `strip` innermost positions; defines it first.
  uint64_t define(uint64_t time_us, uintptr_t pc, size_t strip);

  trace::TraceWriter writer_;
  Symbolizer& symbolizer_;
  uint32_t session_;
  std::unordered_map<uintptr_t, uint64_t> live_;   // sampled block -> object id
  std::vector<uint64_t> codes_;                    // scratch: one backtrace, outermost first
  std::vector<trace::Position> positions_;         // scratch: one location
  std::vector<std::span<const SourceFrame>> pcs_;  // scratch: one backtrace, symbolized
  EncoderCounters counters_;
};

}  // namespace vigil::memprof
