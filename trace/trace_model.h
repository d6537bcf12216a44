// TraceModel: one pass over a memtrace trace builds the model that every vigil-trace output
// renders: the call tree of stacks, per-stack allocation and live figures, the live set over
// time, and the counts and consistency checks of the summary.
// Thread: any, one thread per model.
//
// The model is a TraceVisitor: feed it with TraceReader::read() or start()/feed()/finish().
// "reader" must outlive the model: location positions are looked up in it, not copied.
//
// Memory grows with the distinct stacks (one node per distinct prefix of location codes) and
// the objects live at the moment (one entry each), never with the number of events: collected
// objects are forgotten, and the live-set series keeps at most kMaxLivePoints points, merging
// neighbours (and doubling its step) when it is full.
//
// Estimates (what docs/memtrace.md explains to users): one sample stands for 1 / sample_rate
// words, i.e. 8 / sample_rate bytes for 64-bit words, whatever the object's real size; an
// allocation event with n samples stands for n / sample_rate words. An object of L words is
// sampled with n ~ Poisson(L x rate), so an event stands for n / (L x rate) objects of its
// size (1 / rate objects for a 1-word object; fewer, but never less than n, for big ones).
// "Live" means allocated and not collected by the end of the trace (or by the current
// event, while reading).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "trace/trace_reader.h"

namespace vigil::trace {

// Figures of the allocations made at one stack (the node of their innermost frame).
struct StackStats {
  uint64_t allocs = 0;       // allocation events
  int64_t samples = 0;       // their samples
  int64_t length_words = 0;  // sum of their lengths, in words
  uint64_t live_allocs = 0;  // events not collected (yet)
  int64_t live_samples = 0;  // their samples
  int64_t live_length_words = 0;
  double objects = 0;  // estimated objects, see above
  double live_objects = 0;
  uint64_t first_alloc = std::numeric_limits<uint64_t>::max();  // sequence of the first event
};

// A node of the call tree. Node 0 is the root: no code, no parent.
struct StackNode {
  uint32_t parent = 0;
  uint32_t depth = 0;  // frames from the root: 1 for an outermost frame
  uint64_t code = 0;   // the location code of this frame
  StackStats stats;
};

// One point of the live set over time.
struct LivePoint {
  uint64_t time_us = 0;           // since the trace's start
  int64_t live_samples = 0;       // at time_us
  int64_t peak_samples = 0;       // the most live samples since the previous point
  int64_t allocated_samples = 0;  // all samples allocated up to time_us
};

// A counted object as the model reports it to a listener.
struct ModelObject {
  uint32_t node = 0;      // its stack
  int64_t nsamples = 0;   // its samples
  int64_t obj_id = 0;     // the trace's object id
  double objects = 0;     // estimated objects, see above
  uint64_t alloc_us = 0;  // when it was allocated, µs since the trace's start
};

// Receives the model's view of each event, as it is built: for outputs that are streams of
// events themselves (heaptrack) or aggregate them over time (the report's timeline). Nodes
// are defined before they are named here. Times are µs since the trace's start.
class ModelListener {
 public:
  virtual ~ModelListener() = default;
  virtual void on_model_alloc(uint64_t /*time_us*/, const ModelObject& /*o*/) {}
  // Only for an object the model counted as live (its alloc was reported).
  virtual void on_model_collect(uint64_t /*time_us*/, const ModelObject& /*o*/) {}
};

struct ModelOptions {
  // Only allocations made in [from_us, to_us), µs since the trace's start, are counted; their
  // collects count whenever they happen. Counts and checks cover every event regardless.
  uint64_t from_us = 0;
  uint64_t to_us = std::numeric_limits<uint64_t>::max();
  ModelListener* listener = nullptr;  // not owned; must outlive the model
};

inline constexpr size_t kMaxLivePoints = 2048;

// An estimate (bytes_of, say) as the whole count a profile stores: the nearest integer,
// halves up, or 0 when it is not positive or not below `limit` (a bad rate in a trace). Its
// own rounding: vigil links no libm (memprof/ln.h says why).
uint64_t round_estimate(double estimate, double limit);

class TraceModel : public TraceVisitor {
 public:
  explicit TraceModel(const TraceReader& reader, ModelOptions options = {});
  ~TraceModel() override;
  TraceModel(const TraceModel&) = delete;
  TraceModel& operator=(const TraceModel&) = delete;

  void on_info(const TraceInfo& info, const PacketHeader& h) override;
  void on_packet(const PacketHeader& h) override;
  void on_alloc(const AllocEvent& e) override;
  void on_promote(const ObjectEvent& e) override;
  void on_collect(const ObjectEvent& e) override;

