// Text views of a memtrace trace: the event dump (a TraceVisitor, since it is a list of
// events), and the summary and folded stacks for flame graphs, rendered from a TraceModel.
// They back the vigil-trace tool.
// Thread: any, one thread per object.
//
// The dump is fed by TraceReader::read(reader, ...); it needs the reader that feeds it (for
// location lookups and the trace info); "reader" must outlive the view.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "trace/trace_model.h"
#include "trace/trace_reader.h"

namespace vigil::trace {

// One line per alloc, promote and collect, exactly as memtrace's dump_trace prints them:
//   0000001500 0000000000 alloc_ext 1 len=512 dom=0    0: main@main.cpp:7:0-0 f@a.cpp:4:0-0
//   0000002000 0000000000 collect
// Time is µs since start_time; frames are defname@file:line:start-end, outermost first, and
// `$<code>` (decimal) for a code with no positions.
class DumpView : public TraceVisitor {
 public:
  explicit DumpView(const TraceReader& reader) : reader_(reader) {}
  void on_alloc(const AllocEvent& e) override;
  void on_promote(const ObjectEvent& e) override;
  void on_collect(const ObjectEvent& e) override;
  // The text so far; the caller may print and clear it at any time.
  std::string& text() { return out_; }

 private:
  void object_line(const ObjectEvent& e, const char* kind);
  const TraceReader& reader_;
  std::string out_;
};

// The summary of a model: counts, totals, checks and the top allocation sites, in the layout
// of the reference *.summary.txt files, plus two lines of the live set that the reference
// lacks ("estimated_live_bytes_at_end" and "estimated_peak_live_bytes"). A site is the last
// position of the innermost frame that has positions; stacks with the same site add up.
// `file` and `file_bytes` only label it.
std::string render_summary(const TraceModel& model, const std::string& file, uint64_t file_bytes,
                           size_t top = 10);

// Folded stacks ("main;f;g 4096"), one line per distinct stack of function names, sorted,
// weighted by estimated bytes = samples / sample_rate * word_size / 8. With `live`, only the
// objects never collected count.
std::string render_folded(const TraceModel& model, bool live);

}  // namespace vigil::trace
