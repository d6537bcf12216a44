// TraceWriter: encodes one memtrace session (format v2 by default) into finished packets.
// Thread: loop only (one writer per session; nothing here is shared or locked).
//
// A pure encoder: it does no I/O and reads no clock. The caller passes every event's time and
// a PacketSink that receives each finished packet as one contiguous byte range. A trace is the
// concatenation of those packets, in order, with nothing else in between.
//
// What the writer guarantees (spec §19), whatever the caller passes:
//   - the info packet is first and alone (emitted by the constructor);
//   - event times never decrease: an earlier time is clamped to the latest one seen, and times
//     before start_time_us are clamped to it;
//   - every packet is at most kMaxPacketBytes (32768) bytes in total, and spans at most
//     kMaxPacketSpanUs (30 s) of event time, well under the 2^25 µs the format allows;
//   - object ids are contiguous from 0 (alloc() returns them), and every packet header carries
//     the exact id range of its allocations;
//   - a backtrace only uses location codes already defined in this session;
//   - a collect names an id already allocated and not yet collected;
//   - location fields are clamped (line 0xFFFFF, start 0xFF, end 0x3FF), strings are cut at an
//     embedded NUL and at kMaxLocationString bytes, a code keeps at most 255 positions, and a
//     location event fits in 4096 bytes (the outermost positions are dropped until it does).
//
// Encoding: backtraces share a common prefix with the previous one, and frames use the
// decoder's cache (direct-mapped by a hash of the code) with hits and next-bucket predictions;
// filenames and function names use the move-to-front tables. The header verifier is always
// "none" (0xFFFF). Allocations are always written in the long form.
//
// Memory: the packet buffer and the cache are allocated once, in the constructor. alloc() and
// collect() allocate nothing in steady state: only a new location (its strings), a backtrace
// longer than any before, and the growth of the collected-id bitmap (one bit per id) allocate.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "trace/trace_format.h"

namespace vigil::trace {

// Receives finished packets. `packet` is valid only during the call: copy it (for example
// into the buffer of a uv_write request) before returning. Never called re-entrantly.
class PacketSink {
 public:
  virtual ~PacketSink() = default;
  virtual void on_packet(std::span<const uint8_t> packet) = 0;
};

struct TraceWriterOptions {
  // 2 (recommended, read by every memtrace version) or 3 (adds domain 0 to every header;
  // only current readers accept it). Other values are treated as 2.
  uint16_t version = 2;
};

// Longest filename or function name kept in a location, in bytes (cut at a UTF-8 boundary).
inline constexpr size_t kMaxLocationString = 1000;
// Most frames kept in one backtrace; deeper ones keep their innermost (last) frames.
inline constexpr size_t kMaxBacktraceFrames = 1024;

class TraceWriter {
 public:
  // Emits the info packet into `sink` at once. `info.word_size` is forced to 64, strings are
  // cut at an embedded NUL and to 1024 bytes each.
  // "sink" must outlive this object.
  TraceWriter(PacketSink& sink, const TraceInfo& info, TraceWriterOptions options = {});
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // True iff `code` was defined in this session.
  bool is_defined(uint64_t code) const;

  // Defines what location `code` means: its positions, outermost first (an empty list is legal
  // and makes the code invisible). A code that is already defined is left as it was (its first
  // definition wins) and nothing is written. Codes should be in 1..2^62-1 (spec §7.2).
  void define_location(uint64_t time_us, uint64_t code, std::span<const Position> positions);

  // Writes an External allocation of `length_words` words holding `nsamples` samples, with
  // `backtrace` as location codes, outermost (main) first, the allocation site last. Returns
  // its object id: the number of allocations written before it in this session.
  // Fails, writing nothing, if a code was never defined, or nsamples is 0.
  Result<uint64_t> alloc(uint64_t time_us, uint64_t length_words, uint64_t nsamples,
                         std::span<const uint64_t> backtrace);

  // Writes that object `obj_id` was freed. Fails, writing nothing, if the id was never
  // allocated in this session or was already collected.
  Status collect(uint64_t time_us, uint64_t obj_id);

  // Finishes the open packet, if it holds any event, and hands it to the sink.
  // The caller flushes at least every second while streaming, and at the end of the session.
  void flush();

  // The id the next allocation will get (= number of allocations written).
  uint64_t next_id() const { return next_id_; }
  // The latest event time written, after clamping.
  uint64_t last_time_us() const { return last_time_; }
  // Number of packets handed to the sink, the info packet included.
  uint64_t packets_written() const { return packets_; }

 private:
  struct Mtf;
  uint64_t clamp_time(uint64_t time_us);
  // Makes room for an event of at most `max_bytes` at `time_us`: flushes first if the packet
  // would pass 32 KiB or 30 s, then opens a packet if none is open.
  void reserve_event(uint64_t time_us, size_t max_bytes);
  uint8_t* put_event_header(uint8_t* p, uint8_t code, uint64_t time_us);
  // `prefix` frames are shared with the previous backtrace.
  uint8_t* put_backtrace(uint8_t* p, std::span<const uint64_t> frames, size_t prefix);
  void emit_packet(uint8_t* begin, size_t size, uint64_t t_begin, uint64_t t_end, uint64_t id_begin,
                   uint64_t id_end);
  size_t header_size() const;

  PacketSink& sink_;
  uint16_t version_;
  uint64_t pid_;
  uint64_t start_time_;
  uint64_t last_time_;
  uint64_t next_id_ = 0;
  uint64_t packets_ = 0;

  // The open packet: buf_[0, header_size()) is reserved for its header.
  std::unique_ptr<uint8_t[]> buf_;
  size_t used_ = 0;  // 0 when no packet is open
  uint64_t packet_begin_time_ = 0;
  uint64_t packet_end_time_ = 0;  // time of the last event in the open packet
  uint64_t packet_first_id_ = 0;

  // Mirror of the decoder's backtrace state (spec §9.1), and the previous backtrace.
  std::unique_ptr<uint64_t[]> cache_val_;
  std::unique_ptr<uint16_t[]> cache_next_;
  std::vector<uint64_t> prev_backtrace_;

  std::unique_ptr<Mtf> files_;  // filename MTF table, each entry with its defname table
  std::unordered_set<uint64_t> defined_;
  std::vector<uint64_t> collected_;  // bitmap of collected ids
  std::vector<Position> clamped_;    // scratch for define_location
};

}  // namespace vigil::trace
