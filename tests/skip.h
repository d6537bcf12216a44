// Skipping a test case that cannot run here (a tool or server is missing), so that it is
// reported as skipped and not as passed.
// Thread: the test's thread.
//
// skip(why) prints "SKIP: why" and marks the run. The caller then returns from the test
// case. When the run had no failure but something was skipped, the test executable exits
// with 77, which meson reports as SKIP. So a meson test should hold only cases that skip
// together (for example, all the cases that need influxd), or the passes of the others
// would be hidden in the skip.
#pragma once

#include <string>

namespace vigil::test {

void skip(const std::string& why);

}  // namespace vigil::test
