// libdw (elfutils), loaded at run time. Only the symbolizer uses it, and only once a trace
// client connects; linking it would map libdw, libelf and their compressors (about 0.4 MB of
// resident pages) into every idle vigil. The first Symbolizer calls libdw(), which dlopens
// libdw.so.1 and resolves the functions below; every call into libdw goes through it.
// Thread: loop only (the symbolizer's thread); the first call loads, later calls return the
// same table. Errors: a missing library or symbol gives nullptr, and libdw_error() says why;
// the symbolizer then names frames by module and offset.
#pragma once

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <string>

namespace vigil::memprof {

#define VIGIL_LIBDW_FUNCTIONS(X) \
  X(dwarf_attr)                  \
  X(dwarf_attr_integrate)        \
  X(dwarf_diename)               \
  X(dwarf_filesrc)               \
  X(dwarf_formstring)            \
  X(dwarf_formudata)             \
  X(dwarf_getscopes)             \
  X(dwarf_getscopes_die)         \
  X(dwarf_getsrcfiles)           \
  X(dwarf_tag)                   \
  X(dwfl_addrmodule)             \
  X(dwfl_begin)                  \
  X(dwfl_end)                    \
  X(dwfl_lineinfo)               \
  X(dwfl_linux_proc_find_elf)    \
  X(dwfl_linux_proc_report)      \
  X(dwfl_module_addrdie)         \
  X(dwfl_module_addrname)        \
  X(dwfl_module_getsrc)          \
  X(dwfl_module_info)            \
  X(dwfl_report_begin)           \
  X(dwfl_report_end)             \
  X(dwfl_standard_find_debuginfo)

struct LibdwApi {
#define VIGIL_LIBDW_POINTER(name) decltype(&::name) name;
  VIGIL_LIBDW_FUNCTIONS(VIGIL_LIBDW_POINTER)
#undef VIGIL_LIBDW_POINTER
};

// The loaded table, or nullptr when libdw.so.1 (or one of its functions) is missing.
const LibdwApi* libdw();

// Why libdw() returned nullptr ("" when it did not).
const std::string& libdw_error();

}  // namespace vigil::memprof
