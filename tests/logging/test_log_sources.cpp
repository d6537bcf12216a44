#include <doctest/doctest.h>

#include <mutex>
#include <string>
#include <vector>

#include "logging/log.h"

namespace logging = vigil::logging;
using logging::Level;

namespace {

// A sink that keeps every line, so tests can read what was written.
class MemorySink : public logging::Sink {
 public:
  void write(std::string_view line) override {
    std::lock_guard lock(mu);
    lines.emplace_back(line);
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

struct SinkScope {
  explicit SinkScope(MemorySink* s) { logging::set_sink(s); }
  ~SinkScope() {
    logging::set_sink(nullptr);
    logging::set_format(logging::Format::text);
  }
};

int evaluated = 0;
int count_evaluation() { return ++evaluated; }

}  // namespace

TEST_CASE("a disabled call neither formats nor evaluates its arguments") {
  logging::Source src("test.disabled");
  src.set_level(Level::info);
  MemorySink sink;
  SinkScope scope(&sink);
  evaluated = 0;
  VIGIL_LOG(src, debug, "value %d", count_evaluation());
  CHECK(evaluated == 0);
  CHECK(sink.lines.empty());
  VIGIL_LOG(src, info, "value %d", count_evaluation());
  CHECK(evaluated == 1);
  REQUIRE(sink.lines.size() == 1);
  CHECK(sink.lines[0].find("info    [test.disabled] value 1\n") != std::string::npos);
}

TEST_CASE("json lines carry the level, the source and an escaped message") {
  logging::Source src("test.json");
  src.set_level(Level::debug);
  MemorySink sink;
  SinkScope scope(&sink);
  logging::set_format(logging::Format::json);
  VIGIL_LOG(src, warning, "say \"%s\"", "hi\n");
  REQUIRE(sink.lines.size() == 1);
  const std::string& line = sink.lines[0];
  CHECK(line.starts_with("{\"time\":\""));
  CHECK(line.ends_with(
      "\",\"level\":\"warning\",\"source\":\"test.json\",\"msg\":\"say \\\"hi\\n\\\"\"}\n"));
}

TEST_CASE("warnings and errors are counted") {
  logging::Source src("test.counts");
  src.set_level(Level::debug);
  MemorySink sink;
  SinkScope scope(&sink);
  uint64_t w = logging::warnings_logged();
  uint64_t e = logging::errors_logged();
  VIGIL_LOG(src, warning, "w");
  VIGIL_LOG(src, error, "e");
  VIGIL_LOG(src, error, "e");
  CHECK(logging::warnings_logged() == w + 1);
  CHECK(logging::errors_logged() == e + 2);
}

TEST_CASE("applying a spec sets the default, then the named sources") {
  logging::Source a("test.apply.a");
  logging::Source b("test.apply.b");
  auto spec = logging::parse_level_spec("*:warning,test.apply.b:debug");
  REQUIRE(spec.ok());
  REQUIRE(logging::apply(*spec).ok());
  CHECK(logging::default_level() == Level::warning);
  CHECK(a.level() == Level::warning);
  CHECK(b.level() == Level::debug);
  REQUIRE(logging::apply(*logging::parse_level_spec("info")).ok());
  CHECK(b.level() == Level::info);
}

TEST_CASE("a spec naming an unknown source applies nothing") {
  logging::Source a("test.partial.a");
  a.set_level(Level::info);
  auto spec = logging::parse_level_spec("test.partial.a:debug,nosuch:debug");
  REQUIRE(spec.ok());
  auto st = logging::apply(*spec);
  CHECK(st.message() == "unknown source: nosuch");
  CHECK(a.level() == Level::info);
}

TEST_CASE("a quiet source logs nothing at any level") {
  logging::Source src("test.quiet");
  src.set_level(Level::quiet);
  CHECK_FALSE(src.enabled(Level::app));
  CHECK_FALSE(src.enabled(Level::error));
  src.set_level(Level::app);
  CHECK(src.enabled(Level::app));
  CHECK_FALSE(src.enabled(Level::error));
}
