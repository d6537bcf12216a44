#include "metrics/curl_api.h"

#include <cstdlib>
#include <mutex>
#include <string>

#include "common/shared_library.h"

namespace vigil::metrics {
namespace {

CurlApi api{};
Status loaded = Status();

Status load_once() {
  const char* path = std::getenv("VIGIL_LIBCURL");
  if (path == nullptr || *path == '\0') path = "libcurl.so.4";
  Result<SharedLibrary> lib =
      SharedLibrary::open(path, "influx-http needs libcurl: apt-get install libcurl4");
  if (!lib.ok()) return lib.status();
  for (Status st : {lib->resolve("curl_global_init", api.global_init),
                    lib->resolve("curl_easy_init", api.easy_init),
                    lib->resolve("curl_easy_setopt", api.easy_setopt),
                    lib->resolve("curl_easy_getinfo", api.easy_getinfo),
                    lib->resolve("curl_easy_strerror", api.easy_strerror),
                    lib->resolve("curl_easy_cleanup", api.easy_cleanup),
                    lib->resolve("curl_slist_append", api.slist_append),
                    lib->resolve("curl_slist_free_all", api.slist_free_all),
                    lib->resolve("curl_multi_init", api.multi_init),
                    lib->resolve("curl_multi_setopt", api.multi_setopt),
                    lib->resolve("curl_multi_add_handle", api.multi_add_handle),
                    lib->resolve("curl_multi_remove_handle", api.multi_remove_handle),
                    lib->resolve("curl_multi_assign", api.multi_assign),
                    lib->resolve("curl_multi_socket_action", api.multi_socket_action),
                    lib->resolve("curl_multi_info_read", api.multi_info_read),
                    lib->resolve("curl_multi_cleanup", api.multi_cleanup)}) {
    if (!st.ok()) return st;
  }
  if (CURLcode rc = api.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
    return Status::error("influx-http: curl_global_init failed: " + std::to_string(rc));
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
