// Text views of a memtrace trace, as TraceVisitors: the event dump, the summary and folded
// stacks for flame graphs. They back the vigil-trace tool.
// Thread: any, one thread per object.
//
// Each view is fed by TraceReader::read(reader, ...) and renders into a std::string. Every view
// needs the reader that feeds it (for location lookups and the trace info); "reader" must
// outlive the view.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

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

// Counts, totals, checks and the top allocation sites, in the layout of the reference
// *.summary.txt files.
class SummaryView : public TraceVisitor {
 public:
  explicit SummaryView(const TraceReader& reader);
  ~SummaryView() override;
  void on_info(const TraceInfo& info, const PacketHeader& h) override;
  void on_packet(const PacketHeader& h) override;
  void on_alloc(const AllocEvent& e) override;
  void on_promote(const ObjectEvent& e) override;
  void on_collect(const ObjectEvent& e) override;
  // The summary of what was read. `file` and `file_bytes` only label it.
  std::string render(const std::string& file, uint64_t file_bytes, size_t top = 10) const;

 private:
  struct Stats;
  const TraceReader& reader_;
  std::unique_ptr<Stats> s_;
};

// Folded stacks ("main;f;g 4096"), one line per distinct stack of function names, sorted,
// weighted by estimated bytes = nsamples / sample_rate * word_size / 8. With `live`, only the
// objects never collected count.
class FlamegraphView : public TraceVisitor {
 public:
  FlamegraphView(const TraceReader& reader, bool live) : reader_(reader), live_(live) {}
  void on_alloc(const AllocEvent& e) override;
  void on_collect(const ObjectEvent& e) override;
  std::string render() const;

 private:
  struct StackHash {
    size_t operator()(const std::vector<uint64_t>& v) const;
  };
  const TraceReader& reader_;
  bool live_;
  std::unordered_map<std::vector<uint64_t>, size_t, StackHash> stack_ids_;
  std::vector<const std::vector<uint64_t>*> stacks_;
  std::vector<double> samples_;                                           // per stack id
  std::unordered_map<int64_t, std::pair<size_t, int64_t>> live_objects_;  // id -> stack, samples
};

}  // namespace vigil::trace
