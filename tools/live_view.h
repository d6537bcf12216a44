// vigil-trace live: a top-like terminal view of a memtrace port (ncurses).
// Thread: main only; blocks until the user quits.
//
// It connects to HOST:PORT, reads the trace into a TraceModel as it streams, and redraws
// every second: a header (the target's executable, host and pid, elapsed time, the estimated
// heap now and its peak, the allocation rate, events) and the functions by own or total,
// live or allocated bytes (trace/trace_functions.h). Keys: o/t/n/f sort by own, total,
// objects, name; l switches live/allocated; arrows, j/k, PgUp/PgDn scroll; q quits, which
// sends the stop byte: the target stops sampling and closes, and the view reads the trace's
// end before it exits. A terminal resize redraws at the new size. When the port closes on its
// own, the view keeps the last figures, says "disconnected" and waits for q.
//
// With `save`, the raw capture is written there too, so that `vigil-trace report` on it
// gives the same figures; after quitting, one line with the final figures goes to stdout.
// Returns the exit status: 0, 1 when the port could not be read (or the save failed), 2 when
// stdin or stdout is not a terminal.
#pragma once

#include <string>

namespace vigil::tools {

struct LiveOptions {
  std::string host, port;
  std::string label;  // HOST:PORT as the user wrote it
  std::string save;   // "" for none
};

int run_live(const LiveOptions& options);

}  // namespace vigil::tools
