// The option table: every config key, its type, default, doc and setter.
#include "appliance/options.h"

#include <algorithm>

#include "appliance/config.h"
#include "logging/level.h"
#include "metrics/output_kinds.h"
#include "metrics/sources/builtin.h"

namespace vigil {
namespace {

using Value = toml::value;

// ---- Typed setters. Each takes an accessor returning a reference into the target. ----

template <class T, class F>
Setter<T> string_setter(F field, std::function<Check(const std::string&)> check = {}) {
  return [=](T& t, const Value& v) -> Check {
    if (!v.is_string()) return Bad{"a string", ""};
    const std::string& s = v.as_string().str;
    if (check) {
      if (Check bad = check(s)) return bad;
    }
    field(t) = s;
    return std::nullopt;
  };
}

template <class T, class F>
Setter<T> duration_setter(F field) {
  return [=](T& t, const Value& v) -> Check {
    const std::string expected = "a positive duration such as 10s, 500ms or 1h30m";
    if (!v.is_string()) return Bad{expected, ""};
    auto d = parse_duration(v.as_string().str);
    if (!d.ok()) return Bad{expected, d.status().message()};
    if (d->count() <= 0) return Bad{expected, "the duration must be non-zero"};
    field(t) = *d;
    return std::nullopt;
  };
}

template <class T, class F>
Setter<T> uint_setter(F field, uint64_t lo, uint64_t hi) {
  return [=](T& t, const Value& v) -> Check {
    Bad bad{"an integer from " + std::to_string(lo) + " to " + std::to_string(hi), ""};
    if (!v.is_integer()) return bad;
    int64_t i = v.as_integer();
    if (i < 0 || static_cast<uint64_t>(i) < lo || static_cast<uint64_t>(i) > hi) return bad;
    field(t) = static_cast<std::remove_reference_t<decltype(field(t))>>(i);
    return std::nullopt;
  };
}

template <class T, class F>
Setter<T> bool_setter(F field) {
  return [=](T& t, const Value& v) -> Check {
    if (!v.is_boolean()) return Bad{"true or false", ""};
    field(t) = v.as_boolean();
    return std::nullopt;
  };
}

template <class T, class F>
Setter<T> enum_setter(F field, std::vector<std::string> choices) {
  return [=](T& t, const Value& v) -> Check {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    Bad bad{"one of " + list, ""};
    if (!v.is_string()) return bad;
    const std::string& s = v.as_string().str;
    if (std::find(choices.begin(), choices.end(), s) == choices.end()) return bad;
    field(t) = s;
    return std::nullopt;
  };
}

// A list of strings: a TOML array of strings, or one string split at commas (handy with
// --set). An empty string is an empty list.
std::optional<std::vector<std::string>> string_list(const Value& v) {
  std::vector<std::string> out;
  if (v.is_string()) {
    std::string_view s = v.as_string().str;
    while (!s.empty()) {
      size_t comma = s.find(',');
      out.emplace_back(s.substr(0, comma));
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
    return out;
  }
  if (!v.is_array()) return std::nullopt;
  for (const Value& item : v.as_array()) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.as_string().str);
  }
  return out;
}

// An allow-list is never empty: an empty list is refused rather than read as "nobody" or
// "everybody"; ["0.0.0.0/0", "::/0"] admits every peer.
template <class T, class F>
Setter<T> cidr_list_setter(F field) {
  return [=](T& t, const Value& v) -> Check {
    const std::string expected = "a list of networks such as [\"10.0.0.0/8\", \"127.0.0.1\"]";
    auto items = string_list(v);
    if (!items) return Bad{expected, ""};
    if (items->empty()) {
      return Bad{expected, "the list is empty; [\"0.0.0.0/0\", \"::/0\"] admits every peer"};
    }
    std::vector<Cidr> nets;
    for (const std::string& item : *items) {
      auto c = parse_cidr(item);
      if (!c.ok()) return Bad{expected, c.status().message()};
      nets.push_back(*c);
    }
    field(t) = std::move(nets);
    return std::nullopt;
  };
}

Check check_listen(const std::string& s) {
  if (s.empty()) return std::nullopt;
  auto a = parse_address(s);
  if (!a.ok()) return Bad{"HOST:PORT such as 0.0.0.0:2323, or \"\" for off", a.status().message()};
  return std::nullopt;
}

Check check_level_spec(const std::string& s) {
  if (s.empty()) return std::nullopt;
  auto spec = logging::parse_level_spec(s);
  if (!spec.ok()) return Bad{"a level spec such as \"*:info,net*:debug\"", spec.status().message()};
  return std::nullopt;
}

Check check_hostname(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
      return Bad{"a host name without spaces or control characters", ""};
    }
  }
  return std::nullopt;
}

