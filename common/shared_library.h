// SharedLibrary: a library that vigil loads at run time (dlopen) instead of linking, and the
// functions it looks up in it. Only some features need libcurl (influx-http), libdw (the
// symbolizer) or libunwind (the sampler); linking them would map them, and what they pull
// in, into every idle vigil. Each feature opens its library when it first starts.
// Thread: any. The library stays loaded for the life of the process (never dlclose'd: the
// libraries keep global state, and function pointers taken from them must stay valid).
// Errors start with the caller's `need` text and end with the cause in brackets:
//   "influx-http needs libcurl: apt-get install libcurl4 (libcurl.so.4: cannot open ...)"
//   "influx-http needs libcurl: apt-get install libcurl4 (libcurl.so.4 has no curl_easy_init)"
#pragma once

#include <string>
#include <utility>

#include "common/status.h"

namespace vigil {

class SharedLibrary {
 public:
  // Loads `file` ("libcurl.so.4", or a path) with RTLD_NOW | RTLD_LOCAL, so that its
  // symbols interpose on nothing.
  static Result<SharedLibrary> open(const std::string& file, const std::string& need);

  // Looks up `name` into `fn`.
  template <class Fn>
  Status resolve(const char* name, Fn*& fn) const {
    void* symbol = find(name);
    if (symbol == nullptr) return Status::error(need_ + " (" + file_ + " has no " + name + ")");
    fn = reinterpret_cast<Fn*>(symbol);
    return Status();
  }

 private:
  SharedLibrary(void* handle, std::string file, std::string need)
      : handle_(handle), file_(std::move(file)), need_(std::move(need)) {}
  void* find(const char* name) const;

  void* handle_;
  std::string file_;
  std::string need_;
};

}  // namespace vigil
