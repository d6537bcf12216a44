#include "appliance/cmdline.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <charconv>

namespace vigil::appliance {
namespace {

// One word of the command line and the 1-based column where it starts.
struct Word {
  std::string text;
  size_t column = 0;
  bool unterminated_quote = false;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Drops the quotes the kernel's next_arg() drops: a quote opening the word, or opening the
// value (just after the first '='), together with a quote ending the word. Inner quotes
// stay, so a TOML value keeps its strings: vigil.set=a="x y" => a="x y".
std::string strip_quotes(std::string_view raw) {
  bool quoted = !raw.empty() && raw.front() == '"';
  if (quoted) raw.remove_prefix(1);
  size_t eq = raw.find('=');
  bool ends_with_quote = !raw.empty() && raw.back() == '"';
  if (eq != std::string_view::npos && eq + 1 < raw.size() && raw[eq + 1] == '"') {
    std::string out(raw.substr(0, eq + 1));
    std::string_view value = raw.substr(eq + 2);
    if (ends_with_quote && !value.empty()) value.remove_suffix(1);
    return out + std::string(value);
  }
  if (quoted && ends_with_quote) raw.remove_suffix(1);
  return std::string(raw);
}

// Splits like the kernel's next_arg(): a space inside double quotes does not end a word.
std::vector<Word> split_words(std::string_view text) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < text.size()) {
    if (is_space(text[i])) {
      ++i;
      continue;
    }
    size_t begin = i;
    bool in_quote = false;
    for (; i < text.size() && (in_quote || !is_space(text[i])); ++i) {
      if (text[i] == '"') in_quote = !in_quote;
    }
    words.push_back({strip_quotes(text.substr(begin, i - begin)), begin + 1, in_quote});
  }
  return words;
}

Result<in_addr> parse_ipv4(std::string_view text) {
  in_addr addr{};
  std::string s(text);
  if (s.empty() || inet_pton(AF_INET, s.c_str(), &addr) != 1) {
    return Status::error("'" + s + "' is not an IPv4 address");
  }
  return addr;
}

uint32_t netmask(int prefix) { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }

Status set_ipv4(BootParams& p, std::string_view value) {
  if (p.ipv4) return Status::error("given twice");
  auto v = parse_ipv4_prefix(value);
  if (!v.ok()) return v.status();
  p.ipv4 = *v;
  return Status();
}

Status set_gateway(BootParams& p, std::string_view value) {
  if (p.gateway) return Status::error("given twice");
  auto v = parse_ipv4(value);
  if (!v.ok()) return v.status();
  p.gateway = *v;
  return Status();
}

Status set_iface(BootParams& p, std::string_view value) {
  if (!p.iface.empty()) return Status::error("given twice");
  if (value.size() >= IFNAMSIZ) {
    return Status::error("'" + std::string(value) + "' is longer than " +
                         std::to_string(IFNAMSIZ - 1) + " characters");
  }
  if (value.find_first_of("/:") != std::string_view::npos) {
    return Status::error("'" + std::string(value) + "' contains '/' or ':'");
  }
  p.iface = value;
  return Status();
}

Status set_config(BootParams& p, std::string_view value) {
  if (!p.config_path.empty()) return Status::error("given twice");
  if (value.front() != '/') return Status::error("'" + std::string(value) + "' is not absolute");
  p.config_path = value;
  return Status();
}

Status add_set(BootParams& p, std::string_view value) {
  size_t eq = value.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::error("'" + std::string(value) + "' is not key.path=value");
  }
  p.sets.emplace_back(value);
  return Status();
}

Status set_carrier_timeout(BootParams& p, std::string_view value) {
  auto d = parse_duration(value);
  if (!d.ok())
    return Status::error("invalid duration '" + std::string(value) + "': " + d.status().message());
  if (d->count() <= 0) return Status::error("'" + std::string(value) + "' is not positive");
  p.carrier_timeout = *d;
  return Status();
}

// "0xf4" or "244": a port from 1 to 0xffff.
Result<uint16_t> parse_port_number(std::string_view value) {
  std::string_view digits = value;
  int base = 10;
  if (digits.starts_with("0x") || digits.starts_with("0X")) {
    digits.remove_prefix(2);
    base = 16;
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port, base);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port == 0 ||
      port > 0xffff) {
    return Status::error("'" + std::string(value) + "' is not a port from 1 to 0xffff");
  }
  return static_cast<uint16_t>(port);
}

Status set_exit_port(BootParams& p, std::string_view value) {
  if (p.exit_port != 0) return Status::error("given twice");
  auto port = parse_port_number(value);
  if (!port.ok()) return port.status();
  p.exit_port = *port;
  return Status();
}

// The one table of boot parameters: name, what a value looks like, and its setter.
struct Param {
  std::string_view name;
  std::string_view expected;
  Status (*apply)(BootParams&, std::string_view);
};

