// Creating the Influx outputs from their config: influx-tcp, influx-udp, influx-http.
// Thread: loop only.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string_view>

#include "common/config.h"
#include "common/status.h"
#include "metrics/output.h"

namespace vigil::metrics {

// Builds the output of `config.kind` (one of the three Influx kinds). Fails with the
// reason of check_output() ("url: expected udp://HOST:PORT, got 'x'") for a bad table;
// the pipeline puts "outputs[N] (KIND): " in front.
// "loop" must outlive the output; see QueuedOutput for shutdown before destruction.
Result<std::unique_ptr<Output>> make_influx_output(uv_loop_t* loop, const OutputConfig& config);

// How an output kind is built; make_influx_output has this shape.
using OutputMaker = Result<std::unique_ptr<Output>> (*)(uv_loop_t*, const OutputConfig&);

// Hands the three Influx kinds ("influx-tcp", "influx-udp", "influx-http", each built by
// make_influx_output) to `add`, so that the output factory can register them without this
// library knowing the factory:
//   register_influx_outputs([](std::string_view kind, OutputMaker make) {
//     register_output_kind(std::string(kind), make);  // metrics/output_factory.h
//   });
void register_influx_outputs(
    const std::function<void(std::string_view kind, OutputMaker make)>& add);

}  // namespace vigil::metrics
