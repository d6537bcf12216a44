// The hooked allocator. Linking memprof_dep into an executable replaces the whole
// allocator API (malloc, free, calloc, realloc, reallocarray, posix_memalign,
// aligned_alloc, memalign, valloc, pvalloc, malloc_usable_size and every operator
// new/delete form) with thin wrappers around mimalloc's mi_* functions. While tracing, a
// thread-local sampler picks allocations (see sampler.h); a sampled block is allocated from
// a dedicated mimalloc arena, its backtrace is captured, and a record goes into a fixed
// ring that the trace server drains on the loop. A free of a block in that arena is cheap
// to recognise (a range check) and becomes a free record, so the server can emit a collect.
//
// Thread: any, allocator context: no alloc, no locks of vigil's, no uv.
// The allocator functions run on any thread at any moment: inside the loop's own
// allocations, inside the trace writer, inside libunwind and libc. So, inside them:
//   - no allocation through malloc (no std::string, no growing container, no iostream, no
//     logging, no formatting into the heap); mimalloc's mi_* calls are the allocation;
//   - no lock of vigil's own, not even a try_lock on something the loop may hold. The
//     fast paths (every unsampled malloc and every free) take no lock at all. The sampling
//     path (about one allocation per 8 / rate bytes) does reach two foreign locks:
//       * unw_backtrace finds unwind tables with dl_iterate_phdr, which holds the dynamic
//         loader's (recursive) dl_load_write_lock while it walks the loaded objects;
//       * the first sample on a thread creates that thread's heap in the sampling arena
//         (mi_heap_new_in_arena), under mimalloc's own arena and OS locks, as any first
//         allocation of a thread in mimalloc does.
//     The rule that keeps this deadlock-free: no code may allocate through the hook while
//     it holds the loader's write lock on another thread's behalf, or mimalloc's internal
//     locks. glibc's dlopen and dlclose allocate under dl_load_lock, not under the write
//     lock (and the lock is recursive on the same thread); mimalloc does not call malloc.
//     tests/memprof/test_hook_dlopen.cpp traces on 2 threads while a third dlopens and
//     dlcloses in a loop, and checks that it ends with a valid trace;
//   - no uv_* calls and no exceptions (operator new throws only through mimalloc's mi_new,
//     after every hook state is released, as the standard requires on exhaustion);
//   - a thread_local reentrancy guard: an allocation made while the hook is busy on the same
//     thread (libunwind, mimalloc creating a heap) goes straight to mimalloc, unsampled;
//   - samples go into a preallocated ring of plain structs; when it is full the sample is
//     dropped and counted (ring_drops). The last quarter of the ring is headroom that only
//     free records may use; a free that still finds no room is counted in free_drops, and
//     the trace server ends the session on it (the trace would show a phantom leak).
// With tracing off, malloc and free cost one relaxed load and one predictable branch more
// than mi_malloc and mi_free.
// HookQuiet (below) marks a thread's own trace work, so the trace server's allocations
// are not sampled.
//
// The control functions (hook_start, hook_stop, hook_pop) are called from the loop thread
// only; hook_stats may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.h"

namespace vigil::memprof {

// Frames kept per sample, innermost first; deeper stacks lose their outermost frames.
inline constexpr int kMaxFrames = 64;

// One ring record. Plain data, copied out by hook_pop.
struct SampleRecord {
  enum Kind : uint8_t { kAlloc = 0, kFree = 1 };
  uint8_t kind = kAlloc;
  uint8_t nframes = 0;    // valid entries in frames (kAlloc only)
  uint32_t nsamples = 0;  // sample points in the block (kAlloc only), >= 1
  uint32_t session = 0;   // the hook_start() session that produced the record
  uint64_t size = 0;      // requested bytes (kAlloc only)
  uintptr_t ptr = 0;      // the block
  uint64_t time_us = 0;   // CLOCK_REALTIME_COARSE in µs when the record was made
  // Return addresses, innermost first, with the hook's and libunwind's own frames removed.
  uintptr_t frames[kMaxFrames] = {};
};

struct HookStats {
  uint64_t samples = 0;     // sampled allocations recorded into the ring
  uint64_t ring_drops = 0;  // records (allocs or frees) refused because the ring was full
  uint64_t free_drops = 0;  // of which free records: each leaves a block that looks live
  uint64_t untracked = 0;   // sampled allocations the arena could not hold (never collected)
  uint64_t reentered = 0;   // allocations made from inside the hook on the same thread
};

// Starts a tracing session at `rate` samples per 8-byte word. `seed` 0 picks a random
// seed. The first call loads libunwind (libunwind.so.8, with dlopen), reserves the arena and
// sets up libunwind's caches (all may allocate, which is why this runs on the loop, outside
// the hook). Returns the new session number (>= 1), or an error when libunwind is missing
// ("memtrace needs libunwind: apt-get install libunwind8 (...)") or the arena could not be
// reserved; tracing then stays off.
// REQUIRES: loop thread; 0 < rate <= 1; tracing is off.
Result<uint32_t> hook_start(double rate, uint64_t seed);

// Stops sampling: from now on allocations cost the tracing-off price again. Records
// already in the ring stay there; the caller drains or discards them with hook_pop.
void hook_stop();

bool hook_tracing();

// Pops the oldest record. Returns false when the ring is empty. Only the first nframes
// entries of out->frames are written; the rest keep what they held. REQUIRES: one consumer.
bool hook_pop(SampleRecord* out);

HookStats hook_stats();

// While an instance lives, the calling thread's allocations are vigil's own trace work: they
// are never sampled, and their bytes do not count against the thread's sampling countdown
// (it is saved on entry and restored on exit), so the trace shows the program's allocations
// and the program's samples fall where they would without vigil. Frees of sampled blocks
// are still recorded. The trace server holds one in each of its loop callbacks, around
// symbolizing (libdw), encoding and writing. Nestable.
// Thread: any; on the stack of one thread; not from allocator context.
class HookQuiet {
 public:
  HookQuiet();
  ~HookQuiet();
  HookQuiet(const HookQuiet&) = delete;
  HookQuiet& operator=(const HookQuiet&) = delete;
};

}  // namespace vigil::memprof
