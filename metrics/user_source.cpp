#include "metrics/user_source.h"

#include <utility>

namespace vigil::metrics {
namespace {

std::vector<std::string> keys_of(const std::vector<Tag>& tags) {
  std::vector<std::string> keys;
  for (const Tag& t : tags) keys.push_back(t.key);
  return keys;
}

}  // namespace

CounterSource::CounterSource(std::string plugin, std::string name, std::vector<Tag> tags,
                             Nanos period)
    : Source(std::move(plugin), std::move(name), keys_of(tags), period), tags_(std::move(tags)) {}

Counter& CounterSource::counter(std::string field, std::string help) {
  fields().declare(field, {FieldKind::counter, std::move(help), {}, 1.0});
  Counter& c = counters_.emplace_back();
  entries_.push_back({std::move(field), &c, nullptr});
  return c;
}

Gauge& CounterSource::gauge(std::string field, std::string help) {
  fields().declare(field, {FieldKind::gauge, std::move(help), {}, 1.0});
  Gauge& g = gauges_.emplace_back();
  entries_.push_back({std::move(field), nullptr, &g});
  return g;
}

void CounterSource::poll(int64_t, std::vector<Point>* out) {
  if (entries_.empty()) return;
  Point p;
  p.measurement = name();
  p.tags = tags_;
  p.fields.reserve(entries_.size());
  for (const Entry& e : entries_) {
    if (e.counter != nullptr) {
      p.fields.push_back({e.field, e.counter->value()});
    } else {
      p.fields.push_back({e.field, e.gauge->value()});
    }
  }
  out->push_back(std::move(p));
}

CallbackSource::CallbackSource(std::string plugin, std::string name,
                               std::vector<std::string> tag_keys, Callback callback, Nanos period)
    : Source(std::move(plugin), std::move(name), std::move(tag_keys), period),
      callback_(std::move(callback)) {}

void CallbackSource::poll(int64_t, std::vector<Point>* out) {
  if (callback_) callback_(out);
}

}  // namespace vigil::metrics
