// Symbolizer: turns code addresses of this process into source positions, with libdw.
// Thread: loop only. Never call it from the allocator hook: it allocates, reads files and
// takes libdw's internal locks.
//
// A return address from a backtrace becomes a list of frames, outermost first: the real
// function, then each function inlined into it at that address, down to the innermost
// inlined body (which holds the address). Function names are demangled
// ("vigil::net::Listener::accept(int)"); files and lines come from the DWARF line table and
// the DW_AT_call_* attributes of inlined subroutines. An address without debug info still
// gets one frame: the symbol if the ELF symbol table has one, else "module+0xOFFSET", with
// the module path as the file and line 0. Results are cached per address for the object's
// lifetime (modules are not expected to be unloaded while it lives).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace vigil::memprof {

struct SourceFrame {
  std::string function;  // demangled; never empty
  std::string file;      // "??" when unknown
  uint32_t line = 0;     // 0 when unknown
  uint32_t column = 0;   // 0 when unknown
  std::string module;    // the path of the ELF file that holds the address; "" when unknown
};

class Symbolizer {
 public:
  // Reports the modules mapped in this process now; new ones are found on a miss.
  Symbolizer();
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // Frames for `pc`, outermost first, never empty. `return_address` says that `pc` is the
  // address after a call (every backtrace frame but a signal frame), so the call itself is
  // looked up at pc - 1. The reference stays valid while this object lives.
  const std::vector<SourceFrame>& lookup(uintptr_t pc, bool return_address = true);

  size_t cached() const { return cache_.size(); }

 private:
  std::vector<SourceFrame> resolve(uintptr_t addr);
  void report_modules();

  struct Dw;
  std::unique_ptr<Dw> dw_;
  std::unordered_map<uintptr_t, std::vector<SourceFrame>> cache_;
};

// Demangles a C++ symbol name; returns it unchanged if it is not a mangled name.
std::string demangle(const char* name);

}  // namespace vigil::memprof
