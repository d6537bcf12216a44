// Command-line parsing of alloc_workload: vigil's --config FILE and --set KEY=VALUE (through
// appliance/config.h, so every vigil option works), plus the workload's own knobs.
// Thread: any (pure, apart from reading the config file).
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

// The text of `alloc_workload --help`.
inline constexpr const char* kWorkloadUsage =
    "usage: alloc_workload [--config FILE] [--set KEY=VALUE]... [--port-file PATH]\n"
    "                      [--threads N] [--batch N] [--sleep-us N]\n"
    "\n"
    "Embeds vigil (every vigil option works with --config and --set) and allocates from\n"
    "named functions in known proportions until SIGTERM or SIGINT.\n"
    "  --port-file PATH  write the bound memtrace port to PATH once listening\n"
    "  --threads N       worker threads, 1-64 (default 2)\n"
    "  --batch N         alloc_small + alloc_big pairs between sleeps (default 100)\n"
    "  --sleep-us N      microseconds each worker sleeps after a batch (default 1000)\n";

// "--set memtrace.seed=7 --threads 1" => config.memtrace.seed == 7, threads == 1.
// An unknown flag, a bad value or a bad config is an error naming it.
vigil::Status parse_workload_args(int argc, char** argv, WorkloadArgs* args);
