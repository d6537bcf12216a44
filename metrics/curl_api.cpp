#include "metrics/curl_api.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>

namespace vigil::metrics {
namespace {

CurlApi api{};
Status loaded = Status();

// Resolves `name` into `fn`; false (with `why` set) when the library lacks it.
template <typename Fn>
bool resolve(void* lib, const char* name, Fn*& fn, std::string& why) {
  void* sym = dlsym(lib, name);
  if (sym == nullptr) {
    why = std::string("no symbol ") + name;
    return false;
  }
  fn = reinterpret_cast<Fn*>(sym);
  return true;
}

Status load_once() {
  const char* path = std::getenv("VIGIL_LIBCURL");
  if (path == nullptr || *path == '\0') path = "libcurl.so.4";
  const std::string fail = "influx-http needs libcurl: apt-get install libcurl4 (";
  void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return Status::error(fail + dlerror() + ")");
  std::string why;
  bool ok = resolve(lib, "curl_global_init", api.global_init, why) &&
            resolve(lib, "curl_easy_init", api.easy_init, why) &&
            resolve(lib, "curl_easy_setopt", api.easy_setopt, why) &&
            resolve(lib, "curl_easy_getinfo", api.easy_getinfo, why) &&
            resolve(lib, "curl_easy_strerror", api.easy_strerror, why) &&
            resolve(lib, "curl_easy_cleanup", api.easy_cleanup, why) &&
            resolve(lib, "curl_slist_append", api.slist_append, why) &&
            resolve(lib, "curl_slist_free_all", api.slist_free_all, why) &&
            resolve(lib, "curl_multi_init", api.multi_init, why) &&
            resolve(lib, "curl_multi_setopt", api.multi_setopt, why) &&
            resolve(lib, "curl_multi_add_handle", api.multi_add_handle, why) &&
            resolve(lib, "curl_multi_remove_handle", api.multi_remove_handle, why) &&
            resolve(lib, "curl_multi_assign", api.multi_assign, why) &&
            resolve(lib, "curl_multi_socket_action", api.multi_socket_action, why) &&
            resolve(lib, "curl_multi_info_read", api.multi_info_read, why) &&
            resolve(lib, "curl_multi_cleanup", api.multi_cleanup, why);
  // The library stays loaded for the life of the process: curl keeps global state.
  if (!ok) return Status::error(fail + path + ": " + why + ")");
  if (CURLcode rc = api.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
    return Status::error(fail + "curl_global_init failed: " + std::to_string(rc) + ")");
  }
  return Status();
}

}  // namespace

Status load_curl() {
  static std::once_flag once;
  std::call_once(once, [] { loaded = load_once(); });
  return loaded;
}

const CurlApi& curl() { return api; }

}  // namespace vigil::metrics
