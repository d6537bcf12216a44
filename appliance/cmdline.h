// Boot parameters for PID 1 mode, read from the kernel command line in the MirageOS style.
// Thread: any (pure functions, no I/O).
//
//   console=ttyS0 vigil.ipv4=10.0.2.15/24 vigil.ipv4_gateway=10.0.2.2
//   vigil.set=control.listen=0.0.0.0:2323 vigil.set="logging.levels=net*:debug"
//
// Words that do not start with "vigil." belong to the kernel and are ignored. Every
// "vigil." word must be one of the parameters in the table in cmdline.cpp; an unknown one
// is an error that lists the known ones, so a typo never goes unnoticed.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.h"
#include "common/status.h"

namespace vigil::appliance {

// An IPv4 interface address with its prefix length, "10.0.2.15/24".
struct Ipv4Prefix {
  in_addr addr{};  // Network byte order.
  int prefix = 0;  // 0..32.
};

struct BootParams {
  std::optional<Ipv4Prefix> ipv4;  // vigil.ipv4: absent means only `lo` gets an address.
  std::optional<in_addr> gateway;  // vigil.ipv4_gateway: the default route; needs ipv4.
  std::string iface;               // vigil.iface: empty means the first Ethernet link.
  std::string config_path;         // vigil.config: empty means the image's default file.
  std::vector<std::string> sets;   // vigil.set, in order: "key.path=value", as for --set.
  Nanos carrier_timeout = std::chrono::seconds(10);  // vigil.carrier_timeout.
  // vigil.exit_port: an x86 I/O port that takes the exit status at power-off (qemu's
  // isa-debug-exit device); 0 means none.
  uint16_t exit_port = 0;
};

// The longest command line accepted; x86's COMMAND_LINE_SIZE is 2048.
inline constexpr size_t kMaxCmdlineBytes = 4096;

// Parses the text of /proc/cmdline. Words are separated by spaces, tabs or newlines;
// double quotes group spaces into one word. As the kernel does, a quote opening the word
// or its value and the matching quote at the end are removed, and inner quotes are kept:
//   vigil.set="logging.levels=*:info" => sets = {"logging.levels=*:info"}
//   vigil.set=outputs=[{kind="stdout"}] => sets = {"outputs=[{kind=\"stdout\"}]"}
// Errors name the place and the word and say what was expected:
//   "/proc/cmdline:1:18: vigil.ipv4=10.0.2.300/24: '10.0.2.300' is not an IPv4 address
//    (expected A.B.C.D/PREFIX, e.g. 10.0.2.15/24)".
// `source` is the file name used in messages.
Result<BootParams> parse_cmdline(std::string_view text, std::string_view source = "/proc/cmdline");

// The vigil.exit_port of `text`, or 0 when there is none or its value is bad. Lenient on
// purpose: PID 1 reads it before parse_cmdline(), so that even a command line that
// parse_cmdline() refuses gets its exit status reported.
uint16_t find_exit_port(std::string_view text);

// Parses "A.B.C.D/PREFIX"; the message is the reason only.
Result<Ipv4Prefix> parse_ipv4_prefix(std::string_view text);

// Formats "A.B.C.D" (network byte order in).
std::string format_ipv4(in_addr addr);

}  // namespace vigil::appliance
