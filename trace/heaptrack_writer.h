// HeaptrackWriter: writes heaptrack's interpreted data format (file format 3, "v 10400 3"),
// which heaptrack_print and heaptrack_gui 1.4 read, from the events of a TraceModel.
// Thread: any, one thread per writer.
//
// It is the model's ModelListener: give it as ModelOptions::listener, then feed the model.
// Every event the model counts becomes records at once, so memory holds only the tables of
// what was already defined (strings, location codes, stacks, allocation infos):
//   - each sampled allocation is one "+" of the allocation info (estimated size, stack),
//     the size being the model's estimate (samples / sample_rate x 8 bytes);
//   - each collect of such an allocation is one "-" of the same info (never another: the
//     analyzer takes "-" on trust);
//   - "c" gives the time in ms since the trace's start, before the first event of each ms;
//   - strings, instruction pointers ("i": one per location code, its positions as a frame
//     and its inlined frames) and stack nodes ("t") are defined just before first use.
// The analyzer counts a "-" as temporary when it names the info of the "+" just before it, and
// also a "-" of info 0 right after another "-" (a quirk), so that count may be a little high.
// A dummy info 0 would avoid it, but heaptrack_gui 1.4 crashes on an info that no "+" names.
//
// The text accumulates in text(); the caller writes it out and clears it whenever it likes.
// "model" must outlive the writer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "trace/trace_model.h"

namespace vigil::trace {

class HeaptrackWriter : public ModelListener {
 public:
  explicit HeaptrackWriter(const TraceModel& model) : model_(model) {}

  void on_model_alloc(uint64_t time_us, const ModelObject& o) override;
  void on_model_collect(uint64_t time_us, const ModelObject& o) override;
  // Writes the header lines if nothing was written yet (an empty trace), and a last "c".
  void finish();

  std::string& text() { return out_; }

 private:
  void header();
  void time(uint64_t time_us);
  // One `+` (op '+') or `-` line for the allocation info of `node` and `nsamples`.
  void event(char op, uint64_t time_us, uint32_t node, int64_t nsamples);
  uint64_t string_id(const std::string& s);
  uint64_t ip_id(uint32_t node);
  uint64_t trace_id(uint32_t node);
  uint64_t info_id(uint32_t node, int64_t nsamples);

  const TraceModel& model_;
  std::string out_;
  bool started_ = false;
  uint64_t last_ms_ = UINT64_MAX;
  std::unordered_map<std::string, uint64_t> strings_;
  std::unordered_map<uint64_t, uint64_t> ips_;  // location code -> ip index
  std::vector<uint64_t> traces_;                // model node -> trace index (0: none yet)
  std::map<std::pair<uint64_t, int64_t>, uint64_t> infos_;  // (trace, samples) -> info
  uint64_t next_trace_ = 1;
  uint64_t next_info_ = 0;
};

}  // namespace vigil::trace
