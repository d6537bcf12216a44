// libFuzzer target for the control command language: every input is split into lines the
// way the transports split it, and each line is parsed and applied to a small pipeline.
// Built by tools/fuzz-control (clang++ -fsanitize=fuzzer,address,undefined).
//
// Besides the sanitizers, it checks the reply contract: every reply is "ok", "ok: ..." or
// "error: ...", and never holds a LF (one reply is one line).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "control/controller.h"
#include "logging/log.h"
#include "metrics/registry.h"

namespace {

using vigil::metrics::Element;
using vigil::metrics::Kind;

// A source for the L/l commands to find, and a sink that drops every line.
vigil::logging::Source kSource{"fuzz.source"};

class NullSink : public vigil::logging::Sink {
 public:
  void write(std::string_view) override {}
};

struct World {
  World() {
    vigil::logging::set_sink(&sink);
    for (Element* e : {&cpu, &net, &out, &tra}) registry.add(e);
  }
  NullSink sink;
  Element cpu{Kind::source, "proc", "cpu"};
  Element net{Kind::source, "proc", "net", {"ifname"}};
  Element out{Kind::output, "influx", "main"};
  Element tra{Kind::transform, "calc", "sum"};
  vigil::metrics::Registry registry;
  vigil::control::Controller controller{&registry, {}};
};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The parser alone, on the whole input (it may hold LFs and exceed the limit).
  auto whole = vigil::control::parse_command(text);
  check(whole.ok() || !whole.status().message().empty());
  while (!text.empty()) {
    size_t lf = text.find('\n');
    std::string_view line = text.substr(0, lf);
    text = lf == std::string_view::npos ? std::string_view() : text.substr(lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    vigil::control::Reply r = world->controller.execute(line);
    check(r.text == "ok" || r.text.starts_with("ok: ") || r.text.starts_with("error: "));
    check(r.text.find('\n') == std::string::npos);
    check(!r.shutdown || r.text == "ok");
  }
  return 0;
}
