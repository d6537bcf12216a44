// libFuzzer target: the memtrace reader, the trace model and every output rendered from it
// (dump, summary, folded stacks, pprof, heaptrack, the HTML report and the live view's
// function table), on arbitrary bytes, read whole and
// streamed in pieces. Build and run with .ci/fuzz-trace.sh SECONDS; seeds are in
// tests/fuzz/corpus/trace.
// Any crash, sanitizer report, leak or out-of-memory is a bug: the reader must answer every
// input with either a trace or an error Status, and the converters must render any model.
#include <cstddef>
#include <cstdint>
#include <span>

#include "trace/heaptrack_writer.h"
#include "trace/pprof_writer.h"
#include "trace/report_html.h"
#include "trace/trace_functions.h"
#include "trace/trace_model.h"
#include "trace/trace_reader.h"
#include "trace/trace_text.h"
#include "trace/trace_timeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::trace;
  std::span<const uint8_t> bytes(data, size);
  TraceReader reader;
  {
    TraceModel model(reader);
    HeaptrackWriter heaptrack(model);
    model.set_listener(&heaptrack);
    vigil::Status s = reader.read(bytes, model);
    if (reader.complete_bytes() > 0) render_summary(model, "fuzz.ctf", size);
    if (!s.ok() && s.message().empty()) __builtin_trap();  // errors must say what is wrong
    render_folded(model, size % 2 == 0);
    encode_pprof(model);
    heaptrack.finish();
  }
  {
    DumpView dump(reader);
    reader.read(bytes, dump);
  }
  {
    // The same bytes streamed in pieces must give the same verdict, and a windowed model.
    ModelOptions window;
    window.from_us = size;
    window.to_us = 2 * size + 1000;
    TraceModel whole(reader, window);
    TraceTimeline timeline;
    whole.set_listener(&timeline);
    vigil::Status a = reader.read(bytes, whole);
    timeline.coarsen(1 + size % 64, 2);
    render_report_html(whole, timeline, ReportSource{"fuzz.ctf", size, 0, a.message()});
    function_figures(whole);
    uint64_t complete = reader.complete_bytes();
    TraceModel pieces(reader, window);
    reader.start();
    size_t step = 1 + size % 977;
    for (size_t at = 0; at < size; at += step) {
      reader.feed(bytes.subspan(at, std::min(step, size - at)), pieces);
    }
    vigil::Status b = reader.finish();
    if (a.ok() != b.ok() || a.message() != b.message() || complete != reader.complete_bytes()) {
      __builtin_trap();
    }
    encode_pprof(pieces);
  }
  return 0;
}
