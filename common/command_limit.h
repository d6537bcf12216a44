// The longest control command line, shared by the transport (net/, which frames lines and
// refuses longer ones) and the parser (control/), so the two cannot disagree
// (docs/control-protocol.md §1.3).
// Thread: any (constants).
#pragma once

#include <cstddef>
#include <string>

namespace vigil {

// The longest command line, in bytes, on either transport.
inline constexpr size_t kMaxCommandBytes = 4096;

// "error: command too long (limit 4096 bytes)" without the "error: ".
inline std::string too_long_message() {
  return "command too long (limit " + std::to_string(kMaxCommandBytes) + " bytes)";
}

}  // namespace vigil
