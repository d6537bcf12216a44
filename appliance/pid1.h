// PID 1 mode: vigil as the only process of a small VM, the way a MirageOS unikernel is.
// Thread: main thread only.
//
// main.cpp hands over to pid1::main() when getpid() == 1:
//   int main(int argc, char** argv) {
//     if (vigil::appliance::pid1::active()) vigil::appliance::pid1::main(argc, argv, run);
//     return run(argc, argv);
//   }
// calls pid1::announce_ready() once every listener is up, and pid1::exit_now() instead of
// std::_Exit(). Nothing else changes: the boot parameters reach the usual start-up path as
// command-line flags.
#pragma once

#include <string>

#include "common/status.h"

namespace vigil::appliance::pid1 {

// True iff this process is PID 1 started by the kernel: PID 1 with no /proc mounted yet.
// A container's entry point is PID 1 too, but finds /proc mounted, and runs as usual.
// Decided at the first call, which must come before main() mounts anything.
bool active();

// The normal start-up path: parses flags, starts the Monitor, runs the loop until
// `shutdown` or SIGTERM, and returns the exit status (0, or 2 after a start-up error that it
// has already printed).
using RunFn = int (*)(int argc, char** argv);

// Runs vigil as init and never returns. In order: installs the SIGCHLD reaper and the
// SIGTERM handler; mounts /proc, /sys, /dev (devtmpfs) and /tmp; sets the host name
// "vigil" (`hostname` in the config overrides it for points); reads /proc/cmdline
// (cmdline.h); loads the image's kernel modules; brings up lo and the NIC, sets its
// address and default route; waits for carrier; then calls `run` with argv followed by
// "--config PATH" (vigil.config, or /etc/vigil.toml when the image has it) and one
// "--set key=value" per vigil.set. When `run` returns, or a step fails, it prints the
// reason on the console, closes every socket, takes the NIC down and powers off. Given
// vigil.exit_port, it first writes the exit status there (see run-qemu): 0 after a clean
// stop, `run`'s status, 2 for a bad command line, 1 when a boot step failed, 128+N after a
// fatal signal N; statuses above 125 are written as 125.
// REQUIRES: active(), and called once, first thing in main().
[[noreturn]] void main(int argc, char** argv, RunFn run);

// Prints "vigil ready in 1.83 s (uptime)" on the console. Call once every listener is up.
// Does nothing unless in PID 1 mode, so main.cpp calls it unconditionally.
void announce_ready();

// Ends the process at once with `status`: std::_Exit normally; in PID 1 mode, which must
// never exit (the kernel would panic), the power-off path instead.
[[noreturn]] void exit_now(int status);

// Pieces of main(), one file each.
// Mounts the pseudo file systems; EBUSY (mounted already) is not an error.
Status mount_filesystems();
// Loads every module of /lib/modules/$(uname -r)/modules.dep in dependency order and
// returns how many; 0 when the image has no modules.dep.
Result<int> load_modules();

}  // namespace vigil::appliance::pid1
