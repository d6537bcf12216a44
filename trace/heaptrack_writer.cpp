#include "trace/heaptrack_writer.h"

#include <cinttypes>
#include <cstdio>

namespace vigil::trace {
namespace {

void hex(std::string& out, uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, " %" PRIx64, v);
  out += buf;
}

// Records are lines: a newline inside a name would end the record.
std::string one_line(const std::string& s) {
  std::string r = s;
  for (char& c : r) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return r;
}

}  // namespace

void HeaptrackWriter::header() {
  if (started_) return;
  started_ = true;
  out_ += "v 10400 3\n";
  out_ += "# written by vigil-trace from a memtrace trace; sizes are sampling estimates\n";
  out_ += "X " + one_line(model_.info().executable_name) + "\n";
}

void HeaptrackWriter::time(uint64_t time_us) {
  uint64_t ms = time_us / 1000;
  if (ms == last_ms_) return;
  last_ms_ = ms;
  out_ += 'c';
  hex(out_, ms);
  out_ += '\n';
}

uint64_t HeaptrackWriter::string_id(const std::string& s) {
  auto [it, fresh] = strings_.try_emplace(s, strings_.size() + 1);
  if (fresh) {
    std::string text = one_line(s);
    out_ += 's';
    hex(out_, text.size());
    out_ += ' ';
    out_ += text;
    out_ += '\n';
  }
  return it->second;
}

uint64_t HeaptrackWriter::ip_id(uint32_t node) {
  uint64_t code = model_.nodes()[node].code;
  auto it = ips_.find(code);
  if (it != ips_.end()) return it->second;
  const std::vector<Position>* ps = model_.positions(node);
  // Strings first: an "i" may only name strings defined before it.
  uint64_t module = string_id(model_.info().executable_name);
  std::vector<uint64_t> fields;
  if (ps != nullptr) {
    // The frame is the function that holds the code (the outermost position); the inlined
    // frames follow, from the one inlined into it down to the innermost.
    for (const Position& p : *ps) {
      fields.push_back(string_id(p.defname.empty() ? "??" : p.defname));
      fields.push_back(string_id(p.filename));
      fields.push_back(p.line);
    }
  }
  uint64_t id = ips_.size() + 1;
  ips_.emplace(code, id);
  out_ += 'i';
  hex(out_, code);
  hex(out_, module);
  for (uint64_t f : fields) hex(out_, f);
  out_ += '\n';
  return id;
}

uint64_t HeaptrackWriter::trace_id(uint32_t node) {
  if (node == 0) return 0;
  if (traces_.size() <= node) traces_.resize(model_.nodes().size(), 0);
  if (traces_[node] != 0) return traces_[node];
  // Parents come first; walk up to the first one already written.
  std::vector<uint32_t> chain;
  for (uint32_t n = node; n != 0 && traces_[n] == 0; n = model_.nodes()[n].parent) {
    chain.push_back(n);
  }
  for (auto n = chain.rbegin(); n != chain.rend(); ++n) {
    uint64_t ip = ip_id(*n);
    uint32_t parent = model_.nodes()[*n].parent;
    out_ += 't';
    hex(out_, ip);
    hex(out_, parent == 0 ? 0 : traces_[parent]);
    out_ += '\n';
    traces_[*n] = next_trace_++;
  }
  return traces_[node];
}

uint64_t HeaptrackWriter::info_id(uint32_t node, int64_t nsamples) {
  uint64_t trace = trace_id(node);
  auto [it, fresh] = infos_.try_emplace({trace, nsamples}, next_info_);
  if (fresh) {
    ++next_info_;
    double bytes = model_.bytes_of(nsamples);
    out_ += 'a';
    hex(out_, round_estimate(bytes, 1.8e19));
    hex(out_, trace);
    out_ += '\n';
  }
  return it->second;
}

void HeaptrackWriter::on_model_alloc(uint64_t time_us, const ModelObject& o) {
  event('+', time_us, o.node, o.nsamples);
}

void HeaptrackWriter::on_model_collect(uint64_t time_us, const ModelObject& o) {
  event('-', time_us, o.node, o.nsamples);
}

void HeaptrackWriter::event(char op, uint64_t time_us, uint32_t node, int64_t nsamples) {
  header();
  uint64_t info = info_id(node, nsamples);
  time(time_us);
  out_ += op;
  hex(out_, info);
  out_ += '\n';
}

void HeaptrackWriter::finish() {
  header();
  const TraceInfo& info = model_.info();
  uint64_t last = model_.totals().last_time_us;
  if (last >= info.start_time_us) time(last - info.start_time_us);
}

}  // namespace vigil::trace