// ---- The tables. ----

// The default of every allow-list, as TOML: "[\"127.0.0.0/8\", \"::1\", ...]".
std::string private_networks_text() {
  std::string list;
  for (std::string_view n : private_network_texts()) {
    list += (list.empty() ? "\"" : ", \"") + std::string(n) + "\"";
  }
  return "[" + list + "] (loopback and private)";
}

// The built-in sources' names, from their one table (metrics/sources/builtin.cpp).
const std::vector<std::string_view>& source_names_table() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const metrics::BuiltinSource& b : metrics::builtin_sources()) out.push_back(b.name);
    return out;
  }();
  return names;
}

std::vector<std::string> output_kind_names() {
  std::vector<std::string> out;
  for (const metrics::OutputKind& k : metrics::output_kind_table()) out.emplace_back(k.kind);
  return out;
}

std::vector<Option<Config>> make_options() {
  using C = Config;
  std::vector<Option<Config>> o = {
      {"interval", "duration", "10s",
       "How often outputs push, and the poll period of every source without its own.", false,
       duration_setter<C>([](C& c) -> Nanos& { return c.interval; })},
      {"hostname", "string", "the system host name", "The `host` tag added to every point.", false,
       string_setter<C>([](C& c) -> std::string& { return c.hostname; }, check_hostname)},
      {"control.listen", "address", "0.0.0.0:2323",
       "TCP address of the control port; \"\" turns it off.", false,
       string_setter<C>([](C& c) -> std::string& { return c.control.listen; }, check_listen)},
      {"control.socket_path", "path", "\"\" (off)",
       "Path of the Unix control socket (mode 0600), removed at shutdown.", false,
       string_setter<C>([](C& c) -> std::string& { return c.control.socket_path; })},
      {"control.allow", "list of networks", private_networks_text(),
       "Networks whose peers may use the TCP control port; [\"0.0.0.0/0\", \"::/0\"] admits "
       "every peer.",
       false, cidr_list_setter<C>([](C& c) -> std::vector<Cidr>& { return c.control.allow; })},
      {"control.max_connections", "integer", "64",
       "Concurrent control connections; one more gets `error: too many connections`.", false,
       uint_setter<C>([](C& c) -> uint32_t& { return c.control.max_connections; }, 1, 100000)},
      {"memtrace.listen", "address", "0.0.0.0:4242",
       "TCP address of the memtrace port; \"\" turns it off.", false,
       string_setter<C>([](C& c) -> std::string& { return c.memtrace.listen; }, check_listen)},
      {"memtrace.sampling_rate", "float", "1e-4",
       "Sampled allocations per 8-byte word while a client traces.", false,
       [](C& c, const Value& v) -> Check {
         Bad bad{"a number above 0 and at most 1", ""};
         double r = v.is_floating()  ? v.as_floating()
                    : v.is_integer() ? static_cast<double>(v.as_integer())
                                     : -1.0;
         if (!(r > 0.0 && r <= 1.0)) return bad;
         c.memtrace.sampling_rate = r;
         return std::nullopt;
       }},
      {"memtrace.allow", "list of networks", private_networks_text(),
       "Networks whose peers may use the memtrace port; [\"0.0.0.0/0\", \"::/0\"] admits every "
       "peer.",
       false, cidr_list_setter<C>([](C& c) -> std::vector<Cidr>& { return c.memtrace.allow; })},
      {"memtrace.max_queue_bytes", "integer", "8388608",
       "Bytes queued to a slow trace reader at most; past it samples are dropped and counted.",
       false,
       uint_setter<C>([](C& c) -> uint64_t& { return c.memtrace.max_queue_bytes; }, 65536,
                      uint64_t{1} << 32)},
      {"memtrace.seed", "integer", "0 (random)", "Seed of the allocation sampler, for tests.",
       false,
       uint_setter<C>([](C& c) -> uint64_t& { return c.memtrace.seed; }, 0, uint64_t{INT64_MAX})},
      {"logging.level", "level", "info",
       "Default level of every log source: quiet, app, error, warning, info or debug.", true,
       enum_setter<C>([](C& c) -> std::string& { return c.logging.level; },
                      {"quiet", "app", "error", "warning", "info", "debug"})},
      {"logging.levels", "level spec", "\"\"",
       "Per-source levels applied after logging.level, e.g. \"net*:debug,memprof:warning\".", true,
       string_setter<C>([](C& c) -> std::string& { return c.logging.levels; }, check_level_spec)},
      {"logging.format", "enum", "text", "Log line format on stderr: text or json.", false,
       enum_setter<C>([](C& c) -> std::string& { return c.logging.format; }, {"text", "json"})},
      {"sources.cpu.per_cpu", "boolean", "true",
       "Whether source/proc/cpu reports each cpu besides the total.", false,
       bool_setter<C>([](C& c) -> bool& { return c.cpu_per_core; })},
  };
  for (std::string_view src : source_names_table()) {
    std::string name(src);
    o.push_back({"sources." + name + ".enabled", "boolean", "true",
                 "Whether the built-in source `" + name + "` is polled (`M` changes it).", true,
                 bool_setter<C>([name](C& c) -> bool& { return c.sources[name].enabled; })});
    o.push_back({"sources." + name + ".period", "duration", "interval",
                 "Poll period of `" + name + "` (`control ... set-period` changes it).", true,
                 duration_setter<C>([name](C& c) -> Nanos& { return c.sources[name].period; })});
  }
  return o;
}

