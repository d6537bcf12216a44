// libcurl, loaded at run time. vigil does not link libcurl: an `influx-http` output with an
// https:// url is the only user (http:// has vigil's own client, metrics/http_client.h),
// and libcurl with its ~30 libraries would otherwise be mapped by every vigil, most of its
// idle footprint. The first such output calls load_curl() (metrics/influx_outputs.cpp), which
// dlopens libcurl.so.4 and resolves the functions below; every call into libcurl goes
// through curl().
// Thread: load_curl() may be called from any thread (once-only inside); curl() only after
// it returned ok. The functions themselves keep libcurl's own thread rules.
//
// The library's path is $VIGIL_LIBCURL when set (a test uses it to stand for a machine
// without libcurl), else "libcurl.so.4" through the loader's search path.
#pragma once

// The function-pointer calls below bypass curl's type-checking macros anyway.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "common/status.h"

namespace vigil::metrics {

struct CurlApi {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL* easy, CURLoption option, ...);
  CURLcode (*easy_getinfo)(CURL* easy, CURLINFO info, ...);
  const char* (*easy_strerror)(CURLcode code);
  void (*easy_cleanup)(CURL* easy);
  curl_slist* (*slist_append)(curl_slist* list, const char* text);
  void (*slist_free_all)(curl_slist* list);
  CURLM* (*multi_init)();
  CURLMcode (*multi_setopt)(CURLM* multi, CURLMoption option, ...);
  CURLMcode (*multi_add_handle)(CURLM* multi, CURL* easy);
  CURLMcode (*multi_remove_handle)(CURLM* multi, CURL* easy);
  CURLMcode (*multi_assign)(CURLM* multi, curl_socket_t fd, void* data);
  CURLMcode (*multi_socket_action)(CURLM* multi, curl_socket_t fd, int mask, int* running);
  CURLMsg* (*multi_info_read)(CURLM* multi, int* left);
  CURLMcode (*multi_cleanup)(CURLM* multi);
};

// Loads libcurl and runs curl_global_init once per process. Later calls return the first
// call's result. The error reads "influx-http needs libcurl: apt-get install libcurl4
// (REASON)".
Status load_curl();

// REQUIRES: load_curl() returned ok.
const CurlApi& curl();

}  // namespace vigil::metrics
