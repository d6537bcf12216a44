#include "metrics/sources/pipeline_source.h"

#include <algorithm>
#include <utility>

namespace vigil::metrics {

namespace {

constexpr FieldKind kCounter = FieldKind::counter;

const FieldSpec kOutputFields[] = {
    {"produced", kCounter, "Points handed to the output."},
    {"sent", kCounter, "Points the output delivered."},
    {"dropped", kCounter, "Points the output dropped (queue full or refused)."},
    {"queued", FieldKind::gauge, "Points waiting in the output's queue."},
    {"send_errors", kCounter, "Failed sends of the output."},
};

}  // namespace

PipelineSource::PipelineSource(std::function<std::vector<const Output*>()> outputs)
    : Source("self", "pipeline", {"output"}), outputs_(std::move(outputs)) {
  fields().declare(kOutputFields);
  // Prometheus wants base units: the time of the last error in seconds since the epoch.
  fields().declare(
      "last_error_ns",
      {FieldKind::gauge, "When the output last failed, in seconds since the epoch (0: never).",
       "last_error_timestamp_seconds", 1e-9});
}

void PipelineSource::add_counter(std::string field, std::function<uint64_t()> read) {
  std::string words = field;
  std::replace(words.begin(), words.end(), '_', ' ');
  fields().declare(field, {FieldKind::counter, "vigil's own count: " + words + ".", {}, 1.0});
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
