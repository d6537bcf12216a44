#include "trace/trace_reader.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "trace/trace_bytes.h"

namespace vigil::trace {
namespace {

constexpr size_t kMaxDomains = 64;
constexpr size_t kMaxFrames = size_t{1} << 20;
constexpr size_t kVersionEnd = 30;  // the u16 version sits at offset 28 in every version

std::string at(uint64_t offset) { return " at byte " + std::to_string(offset); }

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// One move-to-front table (spec §7.1), decoding side.
struct NameTable {
  std::vector<std::string> names;  // most recent first, at most 31
};

// A filename entry owns its defname table. The table is shared by pointer because the
// decoder hands an evicted entry's table to the file that replaces it (spec §7.1 quirk).
struct FileEntry {
  std::string name;
  std::unique_ptr<NameTable> defs;
};

// Decodes one MTF index: a hit moves entry `i` to the front; 31 pushes a literal.
template <class T>
bool mtf_hit(std::vector<T>& table, unsigned i) {
  if (i >= table.size()) return false;
  std::rotate(table.begin(), table.begin() + i, table.begin() + i + 1);
  return true;
}

}  // namespace

// Decoder state of one domain (spec §9.1, §7.1, §3): it lives for the whole stream.
struct TraceReader::Domain {
  std::unique_ptr<uint64_t[]> val{new uint64_t[kCacheBuckets]()};
  std::unique_ptr<uint16_t[]> next{new uint16_t[kCacheBuckets]()};
  std::vector<uint64_t> last_backtrace;
  std::vector<uint64_t> scratch;
  std::vector<FileEntry> files;
  uint64_t last_time = 0;
};

// Decodes the events of one complete packet.
class TraceReader::PacketDecoder {
 public:
  PacketDecoder(TraceReader& r, const PacketHeader& h, Domain& d, std::span<const uint8_t> body,
                TraceVisitor& v)
      : r_(r), h_(h), d_(d), in_(body.data(), body.data() + body.size()), v_(v) {}

  Status run() {
    if (h_.verify_ix != kNoVerify &&
        (h_.verify_ix >= kCacheBuckets || d_.next[h_.verify_ix] != h_.verify_pred ||
         d_.val[h_.verify_ix] != h_.verify_value)) {
      return Status::error("backtrace cache verification failed" + at(h_.offset));
    }
    uint64_t id = h_.alloc_id_begin;
    while (in_.remaining() > 0) {
      uint64_t ev_offset = offset();
      Status s = event(id);
      if (!s.ok()) return s;
      if (in_.failed()) {
        return Status::error("event runs past the end of its packet" + at(ev_offset));
      }
    }
    if (id != h_.alloc_id_end) {
      return Status::error("alloc id sync: packet" + at(h_.offset) + " declares ids " +
                           std::to_string(h_.alloc_id_begin) + ".." +
                           std::to_string(h_.alloc_id_end) + " but holds allocations up to " +
                           std::to_string(id));
    }
    return Status();
  }

 private:
  uint64_t offset() const { return h_.offset + h_.size_bytes - in_.remaining(); }

  Status event(uint64_t& id) {
    uint64_t ev_offset = offset();
    uint32_t word = in_.u32();
    if (in_.failed()) return Status::error("truncated event header" + at(ev_offset));
    unsigned code = word >> kTimeBits;
    uint64_t t = (h_.time_begin & ~kTimeMask) + (word & kTimeMask);
    if ((word & kTimeMask) < (h_.time_begin & kTimeMask)) t += kTimeMask + 1;
    if (t < h_.time_begin || t > h_.time_end) {
      return Status::error("event time outside its packet's bounds" + at(ev_offset));
    }
    if (t < d_.last_time) return Status::error("timestamps decrease" + at(ev_offset));
    d_.last_time = t;
    switch (code) {
      case 0:
        return Status::error("a second trace-info event" + at(ev_offset));
      case 1:
        return location(t, ev_offset);
      case 2: {
        int64_t length = in_.vint();
        int64_t nsamples = in_.vint();
        uint8_t source = in_.u8();
        if (!in_.failed() && source > 2) {
          return Status::error("unknown allocation source " + std::to_string(source) +
                               at(ev_offset));
        }
        return alloc(t, id, length, nsamples, static_cast<Source>(source), true, ev_offset);
      }
      case 3:
      case 4: {
        int64_t delta = in_.vint();
        if (code == 3 && delta < 0)
          return Status::error("promote of a later object" + at(ev_offset));
        ObjectEvent e{t, static_cast<int64_t>(id - 1 - static_cast<uint64_t>(delta)), h_.domain};
        if (in_.failed()) return Status();
        code == 3 ? v_.on_promote(e) : v_.on_collect(e);
        return Status();
      }
      default:
        if (code >= 101 && code <= 116) {
          return alloc(t, id, code - 100, 1, Source::kMinor, false, ev_offset);
        }
        return Status::error("unknown event code " + std::to_string(code) + at(ev_offset));
    }
  }

