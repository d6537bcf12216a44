// Every kind of bad config gets its own message: place, key, what was expected, the value.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "appliance/config.h"

namespace {

// Writes `text` to a fresh file and returns its path; the file is removed with the object.
struct TempToml {
  explicit TempToml(const std::string& text) {
    char name[] = "/tmp/vigil-test-XXXXXX.toml";
    int fd = mkstemps(name, 5);
    REQUIRE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream(path) << text;
  }
  ~TempToml() { std::remove(path.c_str()); }
  std::string path;
};

std::string error_of(const std::string& text) {
  TempToml file(text);
  auto r = vigil::load_config(file.path, {});
  REQUIRE_FALSE(r.ok());
  std::string msg = r.status().message();
  // Tests compare the text after the file name, which is random.
  REQUIRE(msg.starts_with(file.path));
  return msg.substr(file.path.size());
}

std::string override_error(const std::string& item) {
  auto r = vigil::load_config("", {item});
  REQUIRE_FALSE(r.ok());
  return r.status().message();
}

}  // namespace

TEST_CASE("no file and no overrides give every default") {
  auto r = vigil::load_config("", {});
  REQUIRE(r.ok());
  CHECK(r->interval == std::chrono::seconds(10));
  CHECK(r->control.listen == "0.0.0.0:2323");
  CHECK(r->control.max_connections == 64);
  CHECK(r->memtrace.listen == "0.0.0.0:4242");
  CHECK(r->memtrace.sampling_rate == doctest::Approx(1e-4));
  CHECK(r->logging.level == "info");
  CHECK(r->outputs.empty());
}

TEST_CASE("a good file sets every kind of value") {
  TempToml file(R"(interval = "1h30m"
hostname = "box"
[control]
listen = "127.0.0.1:0"
allow = ["10.0.0.0/8", "127.0.0.1"]
[memtrace]
sampling_rate = 0.01
[logging]
levels = "net*:debug"
format = "json"
[sources.cpu]
period = "500ms"
per_cpu = false
[[outputs]]
kind = "influx-http"
url = "http://127.0.0.1:8086/write?db=vigil"
[[outputs]]
kind = "influx-udp"
url = "udp://127.0.0.1:8089"
)");
  auto r = vigil::load_config(file.path, {});
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->interval == std::chrono::seconds(5400));
  CHECK(r->hostname == "box");
  CHECK(r->control.allow.size() == 2);
  CHECK(r->memtrace.sampling_rate == doctest::Approx(0.01));
  CHECK(r->logging.format == "json");
  CHECK(r->sources["cpu"].period == std::chrono::milliseconds(500));
  CHECK_FALSE(r->cpu_per_core);
  REQUIRE(r->outputs.size() == 2);
  CHECK(r->outputs[0].name == "main");
  CHECK(r->outputs[1].name == "main-2");
}

TEST_CASE("overrides apply after the file and in order") {
  TempToml file("interval = \"5s\"\n");
  auto r = vigil::load_config(file.path, {"interval=7s", "control.listen=127.0.0.1:0",
                                          "control.allow=10.0.0.0/8,::1", "interval=\"9s\""});
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->interval == std::chrono::seconds(9));
  CHECK(r->control.listen == "127.0.0.1:0");
  CHECK(r->control.allow.size() == 2);
}

TEST_CASE("a wrong type names the key, the expected type and the value") {
  CHECK(error_of("interval = 10\n") ==
        ":1:12: interval: expected a positive duration such as 10s, 500ms or 1h30m, got 10");
  CHECK(error_of("[sources.memory]\nenabled = \"yes\"\n") ==
        ":2:11: sources.memory.enabled: expected true or false, got \"yes\"");
}

TEST_CASE("an unknown key is an error that lists the keys of its section") {
  CHECK(error_of("[control]\nlisen = \"x\"\n") ==
        ":2:9: unknown key 'control.lisen' (expected one of: control.allow, control.listen, "
        "control.max_connections, control.socket_path)");
  CHECK(error_of("foo = 1\n") ==
        ":1:7: unknown key 'foo' (expected one of: control, hostname, interval, logging, "
        "memtrace, outputs, sources)");
}

TEST_CASE("an out-of-range value says the range") {
  CHECK(error_of("[control]\nmax_connections = 0\n") ==
        ":2:19: control.max_connections: expected an integer from 1 to 100000, got 0");
  CHECK(error_of("[memtrace]\nsampling_rate = 2.0\n") ==
        ":2:17: memtrace.sampling_rate: expected a number above 0 and at most 1, got 2.0");
}

TEST_CASE("an unparsable address or duration says why") {
  CHECK(error_of("[memtrace]\nlisten = \"0.0.0.0\"\n") ==
        ":2:10: memtrace.listen: expected HOST:PORT such as 0.0.0.0:2323, or \"\" for off, got "
        "\"0.0.0.0\" (missing port: expected HOST:PORT, such as 0.0.0.0:2323 or [::1]:2323)");
  CHECK(error_of("interval = \"10\"\n") ==
        ":1:12: interval: expected a positive duration such as 10s, 500ms or 1h30m, got \"10\" "
        "(time unit needed, for example 10sec or 10ms)");
  CHECK(error_of("[control]\nallow = [\"10.0.0.0/40\"]\n") ==
        ":2:9: control.allow: expected a list of networks such as [\"10.0.0.0/8\", "
        "\"127.0.0.1\"], got [\"10.0.0.0/40\"] (bad prefix length in '10.0.0.0/40': expected a "
        "network such as 10.0.0.0/8, 127.0.0.1 or ::1/128)");
}

