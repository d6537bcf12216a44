// Duration parsing and printing, shared by the config file and the control protocol.
// Thread: any (pure functions).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil {

using Nanos = std::chrono::nanoseconds;

// Parses one word of number+unit groups, humantime style:
//   "500ms" => 500 ms, "1.5s" => 1500 ms, "1h30m" => 5400 s, "2min" => 120 s.
// Units: ns us ms s sec secs second seconds m min mins minute minutes h hr hrs hour hours
//        d day days. A bare number has no unit and is an error.
// The error message is the reason only (e.g. "time unit needed, for example 10sec or 10ms");
// callers add "invalid duration '<text>': " in front.
Result<Nanos> parse_duration(std::string_view text);

// Prints a duration in the shortest exact form parse_duration reads back: "10s", "1h30m",
// "500ms", "0s".
std::string format_duration(Nanos d);

}  // namespace vigil
