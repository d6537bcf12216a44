#include "metrics/sources/pipeline_source.h"

#include <utility>

namespace vigil::metrics {

PipelineSource::PipelineSource(std::function<std::vector<const Output*>()> outputs)
    : Source("self", "pipeline", {"output"}), outputs_(std::move(outputs)) {}

void PipelineSource::add_counter(std::string field, std::function<uint64_t()> read) {
  counters_.push_back({std::move(field), std::move(read)});
}

void PipelineSource::remove_counter(const std::string& field) {
  std::erase_if(counters_, [&](const Counter& c) { return c.field == field; });
}

void PipelineSource::poll(int64_t, std::vector<Point>* out) {
  if (outputs_) {
    for (const Output* o : outputs_()) {
      OutputStats s = o->stats();
      Point p;
      p.measurement = name();
      p.tags.push_back({"output", o->full_name()});
      p.fields = {{"produced", s.produced},       {"sent", s.sent},
                  {"dropped", s.dropped},         {"queued", s.queued},
                  {"send_errors", s.send_errors}, {"last_error_ns", s.last_error_ns}};
      out->push_back(std::move(p));
    }
  }
  if (counters_.empty()) return;
  Point p;
  p.measurement = name();
  for (const Counter& c : counters_) p.fields.push_back({c.field, c.read()});
  out->push_back(std::move(p));
}

}  // namespace vigil::metrics
