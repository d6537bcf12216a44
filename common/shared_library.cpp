#include "common/shared_library.h"

#include <dlfcn.h>

namespace vigil {

Result<SharedLibrary> SharedLibrary::open(const std::string& file, const std::string& need) {
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status::error(need + " (" + (why != nullptr ? why : file + ": dlopen failed") + ")");
  }
  return SharedLibrary(handle, file, need);
}

void* SharedLibrary::find(const char* name) const { return dlsym(handle_, name); }

}  // namespace vigil
