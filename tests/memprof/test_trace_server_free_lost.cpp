// The trace server on a real loop and a real socket: when the ring had no room even for a
// free record, the server ends the session (the trace would otherwise show that block live
// forever), counts it in free_lost, and the client still gets a valid trace up to there.
// The loop is held back while this thread fills the ring, as a stalled loop would.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <string>
#include <vector>

#include "memprof/hook.h"
#include "memprof/trace_server.h"
#include "tests/support/socket.h"
#include "trace/trace_reader.h"

using namespace vigil::memprof;

namespace {

// Reads what is there without blocking; returns false at EOF.
bool read_some(int fd, std::vector<uint8_t>* out) {
  uint8_t buf[65536];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return true;
    out->insert(out->end(), buf, buf + n);
  }
}

struct Count : vigil::trace::TraceVisitor {
  void on_alloc(const vigil::trace::AllocEvent&) override { ++allocs; }
  int allocs = 0;
};

}  // namespace

TEST_CASE("a free record lost to a full ring ends the session, counted, with a valid trace") {
  SampleRecord r;
  while (hook_pop(&r)) {
  }
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::MemtraceConfig config;
  config.listen = "127.0.0.1:0";
  config.sampling_rate = 1.0;
  config.seed = 3;
  uint64_t lost_before = trace_counters().free_lost;
  {
    TraceServer server(&loop, config, "h");
    REQUIRE(server.start().ok());
    int fd = vigil::test::connect_tcp(server.port());
    REQUIRE(fd >= 0);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server.tracing() && std::chrono::steady_clock::now() < deadline) {
      uv_run(&loop, UV_RUN_NOWAIT);
    }
    REQUIRE(server.tracing());
    // The loop does not run: every block is sampled, allocs fill the ring up to the frees'
    // headroom, and the frees then overflow the headroom.
    static void* blocks[4096];
    for (auto& b : blocks) b = malloc(32);
    for (auto* b : blocks) free(b);
    std::vector<uint8_t> trace;
    bool open = true;
    while (open && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(10)) {
      uv_run(&loop, UV_RUN_NOWAIT);
      open = read_some(fd, &trace);
    }
    CHECK_FALSE(open);  // the server closed the session
    CHECK_FALSE(server.tracing());
    CHECK(trace_counters().free_lost == lost_before + 1);
    close(fd);
    vigil::trace::TraceReader reader;
    Count count;
    vigil::Status st = reader.read(trace, count);
    REQUIRE_MESSAGE(st.ok(), st.message());
    CHECK(count.allocs > 1000);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
