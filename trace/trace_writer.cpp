#include "trace/trace_writer.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "trace/trace_bytes.h"

namespace vigil::trace {
namespace {

constexpr size_t kMaxInfoString = 1024;
// The OCaml writer keeps a location event body within 4096 bytes and 255 positions.
constexpr size_t kMaxLocationBody = 4096;
constexpr size_t kMaxPositions = 255;
constexpr size_t kEventHeaderBytes = 4;
// Largest alloc body apart from its codewords: 3 vints, the source byte, the u16 count.
constexpr size_t kAllocFixedBytes = 3 * kMaxVintBytes + 1 + 2;
// A cache miss is the largest codeword: u16 plus the u64 code.
constexpr size_t kMissBytes = 10;
// Keeps values within the reader's 63-bit ints and always in a non-negative vint form.
constexpr uint64_t kMaxVintValue = (uint64_t{1} << 62) - 1;

static_assert(kHeaderSizeV3 + kEventHeaderBytes + kAllocFixedBytes +
                      kMissBytes * kMaxBacktraceFrames <=
                  kMaxPacketBytes,
              "the largest alloc event must fit in an empty packet");
static_assert(kHeaderSizeV3 + kEventHeaderBytes + kMaxLocationBody <= kMaxPacketBytes);

// Cuts `s` at its first NUL, then to at most `max` bytes without splitting a UTF-8 sequence;
// a cut string ends in "...".
std::string clamp_string(std::string_view s, size_t max) {
  s = s.substr(0, s.find('\0'));
  if (s.size() <= max) return std::string(s);
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

uint32_t clamp_field(uint32_t v, uint32_t max) { return v > max ? max : v; }

size_t location_body_size(std::span<const Position> ps) {
  size_t n = 8 + 1;  // code, count
  for (const Position& p : ps) n += 6 + p.filename.size() + 1 + p.defname.size() + 1;
  return n;
}

// Which cache bucket a code goes to: any choice is valid (spec §9.3); a multiplicative hash
// spreads typical return addresses well.
uint16_t bucket_of(uint64_t code) {
  return static_cast<uint16_t>((code * 0x9E3779B97F4A7C15ull) >> (64 - 14));
}

// One move-to-front table of up to 31 strings, most recent first (spec §7.1).
struct NameTable {
  std::vector<std::string> names;

  // Returns the index of `s` and moves it to the front, or returns 31 (a literal follows)
  // after pushing it at the front, the last entry falling off when the table is full.
  unsigned encode(std::string_view s) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == s) {
        std::rotate(names.begin(), names.begin() + static_cast<ptrdiff_t>(i),
                    names.begin() + static_cast<ptrdiff_t>(i) + 1);
        return static_cast<unsigned>(i);
      }
    }
    if (names.size() == kMtfLength) names.pop_back();
    names.emplace_back(s);
    std::rotate(names.begin(), names.end() - 1, names.end());
    return kMtfLength;
  }
};

}  // namespace

// The filename table; each file owns a fresh defname table from the moment it is pushed.
struct TraceWriter::Mtf {
  struct File {
    std::string name;
    NameTable defs;
  };
  std::vector<File> files;

  // Returns the (filename index, defname index) pair and updates both tables.
  std::pair<unsigned, unsigned> encode(const Position& p) {
    unsigned fi = kMtfLength;
    for (size_t i = 0; i < files.size(); ++i) {
      if (files[i].name == p.filename) {
        std::rotate(files.begin(), files.begin() + static_cast<ptrdiff_t>(i),
                    files.begin() + static_cast<ptrdiff_t>(i) + 1);
        fi = static_cast<unsigned>(i);
        break;
      }
    }
    if (fi == kMtfLength) {
      if (files.size() == kMtfLength) files.pop_back();
      files.push_back(File{p.filename, {}});
      std::rotate(files.begin(), files.end() - 1, files.end());
    }
    return {fi, files.front().defs.encode(p.defname)};
  }
};

TraceWriter::TraceWriter(PacketSink& sink, const TraceInfo& info, TraceWriterOptions options)
    : sink_(sink),
      version_(options.version == 3 ? 3 : 2),
      pid_(info.pid),
      start_time_(info.start_time_us),
      last_time_(info.start_time_us),
      buf_(new uint8_t[kMaxPacketBytes]),
      cache_val_(new uint64_t[kCacheBuckets]()),
      cache_next_(new uint16_t[kCacheBuckets]()),
      files_(std::make_unique<Mtf>()) {
  prev_backtrace_.reserve(64);
  uint8_t* p = buf_.get() + header_size();
  p = put_event_header(p, static_cast<uint8_t>(EventCode::kTraceInfo), start_time_);
  p = put_f64(p, info.sample_rate);
  p = put_u8(p, 64);
  p = put_cstring(p, clamp_string(info.executable_name, kMaxInfoString));
  p = put_cstring(p, clamp_string(info.host_name, kMaxInfoString));
  p = put_cstring(p, clamp_string(info.ocaml_runtime_params, kMaxInfoString));
  p = put_u64(p, pid_);
  p = put_cstring(p, clamp_string(info.context, kMaxInfoString));
  emit_packet(buf_.get(), static_cast<size_t>(p - buf_.get()), start_time_, start_time_, 0, 0);
}

