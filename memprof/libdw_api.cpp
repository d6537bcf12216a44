#include "memprof/libdw_api.h"

#include <dlfcn.h>

namespace vigil::memprof {
namespace {

struct Loaded {
  LibdwApi api{};
  bool ok = false;
  std::string error;
};

template <class Fn>
bool resolve(void* lib, const char* name, Fn* out, std::string* error) {
  *out = reinterpret_cast<Fn>(dlsym(lib, name));
  if (*out == nullptr) *error = std::string("libdw.so.1 has no ") + name;
  return *out != nullptr;
}

Loaded load() {
  Loaded l;
  // Never closed: the symbolizer's cache and libdw's own state live until exit.
  void* lib = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    l.error = std::string("cannot load libdw.so.1 (apt-get install libdw1): ") +
              (why != nullptr ? why : "?");
    return l;
  }
  l.ok = true;
#define VIGIL_LIBDW_RESOLVE(name) l.ok = l.ok && resolve(lib, #name, &l.api.name, &l.error);
  VIGIL_LIBDW_FUNCTIONS(VIGIL_LIBDW_RESOLVE)
#undef VIGIL_LIBDW_RESOLVE
  return l;
}

const Loaded& loaded() {
  static const Loaded l = load();
  return l;
}

}  // namespace

const LibdwApi* libdw() { return loaded().ok ? &loaded().api : nullptr; }

const std::string& libdw_error() { return loaded().error; }

}  // namespace vigil::memprof