std::vector<Option<OutputConfig>> make_output_options() {
  using O = OutputConfig;
  auto str = [](std::string O::*m) {
    return string_setter<O>([m](O& o) -> std::string& { return o.*m; });
  };
  return {
      {"kind", "enum", "(required)", metrics::output_kind_list(" or ") + ".", false,
       enum_setter<O>([](O& o) -> std::string& { return o.kind; }, output_kind_names())},
      {"url", "string", "(required but for stdout)",
       "tcp://HOST:PORT, udp://HOST:PORT, or the whole HTTP write endpoint with its query, "
       "e.g. http://HOST:8086/write?db=vigil or https://HOST/api/v2/write?org=o&bucket=b.",
       false, str(&O::url)},
      {"name", "string",
       metrics::default_output_name({}) + ", " +
           metrics::default_output_name({metrics::default_output_name({})}) + ", ...",
       "Element name: output/influx/NAME.", false, str(&O::name)},
      {"token", "string", "\"\"", "InfluxDB 2.x token (Authorization: Token ...).", false,
       str(&O::token)},
      {"username", "string", "\"\"", "InfluxDB 1.x user.", false, str(&O::username)},
      {"password", "string", "\"\"", "InfluxDB 1.x password.", false, str(&O::password)},
      {"buffer_limit", "integer", "10000",
       "Points queued at most; past it the oldest are dropped and counted.", false,
       uint_setter<O>([](O& o) -> uint64_t& { return o.buffer_limit; }, 1, 10'000'000)},
      {"batch_size", "integer", "5000", "Points per send at most.", false,
       uint_setter<O>([](O& o) -> uint64_t& { return o.batch_size; }, 1, 1'000'000)},
      {"timeout", "duration", "10s", "How long one send may take.", false,
       duration_setter<O>([](O& o) -> Nanos& { return o.timeout; })},
      {"max_payload", "integer", "1400", "influx-udp: bytes per datagram at most.", false,
       uint_setter<O>([](O& o) -> uint64_t& { return o.max_payload; }, 256, 65507)},
  };
}

}  // namespace

const std::vector<Option<Config>>& options() {
  static const auto* o = new std::vector<Option<Config>>(make_options());
  return *o;
}

const std::vector<Option<OutputConfig>>& output_options() {
  static const auto* o = new std::vector<Option<OutputConfig>>(make_output_options());
  return *o;
}

const std::vector<std::string_view>& builtin_source_names() { return source_names_table(); }

}  // namespace vigil
