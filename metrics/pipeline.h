// The metrics pipeline: sources => outputs, on one libuv loop.
// Thread: loop only.
//
// start() builds, from the Config, the built-in sources (metrics/sources/builtin.h) and
// the outputs (metrics/output_factory.h; one `stdout` output when none is configured),
// registers every element in the Registry, and starts the polls and a flush timer that
// calls Output::flush() every `interval`. Each poll's points go to every output that is
// not stopped (paused outputs keep queuing); an output whose queue reaches its batch_size
// is flushed at once.
//
// Config of sources (`[sources.NAME]`): `enabled = false` registers the source with an `M`
// override set to disabled, so `M` can turn it on at runtime; `period` sets its poll period
// (default `interval`). NAME must be a built-in source or one added with add_source()
// before start(); anything else is an error at start.
//
// shutdown() stops every source (no more polls), closes their timers and the flush timer,
// and shuts every output down with the deadline; `done` runs once every output is done.
// After it the pipeline holds no open handle. The destructor unregisters every element.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "common/timer.h"
#include "metrics/output.h"
#include "metrics/registry.h"
#include "metrics/source.h"
#include "metrics/sources/pipeline_source.h"

namespace vigil::metrics {

class Pipeline {
 public:
  // "*loop" and "*registry" must outlive the pipeline. `config.hostname` is the `host` tag.
  Pipeline(uv_loop_t* loop, Registry* registry, Config config);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Adds a source: the embedder's own, or a test's. Before start() it starts with the
  // others (and `[sources.NAME]` applies to it); after start() it starts at once.
  // REQUIRES: shutdown() has not been called.
  void add_source(std::unique_ptr<Source> source);
  // Adds an output built in code. Before start() only. When any output was added, the
  // config's `outputs` list is still built, but no default stdout output is.
  void add_output(std::unique_ptr<Output> output, uint64_t batch_size = 5000);

  // Errors name what is wrong: "sources: unknown source 'x' (expected memory, cpu, ...)",
  // "outputs[1] (influx-tcp): url ...". On error nothing is registered or running.
  Status start();

  // source/self/pipeline, for components to register counters; null before start() or
  // when the config disables it.
  PipelineSource* pipeline_source() { return pipeline_source_; }
  // Registers a counter on source/self/pipeline (kept until start() if called before).
  void add_counter(std::string field, std::function<uint64_t()> read);

  // Calls flush() on every output now.
  void flush();
  // REQUIRES: not called from inside a source's poll. Idempotent; a second call's `done`
  // runs when the first shutdown completes.
  void shutdown(Nanos deadline, std::function<void()> done);

  std::vector<const Output*> outputs() const;
  std::vector<Source*> sources() const;

 private:
  struct OutputSlot {
    std::unique_ptr<Output> output;
    uint64_t batch_size;
  };

  Status check_source_config() const;
  Status build_outputs();
  void build_sources();
  void start_source(Source* s);
  void deliver(std::span<const Point> points);
  void output_done();

  uv_loop_t* loop_;
  Registry* registry_;
  Config config_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<OutputSlot> outputs_;
  PipelineSource* pipeline_source_ = nullptr;
  std::vector<std::pair<std::string, std::function<uint64_t()>>> early_counters_;
  std::unique_ptr<Timer> flush_timer_;
  bool started_ = false;
  bool shutting_down_ = false;
  bool shut_down_ = false;
  size_t outputs_pending_ = 0;
  std::vector<std::function<void()>> done_;
};

}  // namespace vigil::metrics
