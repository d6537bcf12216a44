// The hooked allocator. Linking memprof_dep into an executable replaces the whole
// allocator API (malloc, free, calloc, realloc, reallocarray, posix_memalign,
// aligned_alloc, memalign, valloc, pvalloc, malloc_usable_size and every operator
// new/delete form) with thin wrappers around mimalloc's mi_* functions. While tracing, a
// thread-local sampler picks allocations (see sampler.h); a sampled block is allocated from
// a dedicated mimalloc arena, its backtrace is captured, and a record goes into a fixed
// ring that the trace server drains on the loop. A free of a block in that arena is cheap
// to recognise (a range check) and becomes a free record, so the server can emit a collect.
//
// Thread: any, allocator context: no alloc, no locks, no uv.
// The allocator functions run on any thread at any moment: inside the loop's own
// allocations, inside the trace writer, inside libunwind and libc. So, inside them:
//   - no allocation through malloc (no std::string, no growing container, no iostream, no
//     logging, no formatting into the heap); mimalloc's mi_* calls are the allocation;
//   - no locks of any kind, not even a try_lock on something the loop may hold;
//   - no uv_* calls and no exceptions (operator new throws only through mimalloc's mi_new,
//     after every hook state is released, as the standard requires on exhaustion);
//   - a thread_local reentrancy guard: an allocation made while the hook is busy on the same
//     thread (libunwind, mimalloc creating a heap) goes straight to mimalloc, unsampled;
//   - samples go into a preallocated ring of plain structs; when it is full the sample is
//     dropped and counted (ring_drops).
// With tracing off, malloc and free cost one relaxed load and one predictable branch more
// than mi_malloc and mi_free.
//
// The control functions (hook_start, hook_stop, hook_pop) are called from the loop thread
// only; hook_stats may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

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
  uintptr_t frames[kMaxFrames];
};

struct HookStats {
  uint64_t samples = 0;     // sampled allocations recorded into the ring
  uint64_t ring_drops = 0;  // records (allocs or frees) refused because the ring was full
  uint64_t untracked = 0;   // sampled allocations the arena could not hold (never collected)
  uint64_t reentered = 0;   // allocations made from inside the hook on the same thread
};

// Starts a tracing session at `rate` samples per 8-byte word. `seed` 0 picks a random
// seed. The first call reserves the arena and initialises libunwind (both may allocate,
// which is why this runs on the loop, outside the hook). Returns the new session number
// (>= 1), or 0 when the arena could not be reserved (tracing then stays off).
// REQUIRES: loop thread; 0 < rate <= 1; tracing is off.
uint32_t hook_start(double rate, uint64_t seed);

// Stops sampling: from now on allocations cost the tracing-off price again. Records
// already in the ring stay there; the caller drains or discards them with hook_pop.
void hook_stop();

bool hook_tracing();

// Pops the oldest record. Returns false when the ring is empty. REQUIRES: one consumer.
bool hook_pop(SampleRecord* out);

HookStats hook_stats();

// While one lives, the allocations of its thread are not sampled (they go straight to
// mimalloc, as inside the hook). For a trace consumer in the traced process itself (the
// HTTP port's profiles), so that its own buffers do not show in the profile it builds.
// Frees of sampled blocks on that thread are not recorded meanwhile either. The thread's
// countdown to its next sample point is restored at the end, so the bytes allocated
// inside are not charged to the next allocation outside.
// Thread: the object's thread; scopes nest.
class HookQuietScope {
 public:
  HookQuietScope();
  ~HookQuietScope();
  HookQuietScope(const HookQuietScope&) = delete;
  HookQuietScope& operator=(const HookQuietScope&) = delete;

 private:
  bool was_busy_;
  int64_t countdown_;
};

}  // namespace vigil::memprof
