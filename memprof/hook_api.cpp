// The allocator entry points: the C API and every operator new/delete. Each one is the mi_*
// call when tracing is off; the tracing paths are in hook.cpp. Rules: see hook.h.
#include <errno.h>
#include <malloc.h>
#include <mimalloc.h>
#include <stdlib.h>
#include <unistd.h>

#include <new>

#include "memprof/hook_internal.h"

// The C allocator API. Each entry point is the mi_* call when tracing is off.
using vigil::memprof::detail::active_session;
using vigil::memprof::detail::traced_alloc;
using vigil::memprof::detail::traced_free;
using vigil::memprof::detail::traced_realloc;
using vigil::memprof::detail::tracing;

namespace {

bool valid_alignment(size_t align) { return align != 0 && (align & (align - 1)) == 0; }

size_t page_size() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

}  // namespace

extern "C" {

VIGIL_HOOK_FN void* malloc(size_t n) noexcept {
  uint32_t s = active_session();
  if (s == 0) return mi_malloc(n);
  return traced_alloc(n, 0, false, s);
}

VIGIL_HOOK_FN void free(void* p) noexcept {
  if (!tracing()) return mi_free(p);
  traced_free(p);
}

VIGIL_HOOK_FN void* calloc(size_t count, size_t size) noexcept {
  uint32_t s = active_session();
  if (s == 0) return mi_calloc(count, size);
  size_t n;
  if (__builtin_mul_overflow(count, size, &n)) {
    errno = ENOMEM;
    return nullptr;
  }
  return traced_alloc(n, 0, true, s);
}

VIGIL_HOOK_FN void* realloc(void* p, size_t n) noexcept {
  uint32_t s = active_session();
  if (s == 0) return mi_realloc(p, n);
  return traced_realloc(p, n, s);
}

VIGIL_HOOK_FN void* reallocarray(void* p, size_t count, size_t size) noexcept {
  size_t n;
  if (__builtin_mul_overflow(count, size, &n)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(p, n);
}

VIGIL_HOOK_FN int posix_memalign(void** out, size_t align, size_t n) noexcept {
  uint32_t s = active_session();
  if (s == 0 || !valid_alignment(align) || align % sizeof(void*) != 0) {
    return mi_posix_memalign(out, align, n);
  }
  void* p = traced_alloc(n, align, false, s);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

VIGIL_HOOK_FN void* aligned_alloc(size_t align, size_t n) noexcept {
  uint32_t s = active_session();
  if (s == 0 || !valid_alignment(align)) return mi_aligned_alloc(align, n);
  return traced_alloc(n, align, false, s);
}

VIGIL_HOOK_FN void* memalign(size_t align, size_t n) noexcept {
  uint32_t s = active_session();
  if (s == 0 || !valid_alignment(align)) return mi_memalign(align, n);
  return traced_alloc(n, align, false, s);
}

VIGIL_HOOK_FN void* valloc(size_t n) noexcept {
  uint32_t s = active_session();
  if (s == 0) return mi_valloc(n);
  return traced_alloc(n, page_size(), false, s);
}

VIGIL_HOOK_FN void* pvalloc(size_t n) noexcept {
  uint32_t s = active_session();
  if (s == 0) return mi_pvalloc(n);
  size_t page = page_size();
  size_t rounded = (n + page - 1) / page * page;
  return traced_alloc(rounded == 0 ? page : rounded, page, false, s);
}

VIGIL_HOOK_FN size_t malloc_usable_size(void* p) noexcept { return mi_usable_size(p); }

}  // extern "C"

// The C++ allocator API. operator new falls back to mi_new (which runs the new_handler and
// throws std::bad_alloc) only when memory is exhausted, after the hook has let go of
// everything.
namespace {

VIGIL_HOOK_FN void* new_impl(size_t n) {
  uint32_t s = active_session();
  if (s == 0) return mi_new(n);
  void* p = traced_alloc(n, 0, false, s);
  return p != nullptr ? p : mi_new(n);
}

VIGIL_HOOK_FN void* new_aligned_impl(size_t n, std::align_val_t al) {
  auto align = static_cast<size_t>(al);
  uint32_t s = active_session();
  if (s == 0) return mi_new_aligned(n, align);
  void* p = traced_alloc(n, align, false, s);
  return p != nullptr ? p : mi_new_aligned(n, align);
}

VIGIL_HOOK_FN void* new_nothrow_impl(size_t n, size_t align) noexcept {
  uint32_t s = active_session();
  if (s == 0) return align == 0 ? mi_new_nothrow(n) : mi_new_aligned_nothrow(n, align);
  return traced_alloc(n, align, false, s);
}

VIGIL_HOOK_FN void delete_impl(void* p) noexcept {
  if (!tracing()) return mi_free(p);
  traced_free(p);
}

}  // namespace

VIGIL_HOOK_FN void* operator new(size_t n) { return new_impl(n); }
VIGIL_HOOK_FN void* operator new[](size_t n) { return new_impl(n); }
VIGIL_HOOK_FN void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return new_nothrow_impl(n, 0);
}
VIGIL_HOOK_FN void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return new_nothrow_impl(n, 0);
}
VIGIL_HOOK_FN void* operator new(size_t n, std::align_val_t al) { return new_aligned_impl(n, al); }
VIGIL_HOOK_FN void* operator new[](size_t n, std::align_val_t al) {
  return new_aligned_impl(n, al);
}
VIGIL_HOOK_FN void* operator new(size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return new_nothrow_impl(n, static_cast<size_t>(al));
}
VIGIL_HOOK_FN void* operator new[](size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return new_nothrow_impl(n, static_cast<size_t>(al));
}

VIGIL_HOOK_FN void operator delete(void* p) noexcept { delete_impl(p); }
VIGIL_HOOK_FN void operator delete[](void* p) noexcept { delete_impl(p); }
VIGIL_HOOK_FN void operator delete(void* p, size_t) noexcept { delete_impl(p); }
VIGIL_HOOK_FN void operator delete[](void* p, size_t) noexcept { delete_impl(p); }
VIGIL_HOOK_FN void operator delete(void* p, std::align_val_t) noexcept { delete_impl(p); }
VIGIL_HOOK_FN void operator delete[](void* p, std::align_val_t) noexcept { delete_impl(p); }
VIGIL_HOOK_FN void operator delete(void* p, size_t, std::align_val_t) noexcept { delete_impl(p); }
VIGIL_HOOK_FN void operator delete[](void* p, size_t, std::align_val_t) noexcept { delete_impl(p); }
VIGIL_HOOK_FN void operator delete(void* p, const std::nothrow_t&) noexcept { delete_impl(p); }
VIGIL_HOOK_FN void operator delete[](void* p, const std::nothrow_t&) noexcept { delete_impl(p); }
VIGIL_HOOK_FN void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  delete_impl(p);
}
VIGIL_HOOK_FN void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  delete_impl(p);
}
