#include "trace/trace_functions.h"

#include <unordered_map>
#include <unordered_set>

namespace vigil::trace {
namespace {

const std::string& name_of(const Position& p) {
  static const std::string unknown = "??";
  return p.defname.empty() ? unknown : p.defname;
}

std::string location_of(const Position& p) {
  return (p.filename.empty() ? std::string("?") : p.filename) + ":" + std::to_string(p.line);
}

}  // namespace

std::vector<FunctionFigures> function_figures(const TraceModel& m) {
  const std::vector<StackNode>& nodes = m.nodes();
  std::vector<FunctionFigures> out;
  std::unordered_map<std::string, size_t> index;
  auto entry = [&](const Position& p) -> FunctionFigures& {
    auto [it, fresh] = index.try_emplace(name_of(p), out.size());
    if (fresh) out.push_back({name_of(p), location_of(p)});
    return out[it->second];
  };
  std::unordered_set<std::string> seen;  // functions already counted for this stack
  for (uint32_t i = 1; i < nodes.size(); ++i) {
    const StackStats& st = nodes[i].stats;
    if (st.allocs == 0) continue;
    double bytes = m.bytes_of(st.samples), live = m.bytes_of(st.live_samples);
    bool own_done = false;
    seen.clear();
    for (uint32_t n = i; n != 0; n = nodes[n].parent) {
      const std::vector<Position>* ps = m.positions(n);
      if (ps == nullptr) continue;
      for (auto p = ps->rbegin(); p != ps->rend(); ++p) {  // innermost first
        FunctionFigures& f = entry(*p);
        if (!own_done) {
          own_done = true;
          f.own_bytes += bytes;
          f.own_live_bytes += live;
          f.own_objects += st.objects;
          f.own_live_objects += st.live_objects;
        }
        if (!seen.insert(f.name).second) continue;
        f.total_bytes += bytes;
        f.total_live_bytes += live;
      }
    }
  }
  return out;
}

}  // namespace vigil::trace
