// The memtrace trace format: constants and the plain types shared by the writer and reader.
// Thread: any (constants and plain values).
//
// The contract is docs/memtrace-format.md. In short: a trace is a byte stream of
// self-delimiting packets, all integers little-endian. Each packet has a 66-byte header (format
// v2) or a 68-byte one (v3, which adds a u16 domain), starting with the magic 0xC1FC1FC1. The
// first packet holds only the trace-info event. Later packets hold location, alloc, promote and
// collect events, each starting with a u32 whose top 7 bits are the event code and whose low
// 25 bits are the low bits of the event time in microseconds since the Unix epoch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vigil::trace {

inline constexpr uint32_t kPacketMagic = 0xC1FC1FC1;
inline constexpr size_t kHeaderSizeV2 = 66;  // spec §4
inline constexpr size_t kHeaderSizeV3 = 68;  // v3 adds the u16 domain at offset 38
// The reader's buffer holds 32768 bytes of content; the writer keeps the whole packet within it.
inline constexpr size_t kMaxPacketBytes = 32768;
// Event times are stored as 25 bits; a packet must span less than 2^25 µs (spec §3).
inline constexpr unsigned kTimeBits = 25;
inline constexpr uint64_t kTimeMask = (uint64_t{1} << kTimeBits) - 1;
// The OCaml writer caps packets at 30 s; so do we.
inline constexpr uint64_t kMaxPacketSpanUs = 30'000'000;
// The backtrace cache has 2^14 buckets (spec §9.1).
inline constexpr size_t kCacheBuckets = 16384;
// Move-to-front tables hold 31 entries; index 31 means "a literal string follows" (spec §7.1).
inline constexpr unsigned kMtfLength = 31;
inline constexpr uint16_t kNoVerify = 0xFFFF;

// Event codes (spec §5).
enum class EventCode : uint8_t {
  kTraceInfo = 0,
  kLocation = 1,
  kAlloc = 2,
  kPromote = 3,
  kCollect = 4,
  kAllocShortFirst = 101,  // 101..116: short alloc, length = code - 100 words
  kAllocShortLast = 116,
};

// Where an allocation came from (spec §8.1). C++ allocations are always External.
enum class Source : uint8_t { kMinor = 0, kMajor = 1, kExternal = 2 };

// Field limits of a source position (spec §7): wider values are clamped to these.
inline constexpr uint32_t kMaxLine = 0xFFFFF;
inline constexpr uint32_t kMaxStartChar = 0xFF;
inline constexpr uint32_t kMaxEndChar = 0x3FF;

// The trace-info event of the first packet (spec §6).
struct TraceInfo {
  double sample_rate = 1e-4;  // per-word sampling probability, 0 < rate <= 1
  uint8_t word_size = 64;     // in bits; the viewer divides by 8 for bytes per word
  std::string executable_name;
  std::string host_name;
  std::string ocaml_runtime_params;
  uint64_t pid = 0;            // the same value is written in every packet header
  uint64_t start_time_us = 0;  // µs since the Unix epoch
  std::string context;         // v2 and later; "" means none
};

// One source position of a location code. A code maps to a list of them, outermost first
// (inlining gives several).
struct Position {
  std::string filename;
  std::string defname;  // the function, e.g. a demangled "ns::Class::method"
  uint32_t line = 0;
  uint32_t start_char = 0;
  uint32_t end_char = 0;

  bool operator==(const Position&) const = default;
};

}  // namespace vigil::trace
