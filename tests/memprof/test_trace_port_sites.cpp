// End to end: allocations that go through the standard library (std::vector growth,
// std::string, opendir) have the workload's own function as their allocation site, the
// last position of the backtrace, instead of std::__new_allocator<T>::allocate,
// basic_string::_M_create or libc's __alloc_dir.
#include <doctest/doctest.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "tests/support/socket.h"
#include "trace/trace_reader.h"
#include "workload_process.h"

using vigil::test::connect_tcp;

using vigil::trace::AllocEvent;
using vigil::trace::Position;
using vigil::trace::TraceReader;

namespace {

constexpr const char* kLibrarySites[] = {"grow_vector(", "make_string(", "list_dir("};

// Per workload function: how many allocs have it anywhere in their backtrace, and the
// sites of those allocs.
struct SiteCheck : vigil::trace::TraceVisitor {
  explicit SiteCheck(const TraceReader& r) : reader(r) {}
  void on_alloc(const AllocEvent& e) override {
    std::vector<const Position*> all;
    for (uint64_t code : e.backtrace) {
      if (const std::vector<Position>* ps = reader.lookup(code)) {
        for (const Position& p : *ps) all.push_back(&p);
      }
    }
    if (all.empty()) return;
    for (const char* fn : kLibrarySites) {
      for (const Position* p : all) {
        if (p->defname.find(fn) == std::string::npos) continue;
        ++allocs[fn];

        ++sites[fn][all.back()->defname + " (" + all.back()->filename + ")"];
        break;
      }
    }
  }
  const TraceReader& reader;
  std::map<std::string, int> allocs;
  std::map<std::string, std::map<std::string, int>> sites;
};

}  // namespace

TEST_CASE("allocations inside the standard library have the workload's function as site") {
  WorkloadProcess w({"--set", "memtrace.sampling_rate=0.001", "--set", "memtrace.seed=11"});
  REQUIRE(w.started());
  int fd = connect_tcp(w.port());
  REQUIRE(fd >= 0);
  std::string trace = read_for(fd, 3000);
  REQUIRE(write(fd, "x", 1) == 1);
  trace += read_for(fd, 10000);
  close(fd);

  TraceReader reader;
  SiteCheck check(reader);
  std::vector<uint8_t> bytes(trace.begin(), trace.end());
  vigil::Status st = reader.read(bytes, check);
  REQUIRE_MESSAGE(st.ok(), st.message());
  for (const char* fn : kLibrarySites) {
    CAPTURE(fn);
    REQUIRE(check.allocs[fn] > 0);
    // Every such alloc's site is the function itself, at a line of alloc_workload.cpp.
    for (const auto& [site, n] : check.sites[fn]) {
      CAPTURE(site);
      CHECK(site.find(fn) != std::string::npos);
      CHECK(site.find("alloc_workload.cpp") != std::string::npos);
    }
  }
  CHECK(w.stop() == 0);
}
