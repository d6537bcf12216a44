// Which symbolized frames are the standard library's allocation plumbing, so that an
// allocation site is the user's code instead of std::__new_allocator<T>::allocate or
// libc's __alloc_dir. Thread: any (pure functions, no I/O).
//
// A frame is library code when its function is a C++ standard-library function (its
// qualified name, return type skipped, starts with std::, __gnu_cxx::, __cxxabiv1:: or
// __cxa_, or it is an operator new), one of the C library's allocating functions (strdup,
// opendir, __alloc_dir, getline, ...), or it lies in a standard library module
// (libc.so.6, libstdc++.so.6, libgcc_s, libm, the dynamic loader), with or without its
// debug info.
//
// The hook strips its own frames (malloc, operator new, ...) from the innermost end when
// it unwinds; TraceEncoder then strips library frames from the same end with
// library_frames_to_strip(), position by position, since an inlined std::vector::push_back
// shares its return address with the user's function that it is inlined into.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "memprof/symbolize.h"

namespace vigil::memprof {

// True iff `function` (demangled, as SourceFrame::function) is standard-library code.
bool is_library_function(std::string_view function);

// True iff `frame` is standard-library code: by its function, or by its module (or, for
// a frame without debug info, its file) being a standard library module.
bool is_library_frame(const SourceFrame& frame);

// One return address, symbolized: its frames outermost first (Symbolizer::lookup()).
using SymbolizedPc = std::span<const SourceFrame>;

// How many positions to strip from the innermost end of a backtrace whose addresses are
// `pcs`, innermost first, each symbolized outermost first: the run of library frames at the
// innermost end. Never all of them: a backtrace that is library code throughout is kept
// whole (returns 0).
size_t library_frames_to_strip(std::span<const SymbolizedPc> pcs);

}  // namespace vigil::memprof
