// Command-line parsing of alloc_workload: vigil's --config/--set plus the workload's own
// knobs. Thread: any (pure).
//
// Until appliance/config.h (the real loader) is merged, --set accepts the few keys the
// workload needs: memtrace.listen, memtrace.sampling_rate, memtrace.seed,
// memtrace.max_queue_bytes, memtrace.allow (comma-separated CIDRs), control.listen and
// logging.level; --config is refused with a clear error.
#pragma once

#include <string>

#include "common/config.h"
#include "common/status.h"

struct WorkloadArgs {
  vigil::Config config;
  std::string port_file;  // receives the bound memtrace port once listening
  int threads = 2;
  int batch = 100;      // alloc_small + alloc_big pairs between sleeps
  int sleep_us = 1000;  // 0: never sleep
};

// "--set memtrace.seed=7" => args->config.memtrace.seed == 7.
// An unknown flag or key, or a bad value, is an error naming it; nothing is half applied
// that matters, since the program exits on error.
vigil::Status parse_workload_args(int argc, char** argv, WorkloadArgs* args);
