// source/self/pipeline: the pipeline's own counters.
// Thread: loop only.
//
// Each poll yields one point per output, tagged output=<full name> (e.g.
// "output/influx/main"), with produced, sent, dropped, queued, send_errors and
// last_error_ns; then, if any counter was registered, one point without the `output` tag
// holding every registered counter as a field, e.g. control_commands_served,
// control_commands_rejected, trace_samples, trace_drops, trace_free_lost.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "metrics/output.h"
#include "metrics/source.h"

namespace vigil::metrics {

class PipelineSource : public Source {
 public:
  // `outputs` lists the outputs to report at poll time.
  explicit PipelineSource(std::function<std::vector<const Output*>()> outputs);

  // Adds a field named `field` whose value `read` returns at each poll. Components (control
  // port, memtrace) call this at start-up. `read` runs on the loop; it must stay callable
  // until remove_counter(field) or the end of the source.
  void add_counter(std::string field, std::function<uint64_t()> read);
  void remove_counter(const std::string& field);

 protected:
  void poll(int64_t now_ns, std::vector<Point>* out) override;

 private:
  struct Counter {
    std::string field;
    std::function<uint64_t()> read;
  };
  std::function<std::vector<const Output*>()> outputs_;
  std::vector<Counter> counters_;
};

}  // namespace vigil::metrics
