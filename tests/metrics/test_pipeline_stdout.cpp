// The pipeline with a real stdout output writing into a real pipe: every point produced is
// sent, dropped (and counted) or still queued, at every step.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>
#include <uv.h>

#include <cmath>
#include <memory>
#include <string>

#include "loop_helpers.h"
#include "metrics/pipeline.h"
#include "metrics/stdout_output.h"
#include "metrics/user_source.h"

using namespace vigil::metrics;
using namespace std::chrono_literals;
using vigil::metrics::testing::close_loop;
using vigil::metrics::testing::run_until;

namespace {

bool balanced(const OutputStats& s) { return s.produced == s.sent + s.dropped + s.queued; }

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

size_t count_lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("produced equals sent plus dropped plus queued through pause, overflow and resume") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_file fds[2];
  REQUIRE(uv_pipe(fds, 0, 0) == 0);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);

  vigil::Config config;
  config.interval = 1h;
  config.hostname = "testhost";
  Registry registry;
  auto pipeline = std::make_unique<Pipeline>(&loop, &registry, config);
  vigil::OutputConfig oc;
  oc.name = "capture";
  oc.buffer_limit = 5;
  oc.batch_size = 3;
  auto owned = std::make_unique<StdoutOutput>(&loop, oc, fds[1]);
  StdoutOutput* out = owned.get();
  pipeline->add_output(std::move(owned), oc.batch_size);
  int64_t seq = 0;
  // Each poll: two good points and one that the encoder must skip (only a NaN field).
  auto src = std::make_unique<CallbackSource>("test", "seq", std::vector<std::string>{},
                                              [&](std::vector<Point>* pts) {
                                                for (int i = 0; i < 3; ++i) {
                                                  Point p;
                                                  p.measurement = "seq";
                                                  if (i == 2) {
                                                    p.fields = {{"x", std::nan("")}};
                                                  } else {
                                                    p.fields = {{"seq", seq}};
                                                  }
                                                  ++seq;
                                                  pts->push_back(p);
                                                }
                                              });
  Source* source = src.get();
  pipeline->add_source(std::move(src));
  REQUIRE(pipeline->start().ok());

  out->pause();
  // Lines are encoded as they are written, as for every queued output: the NaN points
  // (seq 2, 5, 8) are dropped at once; of the six good ones the oldest (seq 0) goes past
  // the bound of 5.
  for (int i = 0; i < 3; ++i) source->trigger_now();
  OutputStats s = out->stats();
  CHECK(s.produced == 9);
  CHECK(s.queued == 5);
  CHECK(s.dropped == 4);
  CHECK(balanced(s));

  out->resume();  // Sends the backlog, in batches of 3: seq 1, 3, 4, then 6, 7.
  run_until(&loop, [&] { return out->stats().queued == 0; });
  s = out->stats();
  CHECK(s.sent == 5);
  CHECK(s.dropped == 4);
  CHECK(balanced(s));
  pipeline->flush();  // Nothing left to send.
  CHECK(out->stats().sent == 5);

  bool done = false;
  pipeline->shutdown(5s, [&] { done = true; });
  run_until(&loop, [&] { return done; });
  Point late;
  late.measurement = "late";
  late.fields = {{"f", true}};
  out->write(std::span<const Point>(&late, 1));  // After shutdown: dropped, and counted.
  CHECK(out->stats().dropped == 5);
  CHECK(balanced(out->stats()));

  std::string text = read_all(fds[0]);
  CHECK(count_lines(text) == 5);
  CHECK(text.find("seq,host=testhost seq=1i ") == 0);
  for (int want : {3, 4, 6, 7}) {
    CHECK(text.find("\nseq,host=testhost seq=" + std::to_string(want) + "i ") != std::string::npos);
  }
  close(fds[0]);
  pipeline.reset();
  close_loop(&loop);
}

TEST_CASE("points written to a stopped output are dropped and counted") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_file fds[2];
  REQUIRE(uv_pipe(fds, 0, 0) == 0);
  vigil::OutputConfig oc;
  {
    StdoutOutput out(&loop, oc, fds[1]);
    out.stop();
    Point p;
    p.measurement = "m";
    p.fields = {{"f", true}};
    out.write(std::span<const Point>(&p, 1));
    OutputStats s = out.stats();
    CHECK(s.produced == 1);
    CHECK(s.dropped == 1);
    CHECK(out.full_name() == "output/stdout/main");
  }
  close(fds[0]);
  close_loop(&loop);
}

TEST_CASE("shutdown drops what is still queued once the deadline passes, and counts it") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_file fds[2];
  REQUIRE(uv_pipe(fds, 0, 0) == 0);
  vigil::OutputConfig oc;
  oc.batch_size = 1000;
  oc.buffer_limit = 100000;
  // Fill the pipe buffer so that writes stay pending: nobody reads fds[0].
  fcntl(fds[1], F_SETFL, O_NONBLOCK);
  std::string junk(4096, 'x');
  while (write(fds[1], junk.data(), junk.size()) > 0) {
  }
  {
    StdoutOutput out(&loop, oc, fds[1]);
    std::vector<Point> pts(3000);
    for (auto& p : pts) {
      p.measurement = "m";
      p.fields = {{"f", std::string(100, 'y')}};
    }
    out.write(pts);
    bool done = false;
    out.shutdown(50ms, [&] { done = true; });
    run_until(&loop, [&] { return done; });
    OutputStats s = out.stats();
    CHECK(s.produced == 3000);
    CHECK(s.sent == 0);
    CHECK(s.dropped == 3000);
    CHECK(s.queued == 0);
    CHECK(s.send_errors == 1);
  }
  close(fds[0]);
  close_loop(&loop);
}
