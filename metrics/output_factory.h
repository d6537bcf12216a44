// Output kinds by name: how `[[outputs]] kind = "..."` becomes an Output.
// Thread: loop only (register before Pipeline::start).
//
// `stdout` is built in. The Influx outputs register themselves through
// register_output_kind("influx-tcp", ...) etc. before the pipeline starts; an unknown kind
// is an error at start.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "metrics/output.h"

namespace vigil::metrics {

// Builds one output on `loop` from its config table. `config.name` is already filled
// ("main", "main-2", ...). Returns an error for a bad url or option with the reason only,
// e.g. "url 'tcp://x': port missing"; the pipeline adds "outputs[N] (KIND): " in front.
// "*loop" outlives the output.
using OutputFactory =
    std::function<Result<std::unique_ptr<Output>>(uv_loop_t* loop, const OutputConfig& config)>;

// Registers (or replaces) the factory of `kind`.
void register_output_kind(const std::string& kind, OutputFactory factory);
// The registered kinds, sorted; "stdout" is always there.
std::vector<std::string> output_kinds();
// Builds an output of config.kind. Unknown kinds fail with
// "unknown kind 'x' (expected influx-http, stdout, ...)".
Result<std::unique_ptr<Output>> make_output(uv_loop_t* loop, const OutputConfig& config);

}  // namespace vigil::metrics
