// Creating the Influx outputs from their config: influx-tcp, influx-udp, influx-http.
// Thread: loop only.
#pragma once

#include <uv.h>

#include <memory>

#include "common/config.h"
#include "common/status.h"
#include "metrics/output.h"

namespace vigil::metrics {

// Builds the output of `config.kind` (one of the three Influx kinds). Fails with the
// reason of check_output() ("url: expected udp://HOST:PORT, got 'x'") for a bad table;
// the pipeline puts "outputs[N] (KIND): " in front.
// "loop" must outlive the output; see QueuedOutput for shutdown before destruction.
Result<std::unique_ptr<Output>> make_influx_output(uv_loop_t* loop, const OutputConfig& config);

// Registers "influx-tcp", "influx-udp" and "influx-http" with the output factory
// (metrics/output_factory.h), each built by make_influx_output. Call it before the pipeline
// starts; calling it again changes nothing.
void register_influx_outputs();

}  // namespace vigil::metrics
