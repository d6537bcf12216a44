#include "memprof/library_frames.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iterator>

namespace vigil::memprof {
namespace {

// The C library's functions that allocate for their caller, as they appear when libc has
// debug info (without it, the module name decides).
constexpr std::string_view kLibcAllocators[] = {
    "strdup",
    "__strdup",
    "strndup",
    "__strndup",
    "asprintf",
    "__asprintf",
    "vasprintf",
    "__vasprintf",
    "__vasprintf_internal",
    "getline",
    "getdelim",
    "__getdelim",
    "opendir",
    "__opendir",
    "fdopendir",
    "__fdopendir",
    "opendirat",
    "__opendirat",
    "__alloc_dir",
    "scandir",
    "scandirat",
    "realpath",
    "__realpath",
    "open_memstream",
    "fopen",
    "_IO_new_fopen",
    "__fopen_internal",
    "fdopen",
    "_IO_new_fdopen",
    "tsearch",
    "__tsearch",
    "__libc_alloc_buffer_allocate",
    "setvbuf",
    "_IO_file_doallocate",
};

// The standard library modules, by the start of their file name.
constexpr std::string_view kLibraryModules[] = {
    "libc.so", "libc-", "libstdc++.so", "libgcc_s.so", "libm.so", "ld-linux",
};

constexpr std::string_view kLibraryNamespaces[] = {
    "std::",
    "__gnu_cxx::",
    "__cxxabiv1::",
    "__cxa_",
};

// Skips the name of an operator that starts at f[i] ("operator<<", "operator new[]",
// "operator()"), so that its '<', '(' and spaces are not taken for syntax.
size_t skip_operator(std::string_view f, size_t i) {
  i += std::strlen("operator");
  if (i < f.size() && f[i] == ' ') {
    ++i;
    while (i < f.size() && (std::isalnum(static_cast<unsigned char>(f[i])) || f[i] == '_')) ++i;
  } else if (f.substr(i).starts_with("()")) {
    i += 2;
  }
  while (i < f.size() && std::strchr("<>=!+-*/%^&|~[],", f[i]) != nullptr) ++i;
  // "operator<< <std::char_traits<char> >(...)": the space before template arguments.
  if (f.substr(i).starts_with(" <")) ++i;
  return i;
}

// The qualified name of a demangled function: the text before its parameter list, without
// the return type that function templates carry ("void std::_Destroy<int*>(int*, int*)"
// gives "std::_Destroy<int*>").
std::string_view qualified_name(std::string_view f) {
  int depth = 0;
  size_t begin = 0;
  size_t i = 0;
  while (i < f.size()) {
    char c = f[i];
    if (f.compare(i, 8, "operator") == 0) {
      i = skip_operator(f, i);
      continue;
    }
    if (c == '<') {
      ++depth;
    } else if (c == '>') {
      --depth;
    } else if (depth == 0 && c == '(') {
      return f.substr(begin, i - begin);
    } else if (depth == 0 && c == ' ') {
      begin = i + 1;
    }
    ++i;
  }
  return f.substr(begin);
}

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool is_library_function(std::string_view function) {
  if (function.starts_with("operator new")) return true;
  std::string_view name = qualified_name(function);
  for (std::string_view ns : kLibraryNamespaces) {
    if (name.starts_with(ns)) return true;
  }
  return std::ranges::find(kLibcAllocators, name) != std::end(kLibcAllocators);
}

bool is_library_frame(const SourceFrame& frame) {
  if (is_library_function(frame.function)) return true;
  // Without debug info the file is the module's path.
  for (std::string_view path : {std::string_view(frame.module), std::string_view(frame.file)}) {
    std::string_view file = base_name(path);
    for (std::string_view m : kLibraryModules) {
      if (file.starts_with(m)) return true;
    }
  }
  return false;
}

size_t library_frames_to_strip(std::span<const SymbolizedPc> pcs) {
  size_t n = 0;
  for (SymbolizedPc frames : pcs) {
    for (size_t i = frames.size(); i > 0; --i) {
      if (!is_library_frame(frames[i - 1])) return n;
      ++n;
    }
  }
  return 0;  // library code throughout: keep it all
}

}  // namespace vigil::memprof