TraceWriter::~TraceWriter() = default;

size_t TraceWriter::header_size() const { return version_ >= 3 ? kHeaderSizeV3 : kHeaderSizeV2; }

bool TraceWriter::is_defined(uint64_t code) const { return defined_.count(code) != 0; }

uint64_t TraceWriter::clamp_time(uint64_t time_us) {
  last_time_ = std::max(time_us, last_time_);
  return last_time_;
}

void TraceWriter::reserve_event(uint64_t time_us, size_t max_bytes) {
  if (used_ != 0 &&
      (used_ + max_bytes > kMaxPacketBytes || time_us - packet_begin_time_ >= kMaxPacketSpanUs)) {
    flush();
  }
  if (used_ == 0) {
    used_ = header_size();
    packet_begin_time_ = time_us;
    packet_first_id_ = next_id_;
  }
  packet_end_time_ = time_us;
  // Invariant: the open packet has room for this event, and spans less than 30 s with it.
  assert(used_ + max_bytes <= kMaxPacketBytes);
  assert(time_us - packet_begin_time_ < kMaxPacketSpanUs);
}

uint8_t* TraceWriter::put_event_header(uint8_t* p, uint8_t code, uint64_t time_us) {
  return put_u32(p, (uint32_t{code} << kTimeBits) | static_cast<uint32_t>(time_us & kTimeMask));
}

void TraceWriter::define_location(uint64_t time_us, uint64_t code,
                                  std::span<const Position> positions) {
  if (is_defined(code)) return;
  clamped_.clear();
  // Keep the innermost 255 positions: the last one is the allocation site.
  size_t skip = positions.size() > kMaxPositions ? positions.size() - kMaxPositions : 0;
  for (const Position& p : positions.subspan(skip)) {
    clamped_.push_back({clamp_string(p.filename, kMaxLocationString),
                        clamp_string(p.defname, kMaxLocationString), clamp_field(p.line, kMaxLine),
                        clamp_field(p.start_char, kMaxStartChar),
                        clamp_field(p.end_char, kMaxEndChar)});
  }
  std::span<const Position> kept(clamped_);
  while (location_body_size(kept) > kMaxLocationBody) kept = kept.subspan(1);

  uint64_t t = clamp_time(time_us);
  reserve_event(t, kEventHeaderBytes + location_body_size(kept));
  uint8_t* p = put_event_header(buf_.get() + used_, static_cast<uint8_t>(EventCode::kLocation), t);
  p = put_u64(p, code);
  p = put_u8(p, static_cast<uint8_t>(kept.size()));
  for (const Position& pos : kept) {
    auto [fi, di] = files_->encode(pos);
    uint64_t packed = uint64_t{pos.line} | (uint64_t{pos.start_char} << 20) |
                      (uint64_t{pos.end_char} << 28) | (uint64_t{fi} << 38) | (uint64_t{di} << 43);
    p = put_u32(p, static_cast<uint32_t>(packed));
    p = put_u16(p, static_cast<uint16_t>(packed >> 32));
    if (fi == kMtfLength) p = put_cstring(p, pos.filename);
    if (di == kMtfLength) p = put_cstring(p, pos.defname);
  }
  used_ = static_cast<size_t>(p - buf_.get());
  defined_.insert(code);
}

Result<uint64_t> TraceWriter::alloc(uint64_t time_us, uint64_t length_words, uint64_t nsamples,
                                    std::span<const uint64_t> backtrace) {
  if (nsamples == 0) return Status::error("alloc: nsamples must be at least 1");
  if (backtrace.size() > kMaxBacktraceFrames) {
    backtrace = backtrace.subspan(backtrace.size() - kMaxBacktraceFrames);
  }
  // Frames shared with the previous backtrace were checked then.
  size_t prefix = 0;
  size_t common = std::min(backtrace.size(), prev_backtrace_.size());
  while (prefix < common && backtrace[prefix] == prev_backtrace_[prefix]) ++prefix;
  // So were the codes in the backtrace cache: only checked codes are ever put there.
  for (uint64_t code : backtrace.subspan(prefix)) {
    if ((code == 0 || cache_val_[bucket_of(code)] != code) && !is_defined(code)) {
      return Status::error("alloc: location code " + std::to_string(code) +
                           " used before define_location");
    }
  }
  uint64_t t = clamp_time(time_us);
  reserve_event(t, kEventHeaderBytes + kAllocFixedBytes + kMissBytes * backtrace.size());
  uint8_t* p = put_event_header(buf_.get() + used_, static_cast<uint8_t>(EventCode::kAlloc), t);
  p = put_vint(p, static_cast<int64_t>(std::min(length_words, kMaxVintValue)));
  p = put_vint(p, static_cast<int64_t>(std::min(nsamples, kMaxVintValue)));
  p = put_u8(p, static_cast<uint8_t>(Source::kExternal));
  p = put_backtrace(p, backtrace, prefix);
  used_ = static_cast<size_t>(p - buf_.get());
  return next_id_++;
}

