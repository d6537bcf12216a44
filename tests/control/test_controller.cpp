// The Controller against the real log-source registry and a real metrics::Registry:
// exact reply texts, check-everything-before-applying, and the effect on the state.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../net/net_test_util.h"
#include "control/controller.h"
#include "logging/log.h"

using namespace std::chrono_literals;
using namespace vigil;
using control::Controller;
using vigil::test::Pipeline;

namespace {

logging::Source kAlpha{"test.alpha"};
logging::Source kBeta{"test.beta"};

std::string run(Controller& c, std::string_view line) { return c.execute(line).text; }

}  // namespace

TEST_CASE("L sets levels and l lists those that differ from the default, sorted") {
  Pipeline p;
  Controller c(&p.registry, {});
  CHECK(run(c, "L*:info") == "ok");
  CHECK(run(c, "l") == "ok: *:info");
  CHECK(run(c, "L*:info,net.control:debug") == "ok");
  CHECK(run(c, "l") == "ok: *:info,net.control:debug");
  CHECK(run(c, "lnet.control,test.beta") == "ok: net.control:debug,test.beta:info");
  CHECK(run(c, "ltest.beta,net.control,test.beta") == "ok: net.control:debug,test.beta:info");
  CHECK(run(c, "Ltest.*:warning") == "ok");
  CHECK(run(c, "l") == "ok: *:info,net.control:debug,test.alpha:warning,test.beta:warning");
  CHECK(kAlpha.level() == logging::Level::warning);
  CHECK(run(c, "Ldebug") == "ok");
  CHECK(logging::default_level() == logging::Level::debug);
  CHECK(kBeta.level() == logging::Level::debug);
  CHECK(run(c, "l") == "ok: *:debug");
  CHECK(run(c, "Lnet*:error") == "ok");
  CHECK(run(c, "lnet.control") == "ok: net.control:error");
  CHECK(run(c, "L*:info") == "ok");
}

TEST_CASE("l* lists every source after the default") {
  Pipeline p;
  Controller c(&p.registry, {});
  REQUIRE(run(c, "L*:info,test.beta:app") == "ok");
  std::string reply = run(c, "l*");
  CHECK(reply.starts_with("ok: *:info,"));
  CHECK(reply.find(",test.beta:app") != std::string::npos);
  CHECK(reply.find(",net.control:info") != std::string::npos);
  CHECK(reply.find(",test.alpha:info") != std::string::npos);
  CHECK(run(c, "L*:info") == "ok");
}

TEST_CASE("bad L and l commands give the spec's errors and change nothing") {
  Pipeline p;
  Controller c(&p.registry, {});
  REQUIRE(run(c, "L*:info") == "ok");
  CHECK(run(c, "L") == "error: \"\": unknown log level");
  CHECK(run(c, "LDEBUG") == "error: \"DEBUG\": unknown log level");
  CHECK(run(c, "L*:verbose") == "error: \"verbose\": unknown log level");
  CHECK(run(c, "La:b:c") == "error: Can't parse log threshold: a:b:c");
  CHECK(run(c, "Lnosuch:debug") == "error: unknown source: nosuch");
  CHECK(run(c, "L*:debug,test.beta:app,nosuch:debug") == "error: unknown source: nosuch");
  CHECK(run(c, "Ltest.beta:app,zzz*:debug") == "error: unknown source: zzz*");
  CHECK(run(c, "lnosuch") == "error: unknown source: nosuch");
  CHECK(run(c, "l*,dns") == "error: unknown source: *");
  CHECK(run(c, "l") == "ok: *:info");  // Nothing above changed a level.
}

TEST_CASE("M switches sources and m lists them as the spec shows") {
  Pipeline p;
  Controller c(&p.registry, {});
  CHECK(run(c, "m") == "ok: *:enabled");
  CHECK(run(c, "M*:disable,memory:enable,net:enable") == "ok");
  CHECK(run(c, "m") == "ok: *:disabled,memory:enabled,net:enabled,net:enabled");
  CHECK(run(c, "Mdisable,tag:ifname:enable") == "ok");
  CHECK(run(c, "m*") ==
        "ok: *:disabled,tag:ifname:enabled,cpu:disabled,memory:disabled,net:enabled,"
        "net:disabled");
  CHECK(p.registry.enabled(*p.net) == true);
  CHECK(p.registry.enabled(*p.memory) == false);
  CHECK(run(c, "Mtag:ifname:off") == "ok");
  CHECK(p.registry.enabled(*p.net) == false);
  CHECK(run(c, "Mon,net:off") == "ok");
  CHECK(run(c, "mmemory,net") == "ok: memory:enabled,net:disabled,net:disabled");
  CHECK(run(c, "Mmemory:ON") == "ok");
  CHECK(run(c, "Mmemory:off,*:on") == "ok");  // `*` first, then the named items.
  CHECK(run(c, "mmemory") == "ok: memory:disabled");
  CHECK(run(c, "Msrc:memory:enable") == "ok");
  CHECK(run(c, "mmemory") == "ok: memory:enabled");
}

