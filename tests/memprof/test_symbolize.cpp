#include <doctest/doctest.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <unistd.h>

#include <string>

#include "memprof/symbolize.h"

using vigil::memprof::Symbolizer;

namespace {

__attribute__((always_inline)) inline uintptr_t inner_inlined_capture() {
  void* frames[2];
  unw_backtrace(frames, 2);
  return reinterpret_cast<uintptr_t>(frames[0]);
}

__attribute__((noinline)) uintptr_t outer_capture() {
  uintptr_t pc = inner_inlined_capture();
  asm volatile("" : : "r"(pc) : "memory");
  return pc;
}

}  // namespace

TEST_CASE("a return address resolves to its function, file and line") {
  Symbolizer sym;
  const auto& frames = sym.lookup(outer_capture());
  REQUIRE(!frames.empty());
  CHECK(frames.front().function.find("outer_capture") != std::string::npos);
  CHECK(frames.back().file.find("test_symbolize.cpp") != std::string::npos);
  CHECK(frames.back().line > 0);
}

TEST_CASE("an inlined call shows the inlined function inside its caller") {
  Symbolizer sym;
  const auto& frames = sym.lookup(outer_capture());
  REQUIRE(frames.size() >= 2);
  CHECK(frames.front().function.find("outer_capture") != std::string::npos);
  CHECK(frames.back().function.find("inner_inlined_capture") != std::string::npos);
  CHECK(frames.front().file.find("test_symbolize.cpp") != std::string::npos);
}

TEST_CASE("lookups are cached per address") {
  Symbolizer sym;
  uintptr_t pc = outer_capture();
  const auto* first = &sym.lookup(pc);
  CHECK(&sym.lookup(pc) == first);
  CHECK(sym.cached() == 1);
}

TEST_CASE("an address outside every module still gets a name") {
  Symbolizer sym;
  const auto& frames = sym.lookup(0x10, false);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].function == "0x10");
  CHECK(frames[0].file == "??");
}

TEST_CASE("a library function without debug info gets its symbol and module") {
  Symbolizer sym;
  const auto& frames = sym.lookup(reinterpret_cast<uintptr_t>(&getppid), false);
  REQUIRE(!frames.empty());
  CHECK(frames.back().function.find("getppid") != std::string::npos);
}

TEST_CASE("demangling turns a mangled name into a readable one and leaves others alone") {
  CHECK(vigil::memprof::demangle("_ZN5vigil7memprof10SymbolizerD2Ev") ==
        "vigil::memprof::Symbolizer::~Symbolizer()");
  CHECK(vigil::memprof::demangle("main") == "main");
}