// Writes common_prefix, the codeword count and the codewords (spec §8.1, §9). The cache and
// prediction arrays are updated exactly as the decoder will update its own.
uint8_t* TraceWriter::put_backtrace(uint8_t* p, std::span<const uint64_t> frames, size_t prefix) {
  p = put_vint(p, static_cast<int64_t>(prefix));
  uint8_t* count_at = p;
  p += 2;
  uint16_t ncodes = 0;
  uint16_t prev = 0;
  for (size_t i = prefix; i < frames.size(); ++ncodes) {
    uint16_t b = bucket_of(frames[i]);
    cache_next_[prev] = b;
    if (cache_val_[b] != frames[i]) {
      p = put_u16(p, static_cast<uint16_t>((b << 2) | 3));
      p = put_u64(p, frames[i]);
      cache_val_[b] = frames[i];
      prev = b;
      ++i;
      continue;
    }
    // A hit: follow the predictions as long as they give the next frames.
    unsigned k = 0;
    uint16_t at = b;
    while (k < 255 && i + 1 + k < frames.size() &&
           cache_val_[cache_next_[at]] == frames[i + 1 + k]) {
      at = cache_next_[at];
      ++k;
    }
    p = put_u16(p, static_cast<uint16_t>((b << 2) | (k < 2 ? k : 2)));
    if (k >= 2) p = put_u8(p, static_cast<uint8_t>(k));
    prev = at;
    i += 1 + k;
  }
  put_u16(count_at, ncodes);
  prev_backtrace_.assign(frames.begin(), frames.end());
  return p;
}

Status TraceWriter::collect(uint64_t time_us, uint64_t obj_id) {
  if (obj_id >= next_id_) {
    return Status::error("collect: object " + std::to_string(obj_id) +
                         " was never allocated (next id " + std::to_string(next_id_) + ")");
  }
  size_t word = obj_id / 64;
  uint64_t bit = uint64_t{1} << (obj_id % 64);
  if (word >= collected_.size()) collected_.resize(std::max(word + 1, collected_.size() * 2));
  if ((collected_[word] & bit) != 0) {
    return Status::error("collect: object " + std::to_string(obj_id) + " was already collected");
  }
  collected_[word] |= bit;
  uint64_t t = clamp_time(time_us);
  reserve_event(t, kEventHeaderBytes + kMaxVintBytes);
  uint8_t* p = put_event_header(buf_.get() + used_, static_cast<uint8_t>(EventCode::kCollect), t);
  p = put_vint(p, static_cast<int64_t>(next_id_ - 1 - obj_id));
  used_ = static_cast<size_t>(p - buf_.get());
  return Status();
}

void TraceWriter::flush() {
  if (used_ == 0) return;
  emit_packet(buf_.get(), used_, packet_begin_time_, packet_end_time_, packet_first_id_, next_id_);
  used_ = 0;
}

void TraceWriter::emit_packet(uint8_t* begin, size_t size, uint64_t t_begin, uint64_t t_end,
                              uint64_t id_begin, uint64_t id_end) {
  assert(size <= kMaxPacketBytes);
  uint8_t* p = put_u32(begin, kPacketMagic);
  p = put_u32(p, static_cast<uint32_t>(size * 8));  // the size is in bits
  p = put_u64(p, t_begin);
  p = put_u64(p, t_end);
  p = put_u32(p, 0);  // flush_duration, unused
  p = put_u16(p, version_);
  p = put_u64(p, pid_);
  if (version_ >= 3) p = put_u16(p, 0);  // domain
  p = put_u16(p, kNoVerify);
  p = put_u16(p, 0);
  p = put_u64(p, 0);
  p = put_u64(p, id_begin);
  p = put_u64(p, id_end);
  assert(static_cast<size_t>(p - begin) == header_size());
  ++packets_;
  sink_.on_packet(std::span<const uint8_t>(begin, size));
}

}  // namespace vigil::trace