TEST_CASE("bad M and m commands give the spec's errors and change nothing") {
  Pipeline p;
  Controller c(&p.registry, {});
  CHECK(run(c, "M") == "error: couldn't decode 'enable' or 'disable': ");
  CHECK(run(c, "Mmemory:Maybe") == "error: couldn't decode 'enable' or 'disable': maybe");
  CHECK(run(c, "Mfoo:bar:enable") == "error: couldn't decode metrics foo:bar:enable");
  CHECK(run(c, "Mnosuch:enable") == "error: unknown source: nosuch");
  CHECK(run(c, "M*:off,tag:ifname:on,memory:off,nosuch:on") == "error: unknown source: nosuch");
  CHECK(run(c, "Mmemory:off,cpu:bad") == "error: couldn't decode 'enable' or 'disable': bad");
  CHECK(run(c, "mnosuch") == "error: unknown source: nosuch");
  CHECK(run(c, "Mmemory:off,tag:ifnmae:on") == "error: unknown tag: ifnmae");
  CHECK(run(c, "m*") == "ok: *:enabled,cpu:enabled,memory:enabled,net:enabled,net:enabled");
}

TEST_CASE("control acts on the matched elements and replies their sorted names") {
  Pipeline p;
  Controller c(&p.registry, {});
  CHECK(run(c, "control source/proc/* pause") ==
        "ok: source/proc/cpu,source/proc/memory,source/proc/net");
  CHECK(p.memory->state() == metrics::State::paused);
  CHECK(p.registry.enabled(*p.memory) == false);
  CHECK(run(c, "control src/*/net resume") == "ok: source/other/net,source/proc/net");
  CHECK(run(c, "control source/proc/cpu set-period 1h30m") == "ok: source/proc/cpu");
  CHECK(p.cpu->period == 5400s);
  CHECK(run(c, "control sources trigger-now") ==
        "ok: source/other/net,source/proc/cpu,source/proc/memory,source/proc/net");
  CHECK(p.memory->triggers == 1);
  CHECK(run(c, "control * stop") ==
        "ok: output/influx/main,source/other/net,source/proc/cpu,source/proc/memory,"
        "source/proc/net");
  CHECK(p.output->state() == metrics::State::stopped);
  CHECK(p.transform->state() == metrics::State::running);
  CHECK(run(c, "elements") ==
        "ok: output/influx/main:stopped,source/other/net:stopped,source/proc/cpu:stopped,"
        "source/proc/memory:stopped,source/proc/net:stopped,transform/calc/sum:running");
  CHECK(run(c, "elements tra") == "ok: transform/calc/sum:running");
}

TEST_CASE("control errors that depend on the elements") {
  Pipeline p;
  Controller c(&p.registry, {});
  CHECK(run(c, "control source/x*/* pause") == "error: no element matches 'source/x*/*'");
  CHECK(run(c, "control */influx/* trigger-now") ==
        "error: 'trigger-now' not supported by: output/influx/main");
  CHECK(run(c, "control all/calc/* stop") == "error: 'stop' not supported by: transform/calc/sum");
  CHECK(run(c, "elements source/nope/*") == "error: no element matches 'source/nope/*'");
  CHECK(run(c, "control source/a*b/c pause") ==
        "error: bad pattern: 'a*b': invalid pattern: asterisk '*' in the middle of the string");
  CHECK(run(c, "control") == "error: invalid command 'control': missing argument 'selector'");
  CHECK(p.transform->state() == metrics::State::running);
  CHECK(p.output->state() == metrics::State::running);
}

TEST_CASE("shutdown replies ok and leaves the callback to the transport") {
  Pipeline p;
  int calls = 0;
  Controller c(&p.registry, [&] { ++calls; });
  control::Reply r = c.execute("stop");
  CHECK(r.text == "ok");
  CHECK(r.shutdown);
  CHECK(calls == 0);
  c.shutdown();
  CHECK(calls == 1);
  CHECK_FALSE(c.execute("help").shutdown);
  CHECK(run(c, "help").starts_with("ok: L<level-spec> sets log levels"));
}

TEST_CASE("the controller counts answered and rejected commands") {
  Pipeline p;
  Controller c(&p.registry, {});
  run(c, "m");
  run(c, "help");
  run(c, "bogus");
  CHECK(c.stats().commands_ok.load() == 2);
  CHECK(c.stats().commands_error.load() == 1);
}
