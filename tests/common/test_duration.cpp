#include <doctest/doctest.h>

#include "common/duration.h"

using namespace std::chrono_literals;
using vigil::format_duration;
using vigil::parse_duration;

TEST_CASE("durations in every documented form parse to the right length") {
  CHECK(parse_duration("500ms").value() == 500ms);
  CHECK(parse_duration("1s").value() == 1s);
  CHECK(parse_duration("1.5s").value() == 1500ms);
  CHECK(parse_duration("2min").value() == 120s);
  CHECK(parse_duration("1h30m").value() == 5400s);
  CHECK(parse_duration("10sec").value() == 10s);
  CHECK(parse_duration("3days").value() == 72h);
  CHECK(parse_duration("250us").value() == 250us);
  CHECK(parse_duration("7ns").value() == 7ns);
}

TEST_CASE("a bare number asks for a unit") {
  auto r = parse_duration("10");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "time unit needed, for example 10sec or 10ms");
}

TEST_CASE("bad durations name what is wrong") {
  CHECK(parse_duration("").status().message() == "value was empty");
  CHECK(parse_duration("xs").status().message() == "expected number at 0");
  CHECK(parse_duration("10x").status().message() ==
        "unknown time unit \"x\", supported units: ns, us, ms, s, m/min, h, d, w");
  CHECK(parse_duration("1..5s").status().message() == "invalid number '1..5' at 0");
  CHECK(parse_duration("10s ").status().message() == "expected number at 3");
  CHECK(parse_duration("10-s").status().message() == "invalid character at 2");
  CHECK(parse_duration("99999999999h").status().message() == "number is too large");
}

TEST_CASE("formatted durations read back to the same value") {
  for (auto d : {vigil::Nanos(0), vigil::Nanos(10s), vigil::Nanos(5400s), vigil::Nanos(1500ms),
                 vigil::Nanos(7ns)}) {
    CHECK(parse_duration(format_duration(d)).value() == d);
  }
  CHECK(format_duration(5400s) == "1h30m");
  CHECK(format_duration(500ms) == "500ms");
}
