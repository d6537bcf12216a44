// The sampling slow path and the hook's control functions; the entry points are in
// hook_api.cpp. The rules of the allocator context
// are in hook.h; every function below obeys them.
#include "memprof/hook.h"

#include <errno.h>
#include <malloc.h>
#include <mimalloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <new>

#include "common/shared_library.h"
#include "memprof/hook_internal.h"
#include "memprof/ring.h"
#include "memprof/sampler.h"

extern "C" {
extern const char __start_vigil_hook_text[];
extern const char __stop_vigil_hook_text[];
}

namespace vigil::memprof {

using detail::g_flags;
using detail::in_arena;
using detail::ThreadState;
using detail::tl;

namespace {

// 4096 records of about 560 bytes: 2.3 MiB, reserved at load time, never grown.
constexpr size_t kRingRecords = 4096;
// Slots that only free records may take: once the ring holds kRingRecords - kFreeHeadroom
// records, allocs are dropped (a lost sample) while frees still get in. A dropped free would
// leave a block that looks live forever (a phantom leak), so it is counted apart
// (free_drops) and the trace server ends the session on it.
constexpr size_t kFreeHeadroom = kRingRecords / 4;
// Address space reserved (not committed) for sampled blocks. mimalloc hands it out in
// 32 MiB segments per thread heap, so this holds the live sampled blocks of many threads.
constexpr size_t kArenaBytes = size_t{4} << 30;
// libunwind's own frame and the hook's frames sit at the innermost end; look for the last
// hook frame among this many.
constexpr int kInnerScan = 8;

// constinit: zero-filled .bss, no constructor at start-up, no page touched until tracing.
constinit Ring<SampleRecord, kRingRecords> g_ring;

std::atomic<double> g_rate{1e-4};
std::atomic<uint64_t> g_seed{0};
std::atomic<uint64_t> g_thread_count{0};
mi_arena_id_t g_arena_id{};

// libunwind's unw_backtrace, loaded by the first hook_start(): an idle vigil maps neither
// libunwind nor the liblzma it pulls in. Set once, before tracing is first turned on.
using BacktraceFn = int(void**, int);
std::atomic<BacktraceFn*> g_backtrace{nullptr};

std::atomic<uint64_t> g_samples{0};
std::atomic<uint64_t> g_untracked{0};
std::atomic<uint64_t> g_reentered{0};
std::atomic<uint64_t> g_free_drops{0};

bool in_hook_text(uintptr_t pc) {
  return pc >= reinterpret_cast<uintptr_t>(__start_vigil_hook_text) &&
         pc < reinterpret_cast<uintptr_t>(__stop_vigil_hook_text);
}

// The coarse clock (a few ms resolution) costs a few ns instead of tens; the trace writer
// keeps event times non-decreasing, so coarse times are fine.
uint64_t now_us() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

// Returns the number of sample points in an allocation of `n` bytes on this thread, after
// the inline fast path (hook_internal.h) has already taken `n` off the countdown. A new
// session first gets a sampler of its own, which then takes the whole allocation.
uint32_t take_samples(ThreadState& t, size_t n) {
  uint32_t session = g_flags.session.load(std::memory_order_acquire);
  if (t.session != session) {
    if (t.index == 0) t.index = g_thread_count.fetch_add(1, std::memory_order_relaxed) + 1;
    sampler_init(&t.sampler, g_rate.load(std::memory_order_relaxed),
                 sampler_mix_seed(g_seed.load(std::memory_order_relaxed), t.index));
    t.session = session;
    return sampler_take(&t.sampler, n);
  }
  return t.sampler.countdown > 0 ? 0 : sampler_count_slow(&t.sampler);
}

// REQUIRES: sampled_alloc has just seen room in the ring (should it fill meanwhile, the
// push below drops and counts the record).
VIGIL_HOOK_INLINE void record_alloc(void* p, size_t n, uint32_t nsamples) {
  // The slots for this record and the next (most often the free of a sampled block): their
  // lines arrive while the stack is unwound.
  g_ring.prefetch(2);
  void* frames[kMaxFrames + kInnerScan];
  int got = g_backtrace.load(std::memory_order_acquire)(frames, kMaxFrames + kInnerScan);
  int skip = 0;
  for (int i = 0; i < got && i < kInnerScan; ++i) {
    if (in_hook_text(reinterpret_cast<uintptr_t>(frames[i]))) skip = i + 1;
  }
  int keep = got - skip;
  if (keep > kMaxFrames) keep = kMaxFrames;
  if (keep < 0) keep = 0;
  uint32_t session = tl.session;
  uint64_t t = now_us();
  // Counted before the push and taken back if it fails: a locked add after the push would
  // wait for the record's stores to reach the ring's (cold) lines.
  g_samples.fetch_add(1, std::memory_order_relaxed);
  bool ok = g_ring.push(
      [&](SampleRecord& r) {
        r.kind = SampleRecord::kAlloc;
        r.nframes = static_cast<uint8_t>(keep);
        r.nsamples = nsamples;
        r.session = session;
        r.size = n;
        r.ptr = reinterpret_cast<uintptr_t>(p);
        r.time_us = t;
        memcpy(r.frames, frames + skip, sizeof(void*) * static_cast<size_t>(keep));
      },
      kFreeHeadroom);
  if (!ok) g_samples.fetch_sub(1, std::memory_order_relaxed);
}

// Pushes a free record for a block of the sampling arena. Called before the block goes back
// to mimalloc, so a reuse of the address is recorded after it (see ring.h).
void record_free(void* p) {
  uint32_t session = g_flags.session.load(std::memory_order_relaxed);
  uint64_t t = now_us();
  bool ok = g_ring.push([&](SampleRecord& r) {
    r.kind = SampleRecord::kFree;
    r.nframes = 0;
    r.session = session;
    r.ptr = reinterpret_cast<uintptr_t>(p);
    r.time_us = t;
  });
  if (!ok) g_free_drops.fetch_add(1, std::memory_order_relaxed);
}

// Allocates a sampled block from this thread's arena heap and records it. `align` 0 means
// the default alignment. Falls back to the ordinary heap (untracked) if the arena is full.
VIGIL_HOOK_INLINE void* sampled_alloc(ThreadState& t, size_t n, size_t align, bool zero,
                                      uint32_t nsamples) {
  // No room for its record: an ordinary block, so that its free takes no headroom either,
  // and no unwinding (about a microsecond) is paid for a record that would be dropped.
  if (g_ring.looks_full(kFreeHeadroom)) {
    g_ring.count_drop();
    return detail::plain_alloc(n, align, zero);
  }
  if (t.heap == nullptr) t.heap = mi_heap_new_in_arena(g_arena_id);
  void* p = nullptr;
  if (t.heap != nullptr) {
    if (align == 0) {
      p = zero ? mi_heap_zalloc(t.heap, n) : mi_heap_malloc(t.heap, n);
    } else {
      p = zero ? mi_heap_zalloc_aligned(t.heap, n, align)
               : mi_heap_malloc_aligned(t.heap, n, align);
    }
  }
  if (p != nullptr && in_arena(p)) {
    record_alloc(p, n, nsamples);
    return p;
  }
  if (p != nullptr) mi_free(p);
  g_untracked.fetch_add(1, std::memory_order_relaxed);
  if (align == 0) return zero ? mi_zalloc(n) : mi_malloc(n);
  return zero ? mi_zalloc_aligned(n, align) : mi_malloc_aligned(n, align);
}

}  // namespace

namespace detail {

constinit HookFlags g_flags;
constinit thread_local ThreadState tl;

// The tracing path of every allocating entry point, once traced_alloc() (hook_internal.h)
// has seen the countdown run out or a new session.
VIGIL_HOOK_FN void* traced_alloc_slow(size_t n, size_t align, bool zero) noexcept {
  ThreadState& t = tl;
  if (t.busy) {
    g_reentered.fetch_add(1, std::memory_order_relaxed);
  } else if (t.quiet != 0) {
    // vigil's own trace work: not sampled; HookQuiet restores the countdown.
  } else if (uint32_t ns = take_samples(t, n); VIGIL_UNLIKELY(ns != 0)) {
    t.busy = true;
    void* p = sampled_alloc(t, n, align, zero, ns);
    t.busy = false;
    return p;
  }
  return plain_alloc(n, align, zero);
}

VIGIL_HOOK_FN void traced_free_slow(void* p) noexcept {
  if (!tl.busy) record_free(p);
  mi_free(p);
}

// A realloc of a sampled block is a collect plus a new allocation (which may be sampled or
// not); a realloc that lands on a sample point is a new sampled block. Everything else is
// mi_realloc.
VIGIL_HOOK_FN void* traced_realloc(void* p, size_t n, uint32_t session) noexcept {
  if (p == nullptr) return traced_alloc(n, 0, false, session);
  ThreadState& t = tl;
  if (t.busy) return mi_realloc(p, n);
  uint32_t ns = 0;
  if (t.quiet == 0) {
    t.sampler.countdown -= static_cast<int64_t>(n);
    ns = take_samples(t, n);
  }
  bool was_sampled = in_arena(p);
  if (ns == 0 && !was_sampled) return mi_realloc(p, n);
  t.busy = true;
  void* q = ns != 0 ? sampled_alloc(t, n, 0, false, ns) : mi_malloc(n);
  if (q != nullptr) {
    size_t old = mi_usable_size(p);
    memcpy(q, p, old < n ? old : n);
    if (was_sampled) record_free(p);
    mi_free(p);
  }
  t.busy = false;
  return q;
}

}  // namespace detail

namespace {

Status load_unwinder() {
  static const Status loaded = [] {
    Result<SharedLibrary> lib = SharedLibrary::open(
        "libunwind.so.8", "memtrace needs libunwind: apt-get install libunwind8");
    BacktraceFn* fn = nullptr;
    Status st = lib.ok() ? lib->resolve("unw_backtrace", fn) : lib.status();
    if (st.ok()) g_backtrace.store(fn, std::memory_order_release);
    return st;
  }();
  return loaded;
}

bool reserve_arena() {
  if (g_flags.arena_size.load(std::memory_order_relaxed) != 0) return true;
  mi_arena_id_t id{};
  if (mi_reserve_os_memory_ex(kArenaBytes, false, false, true, &id) != 0) return false;
  size_t size = 0;
  void* start = mi_arena_area(id, &size);
  if (start == nullptr || size == 0) return false;
  g_arena_id = id;
  g_flags.arena_begin.store(reinterpret_cast<uintptr_t>(start), std::memory_order_relaxed);
  g_flags.arena_size.store(size, std::memory_order_relaxed);
  return true;
}

}  // namespace

Result<uint32_t> hook_start(double rate, uint64_t seed) {
  if (Status st = load_unwinder(); !st.ok()) return st;
  if (!reserve_arena()) {
    return Status::error("cannot reserve the sampling arena (" + std::to_string(kArenaBytes >> 30) +
                         " GiB of address space)");
  }
  // The first backtrace sets up libunwind's caches; do it here, outside the hook.
  void* warm[4];
  g_backtrace.load(std::memory_order_relaxed)(warm, 4);
  if (seed == 0) seed = now_us() ^ (static_cast<uint64_t>(getpid()) << 32);
  g_rate.store(rate, std::memory_order_relaxed);
  g_seed.store(seed, std::memory_order_relaxed);
  uint32_t session = g_flags.session.load(std::memory_order_relaxed) + 1;
  g_flags.session.store(session, std::memory_order_release);
  g_flags.active.store(session, std::memory_order_release);
  return session;
}

void hook_stop() { g_flags.active.store(0, std::memory_order_relaxed); }

HookQuiet::HookQuiet() {
  ThreadState& t = tl;
  if (t.quiet++ == 0) t.quiet_countdown = t.sampler.countdown;
}

HookQuiet::~HookQuiet() {
  ThreadState& t = tl;
  if (--t.quiet == 0) t.sampler.countdown = t.quiet_countdown;
}

bool hook_tracing() { return detail::active_session() != 0; }

bool hook_pop(SampleRecord* out) {
  // Only the frames in use: the rest of a 560-byte record is lines no producer wrote.
  return g_ring.pop_with([out](const SampleRecord& r) {
    out->kind = r.kind;
    out->nframes = r.nframes;
    out->nsamples = r.nsamples;
    out->session = r.session;
    out->size = r.size;
    out->ptr = r.ptr;
    out->time_us = r.time_us;
    memcpy(out->frames, r.frames, sizeof(r.frames[0]) * r.nframes);
  });
}

HookStats hook_stats() {
  HookStats s;
  s.samples = g_samples.load(std::memory_order_relaxed);
  s.ring_drops = g_ring.dropped();
  s.untracked = g_untracked.load(std::memory_order_relaxed);
  s.reentered = g_reentered.load(std::memory_order_relaxed);
  s.free_drops = g_free_drops.load(std::memory_order_relaxed);
  return s;
}

}  // namespace vigil::memprof
