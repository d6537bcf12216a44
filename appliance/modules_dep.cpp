#include "appliance/modules_dep.h"

#include <map>

namespace vigil::appliance {
namespace {

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_spaces(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t b = s.find_first_not_of(" \t\r", i);
    if (b == std::string_view::npos) break;
    size_t e = s.find_first_of(" \t\r", b);
    if (e == std::string_view::npos) e = s.size();
    out.emplace_back(s.substr(b, e - b));
    i = e;
  }
  return out;
}

enum class Mark { none, visiting, done };

// Depth-first walk: a module is appended once all it needs has been appended. The
// "visiting" mark finds cycles, which depmod never writes but a hand-edited file may hold.
class Orderer {
 public:
  explicit Orderer(const std::vector<ModuleEntry>& entries) : entries_(entries) {
    for (size_t i = 0; i < entries.size(); ++i) index_[entries[i].path] = i;
  }

  Status visit(size_t i) {
    if (marks_[i] == Mark::done) return Status();
    const ModuleEntry& e = entries_[i];
    if (marks_[i] == Mark::visiting) {
      return Status::error("modules.dep:" + std::to_string(e.line) + ": " + e.path +
                           " depends on itself through its dependencies");
    }
    marks_[i] = Mark::visiting;
    for (const std::string& dep : e.deps) {
      auto it = index_.find(dep);
      if (it == index_.end()) {
        return Status::error("modules.dep:" + std::to_string(e.line) + ": " + e.path + " needs " +
                             dep + ", which has no line of its own");
      }
      if (Status st = visit(it->second); !st.ok()) return st;
    }
    marks_[i] = Mark::done;
    order_.push_back(e.path);
    return Status();
  }

  std::vector<std::string>& order() { return order_; }

 private:
  const std::vector<ModuleEntry>& entries_;
  std::map<std::string, size_t> index_;
  std::map<size_t, Mark> marks_;
  std::vector<std::string> order_;
};

}  // namespace

Result<std::vector<ModuleEntry>> parse_modules_dep(std::string_view text) {
  std::vector<ModuleEntry> entries;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (trim(line).empty()) continue;
    size_t colon = line.find(':');
    std::string_view path = colon == std::string_view::npos ? "" : trim(line.substr(0, colon));
    if (path.empty() || path.find_first_of(" \t") != std::string_view::npos) {
      return Status::error("modules.dep:" + std::to_string(line_no) +
                           ": expected 'path.ko: deps...', got '" + std::string(line) + "'");
    }
    entries.push_back({std::string(path), split_spaces(line.substr(colon + 1)), line_no});
  }
  return entries;
}

std::string module_name(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::string name(base.substr(0, base.find(".ko")));
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

Result<std::vector<std::string>> module_load_order(const std::vector<ModuleEntry>& entries) {
  Orderer orderer(entries);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (Status st = orderer.visit(i); !st.ok()) return st;
  }
  return std::move(orderer.order());
}

}  // namespace vigil::appliance