TEST_CASE("a bad log level spec is reported with the level parser's words") {
  CHECK(error_of("[logging]\nlevels = \"net:loud\"\n") ==
        ":2:10: logging.levels: expected a level spec such as \"*:info,net*:debug\", got "
        "\"net:loud\" (\"loud\": unknown log level)");
}

TEST_CASE("bad outputs point at the key and name it as outputs[N].KEY") {
  CHECK(error_of("[[outputs]]\nkind = \"influx-udp\"\nurl = \"http://x\"\n") ==
        ":3:7: outputs[0].url: expected udp://HOST:PORT, got 'http://x'");
  CHECK(error_of("[[outputs]]\nurl = \"udp://x:1\"\n") ==
        ":1:1: outputs[0].kind: missing (expected one of stdout, influx-tcp, influx-udp, "
        "influx-http)");
  CHECK(error_of("[[outputs]]\nkind = \"kafka\"\n") ==
        ":2:8: outputs[0].kind: expected one of stdout, influx-tcp, influx-udp, influx-http, "
        "got \"kafka\"");
  CHECK(error_of(
            "[[outputs]]\nkind = \"stdout\"\n[[outputs]]\nkind = \"stdout\"\nbatch_size = 0\n") ==
        ":5:14: outputs[1].batch_size: expected an integer from 1 to 1000000, got 0");
  CHECK(error_of("[[outputs]]\nkind = \"stdout\"\nname = \"a\"\n[[outputs]]\nkind = "
                 "\"stdout\"\nname = \"a\"\n") ==
        ":6:8: outputs[1].name: \"a\" is used by another output (expected unique names)");
  CHECK(error_of("[[outputs]]\nkind = \"stdout\"\nnope = 1\n") ==
        ":3:8: unknown key 'outputs[0].nope' (expected one of: batch_size, buffer_limit, kind, "
        "max_payload, name, password, timeout, token, url, username)");
}

TEST_CASE("an unknown section or source lists the real ones") {
  CHECK(error_of("[sourcez]\nenabled = true\n") ==
        ":2:11: unknown key 'sourcez.enabled' (expected one of: control, hostname, interval, "
        "logging, memtrace, outputs, sources)");
  CHECK(error_of("[sources.nosuch]\nenabled = true\n") ==
        ":2:11: unknown key 'sources.nosuch.enabled' (expected one of: sources.allocator, "
        "sources.cpu, sources.disk, sources.load, sources.logs, sources.memory, sources.net, "
        "sources.pipeline, sources.process)");
}

TEST_CASE("a TOML syntax error points at the line and column of the mistake") {
  std::string msg = error_of("interval = \"5s\"\n[control]\nlisten = \"x\" y\n");
  CHECK_MESSAGE(msg.starts_with(":3:14: bad TOML: "), msg);
  msg = error_of("a = 1\nb = \n");  // The value is missing at column 5.
  CHECK_MESSAGE(msg.starts_with(":2:5: bad TOML: "), msg);
  msg = error_of("a = 1\n\nb = \"unterminated\n");
  CHECK_MESSAGE(msg.starts_with(":3:5: bad TOML: "), msg);
  msg = error_of("interval = \n");
  CHECK_MESSAGE(msg.starts_with(":1:12: bad TOML: "), msg);
}

TEST_CASE("--set with an outputs[N] key shows the outputs=[{...}] form") {
  CHECK(override_error("outputs[0].kind=stdout") ==
        "--set outputs[0].kind=stdout: one output's key cannot be set alone; set the whole "
        "list, e.g. --set 'outputs=[{kind=\"stdout\"}]' or --set "
        "'outputs=[{kind=\"influx-udp\",url=\"udp://127.0.0.1:8089\"}]'");
}

TEST_CASE("an empty allow-list is refused, naming the way to admit every peer") {
  CHECK(override_error("control.allow=[]") ==
        "--set control.allow=[]: control.allow: expected a list of networks such as "
        "[\"10.0.0.0/8\", \"127.0.0.1\"], got [] (the list is empty; [\"0.0.0.0/0\", \"::/0\"] "
        "admits every peer)");
  auto r = vigil::load_config("", {"memtrace.allow=0.0.0.0/0,::/0"});
  REQUIRE(r.ok());
  CHECK(r->memtrace.allow.size() == 2);
}

TEST_CASE("a TOML syntax error keeps toml11's positioned text") {
  std::string msg = error_of("interval = \n");
  CHECK(msg.starts_with(":1:"));
  CHECK(msg.find("bad TOML: ") != std::string::npos);
  CHECK(msg.find("interval = ") != std::string::npos);
}

TEST_CASE("an unreadable file says so") {
  auto r = vigil::load_config("/nonexistent/vigil.toml", {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "/nonexistent/vigil.toml: cannot read: No such file or directory");
}

TEST_CASE("a bad override is reported with the override itself") {
  CHECK(override_error("interval=10") ==
        "--set interval=10: interval: expected a positive duration such as 10s, 500ms or "
        "1h30m, got 10");
  CHECK(override_error("nokey") == "--set nokey: expected KEY=VALUE, such as interval=5s");
  CHECK(override_error("control.nope=1") ==
        "--set control.nope=1: unknown key 'control.nope' (expected one of: control.allow, "
        "control.listen, control.max_connections, control.socket_path)");
}