  Status location(uint64_t t, uint64_t ev_offset) {
    uint64_t code = in_.u64();
    unsigned n = in_.u8();
    positions_.clear();
    for (unsigned i = 0; i < n && !in_.failed(); ++i) {
      uint64_t packed = in_.u32();
      packed |= uint64_t{in_.u16()} << 32;
      if (in_.failed()) break;
      auto fi = static_cast<unsigned>((packed >> 38) & 0x1F);
      auto di = static_cast<unsigned>((packed >> 43) & 0x1F);
      auto& files = d_.files;
      if (fi == kMtfLength) {
        std::string_view name = in_.cstring();
        if (in_.failed()) break;
        std::unique_ptr<NameTable> defs;
        if (files.size() == kMtfLength) {
          defs = std::move(files.back().defs);
          files.pop_back();
        } else {
          defs = std::make_unique<NameTable>();
        }
        files.push_back(FileEntry{std::string(name), std::move(defs)});
        std::rotate(files.begin(), files.end() - 1, files.end());
      } else if (!mtf_hit(files, fi)) {
        return Status::error("filename table index " + std::to_string(fi) + " is empty" +
                             at(ev_offset));
      }
      auto& defs = files.front().defs->names;
      if (di == kMtfLength) {
        std::string_view name = in_.cstring();
        if (in_.failed()) break;
        if (defs.size() == kMtfLength) defs.pop_back();
        defs.emplace_back(name);
        std::rotate(defs.begin(), defs.end() - 1, defs.end());
      } else if (!mtf_hit(defs, di)) {
        return Status::error("function name table index " + std::to_string(di) + " is empty" +
                             at(ev_offset));
      }
      positions_.push_back({files.front().name, defs.front(),
                            static_cast<uint32_t>(packed & kMaxLine),
                            static_cast<uint32_t>((packed >> 20) & kMaxStartChar),
                            static_cast<uint32_t>((packed >> 28) & kMaxEndChar)});
    }
    if (in_.failed()) return Status();  // reported by the caller
    auto [it, fresh] = r_.locations_.try_emplace(code, positions_);
    if (!fresh && it->second != positions_) {
      return Status::error("location " + hex(code) + " redefined differently" + at(ev_offset));
    }
    if (fresh) v_.on_location(t, code, it->second);
    return Status();
  }

