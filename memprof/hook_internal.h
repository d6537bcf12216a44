// Shared between hook.cpp (tracing paths) and hook_api.cpp (allocator entry points); not an
// API. Thread: any, allocator context: no alloc, no locks, no uv (see hook.h).
#pragma once

#include <atomic>
#include <cstddef>

// Every function whose frames must not appear in a backtrace lives in this section, so a
// frame is stripped with a range check against the linker's __start_/__stop_ symbols.
#define VIGIL_HOOK_FN __attribute__((section("vigil_hook_text"), noinline))
#define VIGIL_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace vigil::memprof::detail {

// The one flag the fast path reads: a relaxed load and a predictable branch.
extern std::atomic<bool> g_tracing;
inline bool tracing() { return VIGIL_UNLIKELY(g_tracing.load(std::memory_order_relaxed)); }

// The tracing paths. `align` 0 means the default alignment; `zero` clears the block.
void* traced_alloc(size_t n, size_t align, bool zero);
void traced_free(void* p);
void* traced_realloc(void* p, size_t n);

}  // namespace vigil::memprof::detail
