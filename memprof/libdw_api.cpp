#include "memprof/libdw_api.h"

#include "common/shared_library.h"

namespace vigil::memprof {
namespace {

struct Loaded {
  LibdwApi api{};
  Status status;
};

Loaded load() {
  Loaded l;
  Result<SharedLibrary> lib =
      SharedLibrary::open("libdw.so.1", "the symbolizer needs libdw: apt-get install libdw1");
  if (!lib.ok()) {
    l.status = lib.status();
    return l;
  }
#define VIGIL_LIBDW_RESOLVE(name) \
  if (l.status.ok()) l.status = lib->resolve(#name, l.api.name);
  VIGIL_LIBDW_FUNCTIONS(VIGIL_LIBDW_RESOLVE)
#undef VIGIL_LIBDW_RESOLVE
  return l;
}

const Loaded& loaded() {
  static const Loaded l = load();
  return l;
}

}  // namespace

const LibdwApi* libdw() { return loaded().status.ok() ? &loaded().api : nullptr; }

const std::string& libdw_error() { return loaded().status.message(); }

}  // namespace vigil::memprof
