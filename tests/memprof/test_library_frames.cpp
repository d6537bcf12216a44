// Which symbolized frames count as the standard library's allocation plumbing, and how
// many positions are stripped from the innermost end of a backtrace.
#include <doctest/doctest.h>

#include <vector>

#include "memprof/library_frames.h"

using vigil::memprof::is_library_frame;
using vigil::memprof::is_library_function;
using vigil::memprof::library_frames_to_strip;
using vigil::memprof::SourceFrame;
using vigil::memprof::SymbolizedPc;

TEST_CASE("standard-library functions are recognized by their qualified name") {
  CHECK(is_library_function("std::__new_allocator<char>::allocate(unsigned long, void const*)"));
  CHECK(
      is_library_function("std::allocator_traits<std::allocator<int> >::allocate("
                          "std::allocator<int>&, unsigned long)"));
  CHECK(is_library_function("__gnu_cxx::new_allocator<int>::allocate(unsigned long, void const*)"));
  CHECK(is_library_function("operator new(unsigned long)"));
  CHECK(is_library_function("operator new[](unsigned long, std::align_val_t)"));
  CHECK(is_library_function("__cxa_allocate_exception"));
  // Function templates carry a return type before the name.
  CHECK(
      is_library_function("void std::vector<int, std::allocator<int> >::_M_realloc_insert<int "
                          "const&>(__gnu_cxx::__normal_iterator<int*, std::vector<int> >, int "
                          "const&)"));
  CHECK(
      is_library_function("std::basic_ostream<char>& std::operator<< <std::char_traits<char> "
                          ">(std::basic_ostream<char>&, char const*)"));
  CHECK(is_library_function("strdup"));
  CHECK(is_library_function("__alloc_dir"));
}

TEST_CASE("the user's functions are not library code, whatever their parameters") {
  CHECK_FALSE(
      is_library_function("(anonymous namespace)::grow_vector(std::vector<unsigned long, "
                          "std::allocator<unsigned long> >&)"));
  CHECK_FALSE(is_library_function("vigil::net::Listener::accept(int)"));
  CHECK_FALSE(is_library_function("bool vigil::parse<std::vector<int> >(std::string_view)"));
  CHECK_FALSE(is_library_function("vigil::Writer::operator<<(std::ostream&)"));
  CHECK_FALSE(is_library_function("vigil::Pool::operator new(unsigned long)"));
  CHECK_FALSE(is_library_function("std_like::make()"));
  CHECK_FALSE(is_library_function("main"));
  CHECK_FALSE(is_library_function("init+0x1234"));
}

TEST_CASE("frames of libc and libstdc++ are library code, with or without debug info") {
  SourceFrame with_debug{"opendir_tail", "../sysdeps/unix/sysv/linux/opendir.c", 63, 0,
                         "/lib/x86_64-linux-gnu/libc.so.6"};
  CHECK(is_library_frame(with_debug));
  SourceFrame without{"libstdc++.so.6.0.30+0xd44a2",
                      "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", 0, 0, ""};
  CHECK(is_library_frame(without));
  SourceFrame user{"uv__malloc", "/lib/x86_64-linux-gnu/libuv.so.1", 0, 0,
                   "/lib/x86_64-linux-gnu/libuv.so.1"};
  CHECK_FALSE(is_library_frame(user));
  SourceFrame init{"vigil::Monitor::start()", "/init", 0, 0, "/init"};
  CHECK_FALSE(is_library_frame(init));
}

namespace {
SourceFrame fn(const char* name) { return SourceFrame{name, "x.cpp", 1, 0, "/bin/app"}; }
}  // namespace

TEST_CASE("the library run at the innermost end is stripped, across return addresses") {
  // Innermost first: strdup (a frame of its own), then the user's function with an inlined
  // std::string constructor, then main.
  std::vector<SourceFrame> a{fn("strdup")};
  std::vector<SourceFrame> b{fn("user()"), fn("std::string::string(char const*)"),
                             fn("std::string::_M_create(unsigned long&, unsigned long)")};
  std::vector<SourceFrame> c{fn("main")};
  std::vector<SymbolizedPc> pcs{a, b, c};
  CHECK(library_frames_to_strip(pcs) == 3);
  std::vector<SymbolizedPc> user_first{c, a};
  CHECK(library_frames_to_strip(user_first) == 0);
}

TEST_CASE("a backtrace that is library code throughout is kept whole") {
  std::vector<SourceFrame> a{fn("operator new(unsigned long)")};
  std::vector<SourceFrame> b{fn("std::thread::_State_impl<int>::_M_run()")};
  std::vector<SymbolizedPc> pcs{a, b};
  CHECK(library_frames_to_strip(pcs) == 0);
  CHECK(library_frames_to_strip({}) == 0);
}