  const TraceReader& reader() const { return reader_; }
  const TraceInfo& info() const { return reader_.info(); }
  const ModelOptions& options() const { return options_; }
  // Sets (or clears) options().listener; before the first event, so it sees them all.
  void set_listener(ModelListener* listener) { options_.listener = listener; }
  // The call tree; nodes[0] is the root. A child's index is always above its parent's.
  const std::vector<StackNode>& nodes() const { return nodes_; }
  // The positions of a node's code (nullptr for an undefined code, empty if it has none).
  const std::vector<Position>* positions(uint32_t node) const {
    return reader_.lookup(nodes_[node].code);
  }
  const std::vector<LivePoint>& live_series() const { return series_; }

  // Estimated bytes of `samples` samples: samples / rate * word_size / 8.
  double bytes_of(int64_t samples) const;

  // Whole-trace figures.
  struct Totals {
    uint64_t packets = 0, max_packet_bytes = 0;
    unsigned versions = 0;  // bit v set when version v was seen
    uint16_t initial_domain = 0;
    uint64_t allocs[3] = {0, 0, 0};  // by Source
    uint64_t promotes = 0, collects = 0;
    uint64_t first_time_us = 0, last_time_us = 0;  // µs since the epoch, of the events
    size_t max_backtrace = 0;
    uint64_t empty_backtraces = 0;
    int64_t samples = 0, length_words = 0;  // all allocations
    int64_t counted_samples = 0;            // those in the window
    int64_t live_samples = 0;               // counted and live now
    int64_t peak_live_samples = 0;          // the most live samples after any alloc
    uint64_t peak_time_us = 0;              // when (since the start)
  };
  const Totals& totals() const { return t_; }
  // Consistency problems (the first ten) and how many there were.
  const std::vector<std::string>& problems() const { return problems_; }
  uint64_t problem_count() const { return problem_count_; }

 private:
  struct Live {
    uint32_t node;
    uint8_t flags;  // kPromoted
    int64_t nsamples;
    int64_t length;
    double objects;
    uint64_t alloc_us;  // since the start
  };
  struct EdgeHash {
    size_t operator()(const std::pair<uint32_t, uint64_t>& k) const;
  };
  // The node of a backtrace. Fast paths: the same stack as the previous alloc of its domain
  // (the reader's common prefix says so), then a table of whole stacks by hash; the trie
  // walk, one hash lookup per frame, only for a stack not seen before.
  uint32_t node_for(const AllocEvent& e);
  uint32_t walk(std::span<const uint64_t> backtrace);
  void problem(std::string text);
  bool check_object(const ObjectEvent& e, const char* what, Live** live);
  void series_point(uint64_t time_us);
  Live* find_live(int64_t id);
  bool insert_live(int64_t id, const Live& l);
  void erase_live(int64_t id);

  const TraceReader& reader_;
  ModelOptions options_;
  Totals t_;
  std::vector<StackNode> nodes_;
  std::unordered_map<std::pair<uint32_t, uint64_t>, uint32_t, EdgeHash> children_;
  // Whole stacks seen so far: an open-addressing table of (hash, entry + 1), and per entry
  // its leaf node and its codes in codes_.
  struct StackEntry {
    uint32_t node;
    uint32_t length;
    size_t offset;
  };
  std::vector<std::pair<uint64_t, uint32_t>> stack_table_ =
      std::vector<std::pair<uint64_t, uint32_t>>(64);
  std::vector<StackEntry> stack_entries_;
  std::vector<uint64_t> codes_;
  // The leaf and length of the previous backtrace, per domain.
  std::unordered_map<uint16_t, std::pair<uint32_t, size_t>> prev_;
  // Live objects: ids are allocated in order and most die young, so the newest kLiveWindow
  // ids sit in a ring indexed by id; older live ones move to old_live_.
  static constexpr size_t kLiveWindow = 1 << 16;
  struct Slot {
    Live live;
    bool used = false;
  };
  std::vector<Slot> ring_ = std::vector<Slot>(1024);  // a power of 2, at most kLiveWindow
  int64_t ring_begin_ = 0, ring_end_ = 0;             // ids [begin, end) are in the ring
  std::unordered_map<int64_t, Live> old_live_;
  uint64_t live_count_ = 0;
  int64_t next_id_ = 0;
  uint64_t alloc_seq_ = 0;
  std::vector<LivePoint> series_;
  uint64_t series_step_us_ = 1000;
  int64_t peak_since_point_ = 0;
  std::vector<std::string> problems_;
  uint64_t problem_count_ = 0;
};

}  // namespace vigil::trace
