// End to end: vigil's own trace work (the trace server's symbolizing with libdw and libelf,
// its encoding and its writes, all on the loop thread) stays out of the trace it sends.
// Before memprof::HookQuiet, a 10 s capture of alloc_workload at 1e-3 had 4-6 % of its
// samples from that work.
//
// A sample is vigil's own trace work when a frame of its backtrace is in the trace server,
// the trace encoder, the symbolizer, the memtrace writer, or libdw/libelf. The share is
// counted in sampled words (the sum of nsamples), the unit of the sampling rate.
#include <doctest/doctest.h>
#include <unistd.h>

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

constexpr const char* kSelfFrames[] = {"TraceServer",    "TraceEncoder", "Symbolizer",
                                       "vigil::trace::", "dwfl_",        "dwarf_",
                                       "elf_",           "libdw",        "libelf"};

bool is_self(const Position& p) {
  for (const char* s : kSelfFrames) {
    if (p.defname.find(s) != std::string::npos || p.filename.find(s) != std::string::npos) {
      return true;
    }
  }
  return false;
}

struct SelfShare : vigil::trace::TraceVisitor {
  explicit SelfShare(const TraceReader& r) : reader(r) {}
  void on_alloc(const AllocEvent& e) override {
    total += e.nsamples;
    for (uint64_t code : e.backtrace) {
      const std::vector<Position>* ps = reader.lookup(code);
      if (ps == nullptr) continue;
      for (const Position& p : *ps) {
        if (!is_self(p)) continue;
        self += e.nsamples;
        if (example.empty()) example = p.defname + " (" + p.filename + ")";
        return;
      }
    }
  }
  const TraceReader& reader;
  int64_t total = 0;
  int64_t self = 0;
  std::string example;
};

}  // namespace

TEST_CASE("the trace holds at most 0.1 % of sampled words from vigil's own trace work") {
  WorkloadProcess w({"--set", "memtrace.sampling_rate=0.001", "--set", "memtrace.seed=5"});
  REQUIRE(w.started());
  int fd = connect_tcp(w.port());
  REQUIRE(fd >= 0);
  std::string trace = read_for(fd, 8000);
  REQUIRE(write(fd, "x", 1) == 1);
  trace += read_for(fd, 10000);
  close(fd);

  TraceReader reader;
  SelfShare share(reader);
  std::vector<uint8_t> bytes(trace.begin(), trace.end());
  vigil::Status st = reader.read(bytes, share);
  REQUIRE_MESSAGE(st.ok(), st.message());
  // Enough samples that one sample in a thousand is a count the check can see.
  REQUIRE(share.total >= 3000);
  CAPTURE(share.example);
  MESSAGE("sampled words: ", share.total, ", from vigil's own trace work: ", share.self);
  CHECK(share.self * 1000 <= share.total);
  CHECK(w.stop() == 0);
}
