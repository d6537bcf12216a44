#include <doctest/doctest.h>

#include "logging/level.h"

using vigil::logging::Level;
using vigil::logging::parse_level_spec;

TEST_CASE("a spec with a default and a pattern keeps both items in order") {
  auto spec = parse_level_spec("*:info,net*:debug");
  REQUIRE(spec.ok());
  REQUIRE(spec->items.size() == 2);
  CHECK(spec->items[0].pattern == "*");
  CHECK(spec->items[0].level == Level::info);
  CHECK(spec->items[1].pattern == "net*");
  CHECK(spec->items[1].level == Level::debug);
}

TEST_CASE("a bare level is the default item") {
  auto spec = parse_level_spec("debug");
  REQUIRE(spec.ok());
  CHECK(spec->items[0].pattern == "*");
}

TEST_CASE("an empty spec is an unknown empty level") {
  CHECK(parse_level_spec("").status().message() == "\"\": unknown log level");
}

TEST_CASE("level names are case-sensitive") {
  CHECK(parse_level_spec("DEBUG").status().message() == "\"DEBUG\": unknown log level");
  CHECK(parse_level_spec("*:verbose").status().message() == "\"verbose\": unknown log level");
}

TEST_CASE("three parts in an item cannot be parsed") {
  CHECK(parse_level_spec("a:b:c").status().message() == "Can't parse log threshold: a:b:c");
}

TEST_CASE("a partly bad spec reports the first bad item") {
  CHECK(parse_level_spec("*:info,net:loud,x:y:z").status().message() ==
        "\"loud\": unknown log level");
}

TEST_CASE("a bad level name is quoted the way OCaml's %S does") {
  CHECK(vigil::logging::ocaml_quote("a\"b\\c\n\t\r\b\x01\xff") ==
        "\"a\\\"b\\\\c\\n\\t\\r\\b\\001\\255\"");
  CHECK(parse_level_spec(std::string_view("x\0", 2)).status().message() ==
        "\"x\\000\": unknown log level");
}

TEST_CASE("patterns match exact names, prefixes and suffixes") {
  using vigil::logging::name_matches;
  CHECK(name_matches("net.control", "net.control"));
  CHECK_FALSE(name_matches("net.control", "net.controls"));
  CHECK(name_matches("net*", "net.control"));
  CHECK(name_matches("*push", "metrics.push"));
  CHECK_FALSE(name_matches("*push", "metrics.pusher"));
  CHECK(name_matches("*", "anything"));
}
