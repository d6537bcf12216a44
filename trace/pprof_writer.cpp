#include "trace/pprof_writer.h"

#include <cstdio>
#include <map>
#include <string_view>
#include <unordered_map>

namespace vigil::trace {
namespace {

// Protocol buffers wire format: a key is (field << 3 | wire type); type 0 is a varint and
// type 2 a length-delimited byte string (also used for packed repeated varints and for
// nested messages). Negative int64 values are sent as their 64-bit two's complement.
class Proto {
 public:
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  // Proto3 leaves zero-valued scalars out.
  void field(unsigned number, uint64_t v) {
    if (v == 0) return;
    varint(uint64_t{number} << 3);
    varint(v);
  }
  void field_i64(unsigned number, int64_t v) { field(number, static_cast<uint64_t>(v)); }
  void bytes(unsigned number, std::string_view b) {
    varint(uint64_t{number} << 3 | 2);
    varint(b.size());
    out_.append(b);
  }
  void packed(unsigned number, const std::vector<uint64_t>& vs) {
    Proto p;
    for (uint64_t v : vs) p.varint(v);
    bytes(number, p.out_);
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// The string table: index 0 is "".
class Strings {
 public:
  Strings() { id(""); }
  uint64_t id(const std::string& s) {
    auto [it, fresh] = ids_.try_emplace(s, list_.size());
    if (fresh) list_.push_back(s);
    return it->second;
  }
  const std::vector<std::string>& list() const { return list_; }

 private:
  std::unordered_map<std::string, uint64_t> ids_;
  std::vector<std::string> list_;
};

// "libfoo.so+0x1234" with file "/usr/lib/libfoo.so": an unresolved frame names its module.
bool names_module(const Position& p) {
  size_t plus = p.defname.rfind("+0x");
  if (plus == std::string::npos || p.filename.empty() || p.filename[0] != '/') return false;
  std::string_view base(p.filename);
  base.remove_prefix(base.rfind('/') + 1);
  return std::string_view(p.defname).substr(0, plus) == base;
}

struct Builder {
  explicit Builder(const TraceModel& m) : model(m) {}

  uint64_t mapping_for(const std::string& path) {
    auto [it, fresh] = mapping_ids.try_emplace(path, mappings.size() + 1);
    if (fresh) {
      Proto p;
      p.field(1, it->second);
      p.field(5, strings.id(path));
      p.field(7, 1);   // has_functions
      p.field(8, 1);   // has_filenames
      p.field(9, 1);   // has_line_numbers
      p.field(10, 1);  // has_inline_frames
      mappings.push_back(p.str());
    }
    return it->second;
  }

  uint64_t function_for(const Position& pos) {
    std::string name = pos.defname.empty() ? "??" : pos.defname;
    auto key = std::make_pair(name, pos.filename);
    auto [it, fresh] = function_ids.try_emplace(key, functions.size() + 1);
    if (fresh) {
      Proto p;
      p.field(1, it->second);
      p.field(2, strings.id(name));
      p.field(3, strings.id(name));
      p.field(4, strings.id(pos.filename));
      functions.push_back(p.str());
    }
    return it->second;
  }

  uint64_t location_for(uint32_t node) {
    uint64_t code = model.nodes()[node].code;
    auto [it, fresh] = location_ids.try_emplace(code, locations.size() + 1);
    if (!fresh) return it->second;
    const std::vector<Position>* ps = model.positions(node);
    Proto p;
    p.field(1, it->second);
    if (ps != nullptr && ps->size() == 1 && names_module(ps->front())) {
      p.field(2, mapping_for(ps->front().filename));
    }
    p.field(3, code);
    if (ps != nullptr) {
      for (auto pos = ps->rbegin(); pos != ps->rend(); ++pos) {  // innermost first
        Proto line;
        line.field(1, function_for(*pos));
        line.field(2, pos->line);
        p.bytes(4, line.str());
      }
    }
    locations.push_back(p.str());
    return it->second;
  }

  const TraceModel& model;
  Strings strings;
  std::map<std::string, uint64_t> mapping_ids;
  std::vector<std::string> mappings;
  std::map<std::pair<std::string, std::string>, uint64_t> function_ids;
  std::vector<std::string> functions;
  std::unordered_map<uint64_t, uint64_t> location_ids;
  std::vector<std::string> locations;
};

uint64_t rounded(double v) { return round_estimate(v, 9.2e18); }

std::string value_type(Strings& s, const char* type, const char* unit) {
  Proto p;
  p.field(1, s.id(type));
  p.field(2, s.id(unit));
  return p.str();
}

}  // namespace

std::string encode_pprof(const TraceModel& model, std::string_view default_sample) {
  Builder b(model);
  const TraceInfo& info = model.info();
  b.mapping_for(info.executable_name.empty() ? "[main]" : info.executable_name);
  Proto profile;
  for (auto [type, unit] : {std::pair{"alloc_objects", "count"},
                            {"alloc_space", "bytes"},
                            {"inuse_objects", "count"},
                            {"inuse_space", "bytes"}}) {
    profile.bytes(1, value_type(b.strings, type, unit));
  }
  const std::vector<StackNode>& nodes = model.nodes();
  std::vector<uint64_t> ids, values;
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    const StackStats& st = nodes[i].stats;
    if (st.allocs == 0) continue;
    ids.clear();
    for (uint32_t n = i; n != 0; n = nodes[n].parent) ids.push_back(b.location_for(n));
    values = {rounded(st.objects), rounded(model.bytes_of(st.samples)), rounded(st.live_objects),
              rounded(model.bytes_of(st.live_samples))};
    Proto sample;
    sample.packed(1, ids);
    sample.packed(2, values);
    profile.bytes(2, sample.str());
  }
  for (const std::string& m : b.mappings) profile.bytes(3, m);
  for (const std::string& l : b.locations) profile.bytes(4, l);
  for (const std::string& f : b.functions) profile.bytes(5, f);

  // Comments and the remaining strings are interned before the table is written.
  std::vector<uint64_t> comments;
  auto comment = [&](const std::string& text) { comments.push_back(b.strings.id(text)); };
  comment("executable_name: " + info.executable_name);
  comment("host_name: " + info.host_name);
  comment("pid: " + std::to_string(info.pid));
  char rate[64];
  std::snprintf(rate, sizeof rate, "sample_rate: %g (per word)", info.sample_rate);
  comment(rate);
  comment("word_size: " + std::to_string(info.word_size));
  comment("start_time_us: " + std::to_string(info.start_time_us));
  if (!info.ocaml_runtime_params.empty())
    comment("ocaml_runtime_params: " + info.ocaml_runtime_params);
  if (!info.context.empty()) comment("context: " + info.context);
  std::string period_type = value_type(b.strings, "space", "bytes");
  uint64_t default_type = b.strings.id(std::string(default_sample));

  for (const std::string& s : b.strings.list()) profile.bytes(6, s);
  const TraceModel::Totals& t = model.totals();
  uint64_t start_us = info.start_time_us + model.options().from_us;
  profile.field(9, start_us * 1000);
  uint64_t end_us = std::max(t.last_time_us, start_us);
  if (model.options().to_us != std::numeric_limits<uint64_t>::max()) {
    end_us = std::min(end_us, info.start_time_us + model.options().to_us);
  }
  profile.field(10, (end_us - start_us) * 1000);
  profile.bytes(11, period_type);
  double rate_v = info.sample_rate;
  profile.field(12, rate_v > 0 ? rounded(info.word_size / 8.0 / rate_v) : 0);
  profile.packed(13, comments);
  profile.field(14, default_type);
  return profile.str();
}

}  // namespace vigil::trace
