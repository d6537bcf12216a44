// The pure command parser against every row of docs/control-protocol.md, plus hostile
// input. Replies that depend on the registries are tested in test_controller.cpp.
#include <doctest/doctest.h>

#include <string>

#include "control/parse.h"

using namespace std::chrono_literals;
using namespace vigil::control;
using vigil::logging::Level;

namespace {

// The parse error of `line`, or "<ok>" when it parses.
std::string error_of(std::string_view line) {
  auto r = parse_command(line);
  return r.ok() ? "<ok>" : r.status().message();
}

template <class T>
T parsed(std::string_view line) {
  auto r = parse_command(line);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  REQUIRE(std::holds_alternative<T>(*r));
  return std::get<T>(*r);
}

}  // namespace

TEST_CASE("L items parse into a level spec in the order written") {
  auto cmd = parsed<SetLevels>("L*:info,net.control:debug");
  REQUIRE(cmd.spec.items.size() == 2);
  CHECK(cmd.spec.items[0].pattern == "*");
  CHECK(cmd.spec.items[0].level == Level::info);
  CHECK(cmd.spec.items[1].pattern == "net.control");
  CHECK(cmd.spec.items[1].level == Level::debug);
  CHECK(parsed<SetLevels>("Ldebug").spec.items.at(0).pattern == "*");
  CHECK(parsed<SetLevels>("L*:debug").spec.items.at(0).level == Level::debug);
  CHECK(parsed<SetLevels>("Lnet*:debug").spec.items.at(0).pattern == "net*");
}

TEST_CASE("bad L items give the spec's errors") {
  CHECK(error_of("L") == "\"\": unknown log level");
  CHECK(error_of("LDEBUG") == "\"DEBUG\": unknown log level");
  CHECK(error_of("L*:verbose") == "\"verbose\": unknown log level");
  CHECK(error_of("La:b:c") == "Can't parse log threshold: a:b:c");
  CHECK(error_of("L*:info,x:loud") == "\"loud\": unknown log level");
}

TEST_CASE("a bad level is quoted with OCaml escapes") {
  CHECK(error_of(std::string("L\"\\\t\b\r\x01\xff", 8)) ==
        "\"\\\"\\\\\\t\\b\\r\\001\\255\": unknown log level");
}

TEST_CASE("l takes no argument, a star, or a list of names") {
  CHECK(parsed<QueryLevels>("l").scope == QueryScope::differing);
  CHECK(parsed<QueryLevels>("l*").scope == QueryScope::all);
  auto q = parsed<QueryLevels>("lnet.control,memprof");
  CHECK(q.scope == QueryScope::named);
  CHECK(q.names == std::vector<std::string>{"net.control", "memprof"});
  // A star inside a list is a name like any other; the applier rejects it.
  CHECK(parsed<QueryLevels>("l*,dns").names == std::vector<std::string>{"*", "dns"});
}

TEST_CASE("M items name all, a tag or a source") {
  auto cmd = parsed<SetMetrics>("M*:disable,memory:enable,net:enable");
  REQUIRE(cmd.items.size() == 3);
  CHECK(cmd.items[0].target == MetricsItem::Target::all);
  CHECK_FALSE(cmd.items[0].enable);
  CHECK(cmd.items[1].target == MetricsItem::Target::source);
  CHECK(cmd.items[1].name == "memory");
  CHECK(cmd.items[1].enable);
  auto tag = parsed<SetMetrics>("Mtag:ifname:enable").items.at(0);
  CHECK(tag.target == MetricsItem::Target::tag);
  CHECK(tag.name == "ifname");
  CHECK(parsed<SetMetrics>("Mmemory:ON").items.at(0).enable);
  CHECK_FALSE(parsed<SetMetrics>("Moff").items.at(0).enable);
  auto src = parsed<SetMetrics>("Msrc:tag:Disable").items.at(0);
  CHECK(src.target == MetricsItem::Target::source);
  CHECK(src.name == "tag");
  CHECK_FALSE(src.enable);
}

TEST_CASE("bad M items give the spec's errors") {
  CHECK(error_of("M") == "couldn't decode 'enable' or 'disable': ");
  CHECK(error_of("Mmemory:Maybe") == "couldn't decode 'enable' or 'disable': maybe");
  CHECK(error_of("Mfoo:bar:enable") == "couldn't decode metrics foo:bar:enable");
  CHECK(error_of("Mtag:enable") == "couldn't decode metrics tag:enable");
  CHECK(error_of("Mmemory:on,cpu:nope") == "couldn't decode 'enable' or 'disable': nope");
}

TEST_CASE("m takes no argument, a star, or a list of names") {
  CHECK(parsed<QueryMetrics>("m").scope == QueryScope::differing);
  CHECK(parsed<QueryMetrics>("m*").scope == QueryScope::all);
  CHECK(parsed<QueryMetrics>("mmemory,net").names == std::vector<std::string>{"memory", "net"});
}

TEST_CASE("shutdown and stop ignore extra words") {
  parsed<Shutdown>("shutdown");
  parsed<Shutdown>("stop");
  parsed<Shutdown>("  stop now please ");
  parsed<Help>("help");
}

