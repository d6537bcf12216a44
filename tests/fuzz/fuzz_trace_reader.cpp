// libFuzzer target: the memtrace reader and its text views on arbitrary bytes.
// Build and run with .ci/fuzz-trace.sh SECONDS; seeds are in tests/fuzz/corpus/trace.
// Any crash, sanitizer report, leak or out-of-memory is a bug: the reader must answer every
// input with either a trace or an error Status.
#include <cstddef>
#include <cstdint>
#include <span>

#include "trace/trace_reader.h"
#include "trace/trace_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::trace;
  std::span<const uint8_t> bytes(data, size);
  TraceReader reader;
  {
    SummaryView summary(reader);
    vigil::Status s = reader.read(bytes, summary);
    if (reader.complete_bytes() > 0) summary.render("fuzz.ctf", size);
    if (!s.ok() && s.message().empty()) __builtin_trap();  // errors must say what is wrong
  }
  {
    DumpView dump(reader);
    reader.read(bytes, dump);
  }
  {
    FlamegraphView flame(reader, size % 2 == 0);
    reader.read(bytes, flame);
    flame.render();
  }
  return 0;
}