constexpr Param kParams[] = {
    {"vigil.ipv4", "A.B.C.D/PREFIX, e.g. 10.0.2.15/24", set_ipv4},
    {"vigil.ipv4_gateway", "A.B.C.D inside the vigil.ipv4 network, e.g. 10.0.2.2", set_gateway},
    {"vigil.iface", "an interface name, e.g. eth0", set_iface},
    {"vigil.config", "an absolute path to a TOML file in the image", set_config},
    {"vigil.set", "key.path=value, e.g. control.listen=0.0.0.0:2323", add_set},
    {"vigil.carrier_timeout", "a duration, e.g. 10s", set_carrier_timeout},
    {"vigil.exit_port", "an I/O port, e.g. 0xf4 (qemu's isa-debug-exit)", set_exit_port},
};

std::string known_names() {
  std::string names;
  for (const Param& p : kParams) {
    if (!names.empty()) names += ", ";
    names += p.name;
  }
  return names;
}

const Param* find_param(std::string_view name) {
  for (const Param& p : kParams) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// Applies one "vigil." word; the message is the reason, with what was expected.
Status apply_word(BootParams& p, const Word& w) {
  std::string_view text = w.text;
  size_t eq = text.find('=');
  std::string_view name = text.substr(0, eq);
  const Param* param = find_param(name);
  if (param == nullptr) {
    return Status::error("unknown boot parameter (expected one of " + known_names() + ")");
  }
  std::string expected =
      " (expected " + std::string(param->name) + "=" + std::string(param->expected) + ")";
  if (w.unterminated_quote) return Status::error("unterminated double quote" + expected);
  if (eq == std::string_view::npos) return Status::error("missing '='" + expected);
  std::string_view value = text.substr(eq + 1);
  if (value.empty()) return Status::error("empty value" + expected);
  Status st = param->apply(p, value);
  if (!st.ok()) return Status::error(st.message() + expected);
  return Status();
}

// Checks that need every word: the gateway needs an address and must be on its network.
Status check_gateway(const BootParams& p) {
  if (!p.gateway) return Status();
  if (!p.ipv4) return Status::error("vigil.ipv4_gateway needs vigil.ipv4");
  uint32_t mask = netmask(p.ipv4->prefix);
  if ((ntohl(p.gateway->s_addr) & mask) != (ntohl(p.ipv4->addr.s_addr) & mask)) {
    return Status::error("vigil.ipv4_gateway=" + format_ipv4(*p.gateway) + " is outside " +
                         format_ipv4(p.ipv4->addr) + "/" + std::to_string(p.ipv4->prefix) +
                         " (the gateway must be on the link)");
  }
  return Status();
}

}  // namespace

Result<Ipv4Prefix> parse_ipv4_prefix(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return Status::error("missing '/PREFIX'");
  auto addr = parse_ipv4(text.substr(0, slash));
  if (!addr.ok()) return addr.status();
  std::string_view digits = text.substr(slash + 1);
  int prefix = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix < 1 ||
      prefix > 32) {
    return Status::error("prefix '" + std::string(digits) + "' is not a number from 1 to 32");
  }
  return Ipv4Prefix{*addr, prefix};
}

std::string format_ipv4(in_addr addr) {
  char buf[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &addr, buf, sizeof buf);
  return buf;
}

uint16_t find_exit_port(std::string_view text) {
  constexpr std::string_view kPrefix = "vigil.exit_port=";
  if (text.size() > kMaxCmdlineBytes) return 0;
  for (const Word& w : split_words(text)) {
    if (!w.text.starts_with(kPrefix)) continue;
    auto port = parse_port_number(std::string_view(w.text).substr(kPrefix.size()));
    return port.ok() ? *port : 0;
  }
  return 0;
}

Result<BootParams> parse_cmdline(std::string_view text, std::string_view source) {
  std::string where(source);
  if (text.size() > kMaxCmdlineBytes) {
    return Status::error(where + ": " + std::to_string(text.size()) + " bytes is longer than the " +
                         std::to_string(kMaxCmdlineBytes) + " accepted");
  }
  BootParams params;
  size_t gateway_column = 0;
  for (const Word& w : split_words(text)) {
    if (w.text.rfind("vigil.", 0) != 0) continue;
    Status st = apply_word(params, w);
    if (!st.ok()) {
      return Status::error(where + ":1:" + std::to_string(w.column) + ": " + w.text + ": " +
                           st.message());
    }
    if (w.text.rfind("vigil.ipv4_gateway=", 0) == 0) gateway_column = w.column;
  }
  if (Status st = check_gateway(params); !st.ok()) {
    return Status::error(where + ":1:" + std::to_string(gateway_column) + ": " + st.message());
  }
  return params;
}

}  // namespace vigil::appliance
