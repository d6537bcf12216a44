// The interface every push target implements: stdout, Influx over TCP, UDP and HTTP.
// Thread: loop only.
//
// An output owns a bounded queue. write() queues points (dropping and counting the
// oldest past the bound); flush() starts sending what is queued, never blocking the loop.
// The counters always satisfy: produced = sent + dropped + queued.
// Element states (metrics/element.h): paused keeps queuing without sending; resume sends
// the backlog; stop drains for up to 5 s, then ends.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "common/duration.h"
#include "metrics/element.h"
#include "metrics/point.h"

namespace vigil::metrics {

struct OutputStats {
  uint64_t produced = 0;      // Points handed to write().
  uint64_t sent = 0;          // Points the target acknowledged (or, without acks, wrote).
  uint64_t dropped = 0;       // Points given up: queue overflow, or rejected as bad data.
  uint64_t queued = 0;        // Points waiting.
  uint64_t send_errors = 0;   // Failed send attempts (each retried later).
  int64_t last_error_ns = 0;  // Wall time of the last failure; 0 if none.
};

class Output : public Element {
 public:
  Output(std::string plugin, std::string name)
      : Element(Kind::output, std::move(plugin), std::move(name)) {}

  // Queues the points. Points of a stopped output are dropped and counted.
  virtual void write(std::span<const Point> points) = 0;
  // Sends what is queued unless paused or already sending.
  virtual void flush() = 0;
  // Sends what is queued for at most `deadline`, then closes every handle and calls
  // `done` on the loop. After it the output sends nothing more.
  virtual void shutdown(Nanos deadline, std::function<void()> done) = 0;
  virtual OutputStats stats() const = 0;
};

}  // namespace vigil::metrics