TEST_CASE("control commands parse kinds, wildcards and actions") {
  auto c = parsed<Control>("control source/proc/mem* pause");
  CHECK(c.pattern.kinds[0]);
  CHECK_FALSE(c.pattern.kinds[1]);
  CHECK_FALSE(c.pattern.kinds[2]);
  CHECK(c.pattern.plugin.mode == NamePattern::Mode::exact);
  CHECK(c.pattern.element.mode == NamePattern::Mode::prefix);
  CHECK(c.pattern.element.matches("memory"));
  CHECK_FALSE(c.pattern.element.matches("cpu"));
  CHECK(c.action == Action::pause);
  CHECK(parsed<Control>("control out/*/*main resume").pattern.element.matches("x-main"));
  CHECK(parsed<Control>("control out disable").action == Action::pause);
  CHECK(parsed<Control>("control all enable").action == Action::resume);
  CHECK(parsed<Control>("control outputs stop").action == Action::stop);
  auto p = parsed<Control>("control src set-period 1h30m");
  CHECK(p.action == Action::set_period);
  CHECK(p.period == 5400s);
  CHECK(parsed<Control>("control sources set-poll-interval 500ms").period == 500ms);
  CHECK(parsed<Control>("control * trigger-now").action == Action::trigger_now);
  for (const char* kind : {"src", "source", "sources", "tra", "transform", "transforms", "out",
                           "output", "outputs", "*", "all", "any"}) {
    CHECK(error_of(std::string("control ") + kind + " pause") == "<ok>");
  }
}

TEST_CASE("bad control commands give the spec's errors") {
  CHECK(error_of("control foo pause") == "bad kind: 'foo': invalid element kind");
  CHECK(error_of("control source/x pause") ==
        "bad pattern, expected kind/plugin/element but got 'source/x'");
  CHECK(error_of("control source/a*b/c pause") ==
        "bad pattern: 'a*b': invalid pattern: asterisk '*' in the middle of the string");
  CHECK(error_of("control source") ==
        "invalid command 'control source': missing arguments after the selector");
  CHECK(error_of("control source/a/b foo") ==
        "invalid command 'control source/a/b foo': invalid command");
  CHECK(error_of("control source/a/b pause now") ==
        "invalid command 'control source/a/b pause now': invalid command");
  CHECK(error_of("control source set-period") ==
        "invalid command 'control source set-period': invalid command");
  CHECK(error_of("control transform stop") ==
        "invalid control 'stop': it can only be applied to sources and outputs");
  CHECK(error_of("control output set-period 1s") ==
        "invalid control 'set-period': it can only be applied to sources");
  CHECK(error_of("control tra trigger-now") ==
        "invalid control 'trigger-now': it can only be applied to sources");
  CHECK(error_of("control source set-period 10") ==
        "invalid duration '10': time unit needed, for example 10sec or 10ms");
  CHECK(error_of("control source set-period 0s") ==
        "invalid control 'set-period': the period must be non-zero");
  CHECK(error_of("control") == "invalid command 'control': missing argument 'selector'");
  CHECK(error_of("control   ") == "invalid command 'control': missing argument 'selector'");
}

TEST_CASE("elements takes an optional pattern") {
  CHECK_FALSE(parsed<Elements>("elements").has_pattern);
  CHECK(parsed<Elements>("elements source/*/cpu").has_pattern);
  CHECK(error_of("elements bogus") == "bad kind: 'bogus': invalid element kind");
  CHECK(error_of("elements a b") == "invalid command 'elements a b': invalid command");
}

TEST_CASE("empty, blank and unknown lines are unknown commands") {
  CHECK(error_of("") == "unknown command");
  CHECK(error_of(" \t ") == "unknown command");
  CHECK(error_of("hello") == "unknown command");
  CHECK(error_of("SHUTDOWN") == "unknown command");
  CHECK(error_of(" l") == "unknown command");  // The letter must be the first byte.
}

TEST_CASE("a 4096-byte line parses and a 4097-byte line is too long") {
  std::string line = "l" + std::string(4095, 'x');
  auto q = parsed<QueryLevels>(line);
  CHECK(q.names.at(0).size() == 4095);
  CHECK(error_of(line + "x") == "command too long (limit 4096 bytes)");
  std::string unknown(4096, 'z');
  CHECK(error_of(unknown) == "unknown command");
}

TEST_CASE("NUL bytes and invalid UTF-8 are ordinary bytes") {
  CHECK(error_of(std::string("L\0", 2)) == "\"\\000\": unknown log level");
  CHECK(error_of(std::string("shut\0down", 9)) == "unknown command");
  CHECK(error_of("\xff\xfe\xc3") == "unknown command");
  CHECK(error_of("Mm\xc3\x28:on") == "<ok>");  // Names are bytes; the applier checks them.
  CHECK(error_of("control s\xffurce pause") == "bad kind: 's\xffurce': invalid element kind");
  auto q = parsed<QueryLevels>(std::string("l\0a", 3));
  CHECK(q.names.at(0) == std::string("\0a", 2));
}
