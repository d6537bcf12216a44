// The hooked allocator, in its own executable: linking memprof_hook_dep replaces malloc for
// the whole process, doctest included. Tests run in file order and share the hook's state.
#include <doctest/doctest.h>
#include <malloc.h>
#include <mimalloc.h>
#include <stdlib.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <new>

#include "memprof/hook.h"
#include "memprof/symbolize.h"

using vigil::memprof::hook_pop;
using vigil::memprof::hook_start;
using vigil::memprof::hook_stats;
using vigil::memprof::hook_stop;
using vigil::memprof::SampleRecord;

namespace {

// Drained records live in static storage so that draining allocates nothing.
std::array<SampleRecord, 8192> g_records;
size_t g_count = 0;

void drain() {
  g_count = 0;
  SampleRecord r;
  while (hook_pop(&r)) {
    if (g_count < g_records.size()) g_records[g_count++] = r;
  }
}

uintptr_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }

// Takes the address as an integer: the block may already be freed.
const SampleRecord* find(SampleRecord::Kind kind, uintptr_t p) {
  for (size_t i = 0; i < g_count; ++i) {
    if (g_records[i].kind == kind && g_records[i].ptr == p) {
      return &g_records[i];
    }
  }
  return nullptr;
}

__attribute__((noinline)) void* allocate_here(size_t n) {
  void* p = malloc(n);
  asm volatile("" : : "r"(p) : "memory");
  return p;
}

// Each case starts from a stopped hook and an empty ring, whatever ran before it, so that
// a case passes alone (-tc) or in any order.
struct CleanHook {
  CleanHook() {
    hook_stop();
    drain();
  }
};

}  // namespace

TEST_CASE_FIXTURE(CleanHook,
                  "with tracing off, blocks come from mimalloc and nothing is recorded") {
  drain();
  void* p = malloc(100);
  REQUIRE(p != nullptr);
  CHECK(mi_is_in_heap_region(p));
  CHECK(malloc_usable_size(p) >= 100);
  free(p);
  drain();
  CHECK(g_count == 0);
}

TEST_CASE_FIXTURE(CleanHook,
                  "a sampled malloc records size, samples and the caller as innermost frame") {
  REQUIRE(hook_start(1.0, 1).ok());
  void* p = allocate_here(100);
  hook_stop();
  drain();
  const SampleRecord* r = find(SampleRecord::kAlloc, addr(p));
  REQUIRE(r != nullptr);
  CHECK(r->size == 100);
  CHECK(r->nsamples >= 12);  // 100 bytes at one point per 8-byte word
  CHECK(r->nsamples <= 13);
  REQUIRE(r->nframes > 1);
  vigil::memprof::Symbolizer sym;
  const auto& frames = sym.lookup(r->frames[0]);
  CHECK(frames.back().function.find("allocate_here") != std::string::npos);
  CHECK(frames.back().file.find("test_hook.cpp") != std::string::npos);
  free(p);
  drain();
}

TEST_CASE_FIXTURE(CleanHook, "capturing a backtrace does not allocate through the hook") {
  CHECK(hook_stats().reentered == 0);
}

TEST_CASE_FIXTURE(
    CleanHook, "freeing a sampled block records a free; blocks from before tracing record none") {
  void* before = malloc(64);
  REQUIRE(hook_start(1.0, 2).ok());
  void* p = malloc(64);
  uintptr_t pa = addr(p), ba = addr(before);
  free(p);
  free(before);
  hook_stop();
  drain();
  CHECK(find(SampleRecord::kAlloc, pa) != nullptr);
  CHECK(find(SampleRecord::kFree, pa) != nullptr);
  CHECK(find(SampleRecord::kFree, ba) == nullptr);
}

TEST_CASE_FIXTURE(CleanHook, "the free record of a sampled block comes after its alloc record") {
  REQUIRE(hook_start(1.0, 3).ok());
  void* p = malloc(32);
  uintptr_t pa = addr(p);
  free(p);
  void* q = malloc(32);  // may reuse p's address
  hook_stop();
  drain();
  size_t alloc_ix = g_count, free_ix = g_count;
  for (size_t i = 0; i < g_count; ++i) {
    if (g_records[i].ptr != pa) continue;
    if (g_records[i].kind == SampleRecord::kAlloc && alloc_ix == g_count) alloc_ix = i;
    if (g_records[i].kind == SampleRecord::kFree && free_ix == g_count) free_ix = i;
  }
  CHECK(alloc_ix < free_ix);
  CHECK(free_ix < g_count);
  free(q);
  drain();
}

TEST_CASE_FIXTURE(CleanHook,
                  "realloc of a sampled block is a free of the old block and a new allocation") {
  REQUIRE(hook_start(1.0, 4).ok());
  auto* p = static_cast<char*>(malloc(16));
  memcpy(p, "0123456789abcde", 16);
  uintptr_t pa = addr(p);
  auto* q = static_cast<char*>(realloc(p, 4000));
  hook_stop();
  REQUIRE(q != nullptr);
  CHECK(memcmp(q, "0123456789abcde", 16) == 0);
  drain();
  CHECK(find(SampleRecord::kFree, pa) != nullptr);
  const SampleRecord* r = find(SampleRecord::kAlloc, addr(q));
  REQUIRE(r != nullptr);
  CHECK(r->size == 4000);
  free(q);
  drain();
}

