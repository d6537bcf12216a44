// TraceReader: decodes a memtrace trace (formats v1, v2 and v3) held in memory.
// Thread: any, one thread per reader (it holds per-read state).
//
// A pure decoder: it walks the packets of `bytes` and hands every event to a TraceVisitor, in
// stream order, as memtrace's own Reader.iter does. It never reads outside `bytes` and never
// trusts a length or count from the input: truncated, corrupt or hostile input gives a Status
// that says what was wrong and at which byte offset. Events of the packets before the error
// have already been handed to the visitor; nothing after it is.
//
// It checks what the reference reader checks (magic, versions 1..3, packet sizes, the info
// packet, times within packet bounds and non-decreasing per domain, the cache verifier,
// consistent location redefinitions, known event codes and sources, and the alloc-id range of
// every packet), and in addition that every backtrace code was defined before it is used
// (memtrace's tools and viewer crash on such a trace). A packet whose pid differs from the info
// pid is skipped, as the reference reader does, and counted in skipped_packets().
//
// Limits (errors beyond them): 64 domains, 2^20 frames per backtrace.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "trace/trace_format.h"

namespace vigil::trace {

struct PacketHeader {
  uint64_t offset = 0;      // byte offset of the packet in the input
  uint64_t size_bytes = 0;  // whole packet, header included
  uint64_t time_begin = 0;
  uint64_t time_end = 0;
  uint16_t version = 0;
  uint64_t pid = 0;
  uint16_t domain = 0;  // 0 before v3
  uint16_t verify_ix = kNoVerify;
  uint16_t verify_pred = 0;
  uint64_t verify_value = 0;
  uint64_t alloc_id_begin = 0;
  uint64_t alloc_id_end = 0;
};

struct AllocEvent {
  uint64_t time_us = 0;  // µs since the epoch (subtract info.start_time_us for a delta)
  int64_t obj_id = 0;
  int64_t length = 0;  // words
  int64_t nsamples = 0;
  Source source = Source::kExternal;
  uint16_t domain = 0;
  int64_t common_prefix = 0;  // as encoded
  // Location codes, outermost first. Valid only during the visitor call.
  std::span<const uint64_t> backtrace;
};

// A promote or collect of an earlier allocation.
struct ObjectEvent {
  uint64_t time_us = 0;
  int64_t obj_id = 0;
  uint16_t domain = 0;
};

// Receives the decoded stream. Every method has an empty default.
class TraceVisitor {
 public:
  virtual ~TraceVisitor() = default;
  virtual void on_info(const TraceInfo&, const PacketHeader&) {}
  // Called for every packet after the info packet, before its events.
  virtual void on_packet(const PacketHeader&) {}
  // A first definition of `code` (redefinitions are checked, not reported).
  virtual void on_location(uint64_t /*time_us*/, uint64_t /*code*/,
                           std::span<const Position> /*positions*/) {}
  virtual void on_alloc(const AllocEvent&) {}
  virtual void on_promote(const ObjectEvent&) {}
  virtual void on_collect(const ObjectEvent&) {}
};

class TraceReader {
 public:
  TraceReader();
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  // Decodes `bytes`, a whole trace, from the start. Each call starts from fresh state.
  Status read(std::span<const uint8_t> bytes, TraceVisitor& visitor);

  // Streaming: the same decoding, fed in pieces of any size (a file read in chunks, a socket).
  // start() resets the state. feed() appends `bytes` and decodes every packet that is now
  // complete; it buffers at most one partial packet (32 KiB plus a header). After an error,
  // feed() and finish() keep returning it. finish() reports a partial packet left at the end
  // (the same message read() gives), or an empty input.
  void start();
  Status feed(std::span<const uint8_t> bytes, TraceVisitor& visitor);
  Status finish();

  // The positions of `code`, or nullptr if it was not defined (yet). Valid until the next
  // read(); during a read, it answers for the codes defined so far.
  const std::vector<Position>* lookup(uint64_t code) const;
  // The trace info; meaningful once on_info has been called.
  const TraceInfo& info() const { return info_; }
  // Bytes of the input covered by complete, decoded packets (a clean prefix of the trace).
  uint64_t complete_bytes() const { return complete_bytes_; }
  // Packets skipped because their pid differed from the info pid.
  uint64_t skipped_packets() const { return skipped_packets_; }

 private:
  struct Domain;
  class PacketDecoder;
  // Reads the header at the start of `avail`, which sits at byte `offset` of the input. With
  // `need_more` set, a header or packet that is not all in `avail` sets *need_more instead of
  // being an error.
  Result<PacketHeader> read_header(std::span<const uint8_t> avail, uint64_t offset,
                                   bool* need_more = nullptr) const;
  Status read_info(std::span<const uint8_t> packet, const PacketHeader& h, TraceVisitor& v);
  // Decodes one complete packet (the info packet when it is the first).
  Status packet(std::span<const uint8_t> packet, const PacketHeader& h, TraceVisitor& v);
  Result<Domain*> domain(uint16_t id);

  TraceInfo info_;
  std::unordered_map<uint64_t, std::vector<Position>> locations_;
  std::map<uint16_t, std::unique_ptr<Domain>> domains_;
  uint64_t complete_bytes_ = 0;
  uint64_t skipped_packets_ = 0;
  bool have_info_ = false;
  // Streaming state: the bytes after complete_bytes_, and the first error.
  std::vector<uint8_t> pending_;
  Status error_;
};

}  // namespace vigil::trace
