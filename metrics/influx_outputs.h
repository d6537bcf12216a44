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
// message of validate_output() (index 0 in it) for a bad table or another kind.
// "loop" must outlive the output; see QueuedOutput for shutdown before destruction.
Result<std::unique_ptr<Output>> make_influx_output(uv_loop_t* loop, const OutputConfig& config);

}  // namespace vigil::metrics