TEST_CASE_FIXTURE(CleanHook, "calloc, the aligned forms and operator new work while sampling") {
  REQUIRE(hook_start(1.0, 5).ok());
  auto* z = static_cast<unsigned char*>(calloc(100, 3));
  void* a = aligned_alloc(256, 512);
  void* m = memalign(64, 100);
  void* v = valloc(10);
  void* pv = pvalloc(10);
  void* pm = nullptr;
  int rc = posix_memalign(&pm, 128, 50);
  auto* n = new int[10];
  auto* al = new (std::align_val_t{512}) char[16];
  auto* nt = new (std::nothrow) double;
  void* ra = reallocarray(nullptr, 10, 10);
  volatile size_t huge = SIZE_MAX;
  void* bad = reallocarray(nullptr, huge, 2);
  hook_stop();
  REQUIRE(z != nullptr);
  bool zero = true;
  for (int i = 0; i < 300; ++i) zero = zero && z[i] == 0;
  CHECK(zero);
  CHECK(reinterpret_cast<uintptr_t>(a) % 256 == 0);
  CHECK(reinterpret_cast<uintptr_t>(m) % 64 == 0);
  CHECK(reinterpret_cast<uintptr_t>(v) % 4096 == 0);
  CHECK(reinterpret_cast<uintptr_t>(pv) % 4096 == 0);
  CHECK(rc == 0);
  CHECK(reinterpret_cast<uintptr_t>(pm) % 128 == 0);
  CHECK(reinterpret_cast<uintptr_t>(al) % 512 == 0);
  CHECK(nt != nullptr);
  CHECK(ra != nullptr);
  CHECK(bad == nullptr);
  drain();
  const void* blocks[] = {z, a, m, v, pv, pm, n, al};
  for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; ++i) {
    CAPTURE(i);
    const void* p = blocks[i];
    CHECK(find(SampleRecord::kAlloc, addr(p)) != nullptr);
  }
  free(z);
  free(a);
  free(m);
  free(v);
  free(pv);
  free(pm);
  delete[] n;
  operator delete[](al, std::align_val_t{512});
  delete nt;
  free(ra);
}

TEST_CASE_FIXTURE(CleanHook, "a full ring drops samples and counts them") {
  drain();
  static void* blocks[6000];
  uint64_t drops_before = hook_stats().ring_drops;
  REQUIRE(hook_start(1.0, 6).ok());
  for (auto& b : blocks) b = malloc(16);
  hook_stop();
  CHECK(hook_stats().ring_drops - drops_before >= 6000 - 4096);
  for (auto* b : blocks) free(b);
  drain();
  // The ring holds 4096 records; allocs may fill 3072 of them, the last 1024 are for frees.
  CHECK(g_count == 3072);
}

TEST_CASE_FIXTURE(
    CleanHook,
    "a ring full of samples still takes the frees of sampled blocks, then counts a lost free") {
  drain();
  static void* blocks[4096];
  vigil::memprof::HookStats before = hook_stats();
  REQUIRE(hook_start(1.0, 7).ok());
  for (auto& b : blocks) b = malloc(64);  // 3072 recorded, the rest refused
  vigil::memprof::HookStats full = hook_stats();
  for (size_t i = 0; i < 1024; ++i) free(blocks[i]);  // the headroom takes these
  vigil::memprof::HookStats headroom_used = hook_stats();
  free(blocks[1024]);  // no room left at all
  vigil::memprof::HookStats after = hook_stats();
  hook_stop();
  for (size_t i = 1025; i < 4096; ++i) free(blocks[i]);
  drain();
  CHECK(full.ring_drops - before.ring_drops == 4096 - 3072);
  CHECK(headroom_used.free_drops == before.free_drops);
  CHECK(after.free_drops == before.free_drops + 1);
  CHECK(g_count == 4096);
}

TEST_CASE_FIXTURE(CleanHook, "after stop, allocations go back to mimalloc and record nothing") {
  drain();
  void* p = malloc(1000);
  free(p);
  drain();
  CHECK(g_count == 0);
  CHECK_FALSE(vigil::memprof::hook_tracing());
}

TEST_CASE_FIXTURE(CleanHook,
                  "a quiet scope samples nothing and charges nothing to the next allocation") {
  REQUIRE(hook_start(1.0, 9).ok());
  free(allocate_here(8));  // sets this thread's sampler up for the session
  void* quiet_blocks[64];
  {
    vigil::memprof::HookQuiet quiet;
    for (void*& q : quiet_blocks) q = allocate_here(4096);  // 256 KiB, 32768 sample points
  }
  void* p = allocate_here(100);
  hook_stop();
  drain();
  for (void* q : quiet_blocks) CHECK(find(SampleRecord::kAlloc, addr(q)) == nullptr);
  const SampleRecord* r = find(SampleRecord::kAlloc, addr(p));
  REQUIRE(r != nullptr);
  CHECK(r->nsamples <= 13);  // its own 100 bytes only (before the fix: 32780)
  for (void* q : quiet_blocks) free(q);
  free(p);
  drain();
}