  // Decodes the backtrace of an allocation and reports it (spec §8, §9.2).
  Status alloc(uint64_t t, uint64_t& id, int64_t length, int64_t nsamples, Source source,
               bool long_form, uint64_t ev_offset) {
    int64_t prefix = in_.vint();
    unsigned ncodes = long_form ? in_.u16() : in_.u8();
    if (in_.failed()) return Status();
    if (prefix < 0) return Status::error("negative backtrace prefix" + at(ev_offset));
    // A prefix longer than the previous backtrace happens after a truncated one: the decoder
    // still runs (to keep the cache in step) but reports the previous backtrace.
    bool extend = static_cast<uint64_t>(prefix) <= d_.last_backtrace.size();
    std::vector<uint64_t>& out = extend ? d_.last_backtrace : d_.scratch;
    out.resize(extend ? static_cast<size_t>(prefix) : 0);
    size_t first_new = out.size();
    uint16_t prev = 0;
    for (unsigned c = 0; c < ncodes; ++c) {
      uint16_t word = in_.u16();
      uint16_t b = word >> 2;
      unsigned tag = word & 3;
      d_.next[prev] = b;
      if (tag == 3) {
        d_.val[b] = in_.u64();
        out.push_back(d_.val[b]);
        prev = b;
      } else {
        unsigned k = tag == 2 ? in_.u8() : tag;
        out.push_back(d_.val[b]);
        for (prev = b; k > 0; --k) {
          prev = d_.next[prev];
          out.push_back(d_.val[prev]);
        }
      }
      if (in_.failed()) return Status();
      if (out.size() > kMaxFrames) return Status::error("backtrace too long" + at(ev_offset));
    }
    for (size_t i = first_new; extend && i < out.size(); ++i) {
      if (r_.lookup(out[i]) == nullptr) {
        return Status::error("location " + hex(out[i]) + " used before its definition" +
                             at(ev_offset));
      }
    }
    AllocEvent e;
    e.time_us = t;
    e.obj_id = static_cast<int64_t>(id++);
    e.length = length;
    e.nsamples = nsamples;
    e.source = source;
    e.domain = h_.domain;
    e.common_prefix = prefix;
    e.backtrace = d_.last_backtrace;
    v_.on_alloc(e);
    return Status();
  }

