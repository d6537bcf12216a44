// Pure parsers of Linux /proc text into points. No I/O: the sources read the files.
// Thread: any (pure functions).
//
// Every parser takes the whole file text, tolerates missing lines and fields (older
// kernels, containers) by leaving the matching field out, and never fails: text it cannot
// read yields fewer fields or no point. Points carry measurement, tags and fields; the
// source adds the time and the `host` tag.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/point.h"

namespace vigil::metrics::proc {

// /proc/meminfo => one point "memory" with total_bytes, available_bytes, free_bytes,
// buffers_bytes, cached_bytes, swap_total_bytes, swap_used_bytes (kB values times 1024).
//   "MemTotal:  16 kB\nMemFree: 4 kB\n" => memory total_bytes=16384i,free_bytes=4096i
std::vector<Point> parse_meminfo(std::string_view text);

// One "cpu" or "cpuN" line of /proc/stat, in clock ticks.
struct CpuTimes {
  std::string name;  // "total" for the aggregate line, else "0", "1", ...
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  uint64_t sum() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
};

// The cpu lines of /proc/stat: "total" first, then each cpu unless `per_core` is false.
std::vector<CpuTimes> parse_stat_cpus(std::string_view text, bool per_core);

// Points "cpu" tagged cpu=NAME with user/nice/system/idle/iowait/irq/softirq/steal
// _fraction fields: each share of the ticks elapsed between `previous` and `current`.
// A cpu missing from `previous` is measured since boot; a cpu whose counters went back
// (it went offline and came back) or did not move yields no point.
std::vector<Point> cpu_fractions(const std::vector<CpuTimes>& previous,
                                 const std::vector<CpuTimes>& current);

// /proc/net/dev => one point "net" per interface, tag ifname, with rx_bytes, rx_packets,
// rx_errors, rx_drops, tx_bytes, tx_packets, tx_errors, tx_drops.
std::vector<Point> parse_net_dev(std::string_view text);

// /proc/diskstats => one point "disk" per device, tag device, with reads, writes,
// read_bytes, written_bytes (sectors of 512 bytes) and io_time_seconds. Loop and ram
// devices and devices that never did any I/O are left out.
std::vector<Point> parse_diskstats(std::string_view text);

// /proc/loadavg and /proc/uptime => one point "load" with load1, load5, load15,
// procs_running, procs_total, uptime_seconds. Either text may be empty.
std::vector<Point> parse_load(std::string_view loadavg, std::string_view uptime);

// /proc/self/stat => fields of the point "process": cpu_user_seconds, cpu_system_seconds,
// threads, rss_bytes. `ticks_per_second` is sysconf(_SC_CLK_TCK), `page_size` the page size.
// The command name may hold spaces and parentheses: fields are read after the last ')'.
std::vector<Field> parse_self_stat(std::string_view text, uint64_t ticks_per_second,
                                   uint64_t page_size);

}  // namespace vigil::metrics::proc
