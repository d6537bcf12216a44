// Little-endian primitives of the memtrace format (spec §2): fixed-width integers, f64,
// NUL-terminated strings and the vint.
// Thread: any (pure functions on caller-owned memory).
//
// vint, as the OCaml writer chooses the form:
//   0..252                 -> 1 byte, the value itself          (5 => 05)
//   253..65535             -> FD + u16                          (253 => FD FD 00)
//   other int32 values     -> FE + u32, sign-extended on read   (65536 => FE 00 00 01 00)
//   everything else        -> FF + u64                          (2^31 => FF 00 00 00 80 0..)
// Values 2^31..2^32-1 must never use FE: the reader would sign-extend them into negatives.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace vigil::trace {

// The largest encoding of a vint.
inline constexpr size_t kMaxVintBytes = 9;

// Writers. Each REQUIRES room for the bytes at `p` and returns the position after them.
inline uint8_t* put_u8(uint8_t* p, uint8_t v) {
  *p = v;
  return p + 1;
}
inline uint8_t* put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  return p + 2;
}
inline uint8_t* put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
  return p + 4;
}
inline uint8_t* put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
  return p + 8;
}
inline uint8_t* put_f64(uint8_t* p, double v) {
  uint64_t bits = 0;
  static_assert(sizeof bits == sizeof v);
  std::memcpy(&bits, &v, sizeof bits);
  return put_u64(p, bits);
}
// Writes the bytes of `s` and a NUL. REQUIRES: `s` has no embedded NUL.
inline uint8_t* put_cstring(uint8_t* p, std::string_view s) {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  p[s.size()] = 0;
  return p + s.size() + 1;
}
// Writes `v` (a signed value, as the OCaml int it stands for) in its shortest vint form.
inline uint8_t* put_vint(uint8_t* p, int64_t v) {
  if (v >= 0 && v <= 252) return put_u8(p, static_cast<uint8_t>(v));
  if (v >= 253 && v <= 0xFFFF) return put_u16(put_u8(p, 0xFD), static_cast<uint16_t>(v));
  if (v >= INT32_MIN && v <= INT32_MAX) {
    return put_u32(put_u8(p, 0xFE), static_cast<uint32_t>(v));
  }
  return put_u64(put_u8(p, 0xFF), static_cast<uint64_t>(v));
}

// A bounds-checked read cursor. Every read past the end returns 0 and sets failed(); the
// caller checks failed() once per record. It never reads outside [begin, end).
class ByteCursor {
 public:
  ByteCursor(const uint8_t* begin, const uint8_t* end) : p_(begin), end_(end) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool failed() const { return failed_; }
  const uint8_t* position() const { return p_; }

  uint8_t u8() { return need(1) ? *p_++ : 0; }
  uint16_t u16() { return static_cast<uint16_t>(le(2)); }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  uint64_t u64() { return le(8); }
  double f64() {
    uint64_t bits = u64();
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  // Reads up to the next NUL and skips it; fails if there is none.
  std::string_view cstring() {
    const void* nul = failed_ ? nullptr : std::memchr(p_, 0, remaining());
    if (nul == nullptr) {
      failed_ = true;
      return {};
    }
    std::string_view s(reinterpret_cast<const char*>(p_),
                       static_cast<size_t>(static_cast<const uint8_t*>(nul) - p_));
    p_ += s.size() + 1;
    return s;
  }
  int64_t vint() {
    uint8_t tag = u8();
    switch (tag) {
      case 0xFD:
        return u16();
      case 0xFE:
        return static_cast<int32_t>(u32());
      case 0xFF:
        return static_cast<int64_t>(u64());
      default:
        return tag;
    }
  }

 private:
  bool need(size_t n) {
    if (failed_ || remaining() < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  uint64_t le(size_t n) {
    if (!need(n)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{p_[i]} << (8 * i);
    p_ += n;
    return v;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  bool failed_ = false;
};

}  // namespace vigil::trace
