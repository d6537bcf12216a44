// Shared between hook.cpp (tracing paths) and hook_api.cpp (allocator entry points); not an
// API. Thread: any, allocator context: no alloc, no locks, no uv (see hook.h).
//
// Cost model. Tracing off: one relaxed load and a predictable branch (active_session()).
// Tracing on, allocation not sampled: a thread-local countdown subtraction, a compare of the
// thread's session with the loaded one, and one more branch (traced_alloc()); free: one
// unsigned range compare against the sampling arena (traced_free()). Everything else is out
// of line.
#pragma once

#include <mimalloc.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "memprof/sampler.h"

// Every function whose frames must not appear in a backtrace lives in this section, so a
// frame is stripped with a range check against the linker's __start_/__stop_ symbols.
#define VIGIL_HOOK_FN __attribute__((section("vigil_hook_text"), noinline))
// A helper of the sampling path, inlined into its VIGIL_HOOK_FN callers (so its code is in the
// section too): every frame on the stack at a sample is one more step for unw_backtrace.
#define VIGIL_HOOK_INLINE inline __attribute__((always_inline))
#define VIGIL_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace vigil::memprof::detail {

// Plain data only, so it is constant-initialised: no TLS constructor runs inside malloc.
struct ThreadState {
  Sampler sampler;
  uint32_t session = 0;         // the session `sampler` was set up for
  bool busy = false;            // the reentrancy guard
  uint32_t quiet = 0;           // HookQuiet nesting depth: allocations are not sampled
  int64_t quiet_countdown = 0;  // the countdown saved by the outermost HookQuiet
  uint64_t index = 0;           // 1-based thread number, mixed into the seed
  mi_heap_t* heap = nullptr;    // this thread's heap in the sampling arena
};

// initial-exec: the hook is always linked into the executable, so the variable sits at a
// fixed offset from the thread pointer. Without it, -fPIC static libraries use the general
// dynamic model, a __tls_get_addr call on every traced malloc.
extern constinit thread_local ThreadState tl __attribute__((tls_model("initial-exec")));

// The flags the entry points read, alone on one cache line: nothing written while tracing
// (a counter of some other file the linker put next to them) may share it, or every malloc
// and free on other threads would miss on it.
// `active` is the only flag the fast path reads: the session being traced, 0 when tracing is
// off. One load both tells whether to trace and, compared with the thread's own session,
// whether the thread's sampler is current. `session` (the latest session) is published with
// release before `active` is set, and the slow path reads it with acquire, so a thread that
// sees a new session also sees its rate and seed.
// The sampling arena's address range is kept as start and size, set once before the first
// session (both 0 until then, an empty range), so that the check on every traced free is
// one unsigned compare.
struct alignas(64) HookFlags {
  std::atomic<uint32_t> active{0};
  std::atomic<uint32_t> session{0};
  std::atomic<uintptr_t> arena_begin{0};
  std::atomic<uintptr_t> arena_size{0};
};
// Hidden: the entry points then read it with RIP-relative loads, not through the GOT (an
// extra lea per flag on every malloc and free; bench/alloc counts it).
#define VIGIL_HOOK_HIDDEN __attribute__((visibility("hidden")))
extern constinit HookFlags g_flags VIGIL_HOOK_HIDDEN;

inline uint32_t active_session() { return g_flags.active.load(std::memory_order_relaxed); }
inline bool tracing() { return VIGIL_UNLIKELY(active_session() != 0); }

inline bool in_arena(const void* p) {
  auto a = reinterpret_cast<uintptr_t>(p);
  return a - g_flags.arena_begin.load(std::memory_order_relaxed) <
         g_flags.arena_size.load(std::memory_order_relaxed);
}

// The out-of-line tracing paths. `align` 0 means the default alignment; `zero` clears the
// block. traced_alloc_slow expects the countdown already reduced by `n`.
// noexcept, as the entry points are: an entry point can then tail-call them (a call to a
// function that may throw would need a frame to reach std::terminate), so a sample's stack
// holds no frame of the entry point.
void* traced_alloc_slow(size_t n, size_t align, bool zero) noexcept;
void traced_free_slow(void* p) noexcept;
// `session`: see traced_alloc.
void* traced_realloc(void* p, size_t n, uint32_t session) noexcept;

inline void* plain_alloc(size_t n, size_t align, bool zero) {
  if (align == 0) return zero ? mi_zalloc(n) : mi_malloc(n);
  return zero ? mi_zalloc_aligned(n, align) : mi_malloc_aligned(n, align);
}

// REQUIRES: `session` is active_session(), read by the caller, and not 0.
inline void* traced_alloc(size_t n, size_t align, bool zero, uint32_t session) {
  ThreadState& t = tl;
  t.sampler.countdown -= static_cast<int64_t>(n);
  if (VIGIL_UNLIKELY(t.sampler.countdown <= 0 || t.session != session)) {
    return traced_alloc_slow(n, align, zero);
  }
  return plain_alloc(n, align, zero);
}

// REQUIRES: tracing().
inline void traced_free(void* p) {
  if (VIGIL_UNLIKELY(in_arena(p))) return traced_free_slow(p);
  mi_free(p);
}

}  // namespace vigil::memprof::detail