  TraceReader& r_;
  const PacketHeader& h_;
  Domain& d_;
  ByteCursor in_;
  TraceVisitor& v_;
  std::vector<Position> positions_;
};

TraceReader::TraceReader() = default;
TraceReader::~TraceReader() = default;

const std::vector<Position>* TraceReader::lookup(uint64_t code) const {
  auto it = locations_.find(code);
  return it == locations_.end() ? nullptr : &it->second;
}

Result<TraceReader::Domain*> TraceReader::domain(uint16_t id) {
  auto it = domains_.find(id);
  if (it != domains_.end()) return it->second.get();
  if (domains_.size() >= kMaxDomains) {
    return Status::error("more than " + std::to_string(kMaxDomains) + " domains");
  }
  auto d = std::make_unique<Domain>();
  d->last_time = info_.start_time_us;
  return domains_.emplace(id, std::move(d)).first->second.get();
}

Result<PacketHeader> TraceReader::read_header(std::span<const uint8_t> avail, uint64_t offset,
                                              bool* need_more) const {
  ByteCursor in(avail.data(), avail.data() + avail.size());
  uint64_t left = in.remaining();
  uint32_t magic = in.u32();
  if (left >= 4 && magic != kPacketMagic) {
    return Status::error("not a memtrace packet (bad magic)" + at(offset));
  }
  PacketHeader h;
  h.offset = offset;
  uint32_t bits = in.u32();
  h.time_begin = in.u64();
  h.time_end = in.u64();
  in.u32();  // flush_duration
  h.version = in.u16();
  size_t header = left >= kVersionEnd && h.version >= 3 ? kHeaderSizeV3 : kHeaderSizeV2;
  if (need_more != nullptr && (left < kVersionEnd || left < header)) {
    *need_more = true;
    return Status::error("incomplete");
  }
  if (left < header) {
    return Status::error("truncated packet header" + at(offset) + ": " + std::to_string(left) +
                         " of " + std::to_string(header) + " bytes");
  }
  if (h.version < 1 || h.version > 3) {
    return Status::error("unsupported format version " + std::to_string(h.version) + at(offset) +
                         " (expected 1, 2 or 3)");
  }
  h.pid = in.u64();
  if (h.version >= 3) h.domain = in.u16();
  h.verify_ix = in.u16();
  h.verify_pred = in.u16();
  h.verify_value = in.u64();
  h.alloc_id_begin = in.u64();
  h.alloc_id_end = in.u64();
  h.size_bytes = bits / 8;
  if (bits % 8 != 0 || h.size_bytes < header || h.size_bytes - header > kMaxPacketBytes) {
    return Status::error("bad packet size of " + std::to_string(bits) + " bits" + at(offset));
  }
  if (h.time_end < h.time_begin) return Status::error("packet ends before it begins" + at(offset));
  if (left < h.size_bytes) {
    if (need_more != nullptr) {
      *need_more = true;
      return Status::error("incomplete");
    }
    return Status::error("truncated packet" + at(offset) + ": " + std::to_string(left) + " of " +
                         std::to_string(h.size_bytes) + " bytes present");
  }
  return h;
}

Status TraceReader::read_info(std::span<const uint8_t> packet, const PacketHeader& h,
                              TraceVisitor& v) {
  size_t header = h.version >= 3 ? kHeaderSizeV3 : kHeaderSizeV2;
  ByteCursor in(packet.data() + header, packet.data() + packet.size());
  uint32_t word = in.u32();
  if (!in.failed() && (word >> kTimeBits) != 0) {
    return Status::error("the first packet does not start with a trace-info event");
  }
  info_.sample_rate = in.f64();
  info_.word_size = in.u8();
  info_.executable_name = in.cstring();
  info_.host_name = in.cstring();
  info_.ocaml_runtime_params = in.cstring();
  info_.pid = in.u64();
  info_.context = h.version >= 2 ? std::string(in.cstring()) : std::string();
  info_.start_time_us = h.time_begin;
  if (in.failed()) return Status::error("truncated trace-info event");
  if ((word & kTimeMask) != (h.time_begin & kTimeMask)) {
    return Status::error("trace-info time differs from its packet's start");
  }
  if (in.remaining() != 0) return Status::error("extra bytes after the trace-info event");
  v.on_info(info_, h);
  return Status();
}

Status TraceReader::packet(std::span<const uint8_t> bytes, const PacketHeader& h,
                           TraceVisitor& visitor) {
  if (!have_info_) {
    Status s = read_info(bytes, h, visitor);
    if (!s.ok()) return s;
    have_info_ = true;
    Result<Domain*> initial = domain(h.domain);
    return initial.ok() ? Status() : initial.status();
  }
  if (h.pid != info_.pid) {
    ++skipped_packets_;
    return Status();
  }
  Result<Domain*> d = domain(h.domain);
  if (!d.ok()) return Status::error(d.status().message() + at(h.offset));
  size_t header = h.version >= 3 ? kHeaderSizeV3 : kHeaderSizeV2;
  visitor.on_packet(h);
  return PacketDecoder(*this, h, **d, bytes.subspan(header, h.size_bytes - header), visitor).run();
}

void TraceReader::start() {
  info_ = TraceInfo();
  locations_.clear();
  domains_.clear();
  complete_bytes_ = 0;
  skipped_packets_ = 0;
  have_info_ = false;
  pending_.clear();
  error_ = Status();
}

Status TraceReader::read(std::span<const uint8_t> bytes, TraceVisitor& visitor) {
  start();
  if (bytes.empty()) return Status::error("empty input: not a memtrace trace");
  for (uint64_t offset = 0; offset < bytes.size();) {
    Result<PacketHeader> h = read_header(bytes.subspan(offset), offset);
    if (!h.ok()) return h.status();
    Status s = packet(bytes.subspan(offset, h->size_bytes), *h, visitor);
    if (!s.ok()) return s;
    offset += h->size_bytes;
    complete_bytes_ = offset;
  }
  return Status();
}

Status TraceReader::feed(std::span<const uint8_t> bytes, TraceVisitor& visitor) {
  if (!error_.ok()) return error_;
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  size_t pos = 0;
  while (pos < pending_.size()) {
    std::span<const uint8_t> avail = std::span<const uint8_t>(pending_).subspan(pos);
    bool need_more = false;
    Result<PacketHeader> h = read_header(avail, complete_bytes_, &need_more);
    if (need_more) break;
    if (h.ok()) error_ = packet(avail.subspan(0, h->size_bytes), *h, visitor);
    if (!h.ok()) error_ = h.status();
    if (!error_.ok()) break;
    pos += h->size_bytes;
    complete_bytes_ += h->size_bytes;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pos));
  return error_;
}

Status TraceReader::finish() {
  if (!error_.ok()) return error_;
  if (complete_bytes_ == 0 && pending_.empty()) {
    error_ = Status::error("empty input: not a memtrace trace");
  } else if (!pending_.empty()) {
    Result<PacketHeader> h = read_header(pending_, complete_bytes_);
    error_ = h.ok() ? Status::error("internal: a complete packet was left undecoded") : h.status();
  }
  return error_;
}

}  // namespace vigil::trace
