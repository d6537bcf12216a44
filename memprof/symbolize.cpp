#include "memprof/symbolize.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "memprof/libdw_api.h"

namespace vigil::memprof {

struct Symbolizer::Dw {
  Dwfl_Callbacks callbacks{};
  Dwfl* dwfl = nullptr;
  char* debuginfo_path = nullptr;
};

namespace {

std::string hex_name(const char* module, uint64_t offset) {
  char buf[40];
  snprintf(buf, sizeof buf, "%s0x%" PRIx64, *module != '\0' ? "+" : "", offset);
  return std::string(module) + buf;
}

const char* base_name(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

// The function a DIE names: its linkage name demangled (qualified, with parameters), else
// its plain DW_AT_name; abstract origins and specifications are followed.
std::string die_function(Dwarf_Die* die) {
  const LibdwApi* dw = libdw();
  Dwarf_Attribute attr;
  for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
    if (dw->dwarf_attr_integrate(die, at, &attr) != nullptr) {
      if (const char* s = dw->dwarf_formstring(&attr)) return demangle(s);
    }
  }
  const char* name = dw->dwarf_diename(die);
  return name != nullptr ? name : "";
}

uint32_t attr_udata(Dwarf_Die* die, int at) {
  const LibdwApi* dw = libdw();
  Dwarf_Attribute attr;
  Dwarf_Word v = 0;
  if (dw->dwarf_attr(die, at, &attr) == nullptr || dw->dwarf_formudata(&attr, &v) != 0) return 0;
  return static_cast<uint32_t>(std::min<Dwarf_Word>(v, UINT32_MAX));
}

}  // namespace

std::string demangle(const char* name) {
  int status = 0;
  char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || out == nullptr) return name;
  std::string result(out);
  free(out);
  return result;
}

Symbolizer::Symbolizer() : dw_(std::make_unique<Dw>()) {
  const LibdwApi* dw = libdw();
  if (dw == nullptr) return;  // frames are then named by module and offset
  dw_->callbacks.find_elf = dw->dwfl_linux_proc_find_elf;
  dw_->callbacks.find_debuginfo = dw->dwfl_standard_find_debuginfo;
  dw_->callbacks.debuginfo_path = &dw_->debuginfo_path;
  dw_->dwfl = dw->dwfl_begin(&dw_->callbacks);
  report_modules();
}

Symbolizer::~Symbolizer() {
  if (dw_->dwfl != nullptr) libdw()->dwfl_end(dw_->dwfl);
}

void Symbolizer::report_modules() {
  if (dw_->dwfl == nullptr) return;
  const LibdwApi* dw = libdw();
  dw->dwfl_report_begin(dw_->dwfl);
  dw->dwfl_linux_proc_report(dw_->dwfl, getpid());
  dw->dwfl_report_end(dw_->dwfl, nullptr, nullptr);
}

const std::vector<SourceFrame>& Symbolizer::lookup(uintptr_t pc, bool return_address) {
  uintptr_t addr = return_address && pc > 0 ? pc - 1 : pc;
  auto it = cache_.find(addr);
  if (it != cache_.end()) return it->second;
  return cache_.emplace(addr, resolve(addr)).first->second;
}

std::vector<SourceFrame> Symbolizer::resolve(uintptr_t addr) {
  const LibdwApi* dw = libdw();  // not null when dwfl is set
  Dwfl_Module* mod = dw_->dwfl != nullptr ? dw->dwfl_addrmodule(dw_->dwfl, addr) : nullptr;
  if (mod == nullptr && dw_->dwfl != nullptr) {
    report_modules();  // a library loaded after the last report
    mod = dw->dwfl_addrmodule(dw_->dwfl, addr);
  }
  if (mod == nullptr) return {SourceFrame{hex_name("", addr), "??", 0, 0, ""}};

  Dwarf_Addr start = 0;
  const char* module =
      dw->dwfl_module_info(mod, nullptr, &start, nullptr, nullptr, nullptr, nullptr, nullptr);
  if (module == nullptr) module = "??";
  const char* symbol = dw->dwfl_module_addrname(mod, addr);
  std::string outer =
      symbol != nullptr ? demangle(symbol) : hex_name(base_name(module), addr - start);

  // The innermost position comes from the line table.
  SourceFrame cur{"", module, 0, 0, module};
  if (Dwfl_Line* line = dw->dwfl_module_getsrc(mod, addr)) {
    int lineno = 0, col = 0;
    if (const char* file = dw->dwfl_lineinfo(line, nullptr, &lineno, &col, nullptr, nullptr)) {
      cur.file = file;
      cur.line = static_cast<uint32_t>(std::max(lineno, 0));
      cur.column = static_cast<uint32_t>(std::max(col, 0));
    }
  }

  // Walk the scopes from the innermost: each inlined subroutine is a frame whose caller sits
  // at its DW_AT_call_file:DW_AT_call_line; the enclosing subprogram ends the chain.
  // dwarf_getscopes() continues an inlined instance with the scopes of its abstract
  // definition (for variable lookup), so only its innermost DIE is used: the chain of DIEs
  // that really contain that one, from dwarf_getscopes_die(), holds every inlined caller.
  std::vector<SourceFrame> frames;  // innermost first while building
  Dwarf_Addr bias = 0;
  if (Dwarf_Die* cu = dw->dwfl_module_addrdie(mod, addr, &bias)) {
    Dwarf_Die* scopes = nullptr;
    int n = dw->dwarf_getscopes(cu, addr - bias, &scopes);
    if (n > 0) {
      Dwarf_Die innermost = scopes[0];
      free(scopes);
      scopes = nullptr;
      n = dw->dwarf_getscopes_die(&innermost, &scopes);
    }
    Dwarf_Files* files = nullptr;
    size_t nfiles = 0;
    if (dw->dwarf_getsrcfiles(cu, &files, &nfiles) != 0) files = nullptr;
    for (int i = 0; i < n; ++i) {
      int tag = dw->dwarf_tag(&scopes[i]);
      if (tag != DW_TAG_inlined_subroutine) {
        if (tag == DW_TAG_subprogram) break;
        continue;
      }
      cur.function = die_function(&scopes[i]);
      if (cur.function.empty()) cur.function = outer;
      frames.push_back(cur);
      cur = SourceFrame{"", "??", attr_udata(&scopes[i], DW_AT_call_line),
                        attr_udata(&scopes[i], DW_AT_call_column), ""};
      uint32_t file_ix = attr_udata(&scopes[i], DW_AT_call_file);
      if (files != nullptr && file_ix < nfiles) {
        if (const char* f = dw->dwarf_filesrc(files, file_ix, nullptr, nullptr)) cur.file = f;
      }
    }
    free(scopes);
  }
  cur.function = outer;
  frames.push_back(cur);
  for (SourceFrame& f : frames) f.module = module;
  std::reverse(frames.begin(), frames.end());
  return frames;
}

}  // namespace vigil::memprof
