// Sources for embedding programs: the analogue of mirage's counter_metrics.
//
//   auto src = std::make_unique<vigil::metrics::CounterSource>("app", "requests");
//   vigil::metrics::Counter& served = src->counter("served");
//   vigil::metrics::Gauge& depth = src->gauge("queue_depth");
//   monitor.add_source(std::move(src));
//   ...any thread: served.add(); depth.set(3);
//
// Each poll of a CounterSource yields one point: measurement = the element name, the
// source's fixed tags, one field per counter (unsigned) and gauge (float), in creation order.
// CallbackSource calls a function each period that appends whatever points it likes; it
// declares what its fields are with fields().declare(NAME, {FieldKind::counter, "help"})
// (undeclared fields are exposed on /metrics as gauges).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "metrics/source.h"

namespace vigil::metrics {

// A monotonically growing count. Thread: any (relaxed atomics).
class Counter {
 public:
  void add(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down. Thread: any (relaxed atomics).
class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Thread: creation of counters and gauges on the loop thread (or before the source is
// added); their updates from any thread. The references stay valid as long as the source.
class CounterSource : public Source {
 public:
  CounterSource(std::string plugin, std::string name, std::vector<Tag> tags = {},
                Nanos period = Nanos{0});

  // `help` is the field's `# HELP` line on /metrics; a counter is exposed as a Prometheus
  // counter (NAME_total), a gauge as a gauge.
  Counter& counter(std::string field, std::string help = {});
  Gauge& gauge(std::string field, std::string help = {});

 protected:
  void poll(int64_t now_ns, std::vector<Point>* out) override;

 private:
  struct Entry {
    std::string field;
    Counter* counter;  // Exactly one of the two is set.
    Gauge* gauge;
  };
  std::vector<Tag> tags_;
  std::deque<Counter> counters_;  // A deque never moves its elements.
  std::deque<Gauge> gauges_;
  std::vector<Entry> entries_;
};

// Thread: loop only; the callback runs on the loop.
class CallbackSource : public Source {
 public:
  // Appends points: measurement, tags and fields. Time and `host` are filled in after.
  using Callback = std::function<void(std::vector<Point>* out)>;

  CallbackSource(std::string plugin, std::string name, std::vector<std::string> tag_keys,
                 Callback callback, Nanos period = Nanos{0});

 protected:
  void poll(int64_t now_ns, std::vector<Point>* out) override;

 private:
  Callback callback_;
};

}  // namespace vigil::metrics
