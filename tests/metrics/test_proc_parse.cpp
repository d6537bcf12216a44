// The /proc parsers on literal file contents, checked through the encoder's lines.
#include <doctest/doctest.h>

#include <string>

#include "metrics/influx.h"
#include "metrics/proc_parse.h"

using namespace vigil::metrics;

namespace {

std::string lines(const std::vector<Point>& points) {
  std::string out;
  encode_points(points, &out);
  return out;
}

}  // namespace

TEST_CASE("meminfo gives bytes for each known line and swap used") {
  const char* text =
      "MemTotal:       16314640 kB\n"
      "MemFree:         1203948 kB\n"
      "MemAvailable:    9541172 kB\n"
      "Buffers:          512000 kB\n"
      "Cached:          7912344 kB\n"
      "SwapCached:            0 kB\n"
      "SwapTotal:       2097148 kB\n"
      "SwapFree:        2097000 kB\n"
      "HugePages_Total:       0\n";
  CHECK(lines(proc::parse_meminfo(text)) ==
        "memory total_bytes=16706191360i,available_bytes=9770160128i,free_bytes=1232842752i,"
        "buffers_bytes=524288000i,cached_bytes=8102240256i,swap_total_bytes=2147479552i,"
        "swap_used_bytes=151552i 0\n");
}

TEST_CASE("meminfo without MemAvailable or swap lines leaves those fields out") {
  CHECK(lines(proc::parse_meminfo("MemTotal: 4 kB\nMemFree: 1 kB\n")) ==
        "memory total_bytes=4096i,free_bytes=1024i 0\n");
}

TEST_CASE("empty, blank or garbled meminfo gives no point") {
  CHECK(proc::parse_meminfo("").empty());
  CHECK(proc::parse_meminfo(" \n\n").empty());
  CHECK(proc::parse_meminfo("MemTotal: lots kB\nnonsense\n").empty());
}

const char* kStat1 =
    "cpu  100 10 50 800 20 5 5 10 0 0\n"
    "cpu0 50 5 25 400 10 2 3 5 0 0\n"
    "cpu1 50 5 25 400 10 3 2 5 0 0\n"
    "intr 12345 1 2\n"
    "ctxt 999\n";
const char* kStat2 =
    "cpu  200 10 150 1400 20 5 5 10 0 0\n"
    "cpu0 150 5 75 500 10 2 3 5 0 0\n"
    "cpu1 50 5 75 830 30 3 2 5 0 0\n";

TEST_CASE("cpu lines are read as total then each cpu, and only total without per_core") {
  auto all = proc::parse_stat_cpus(kStat1, true);
  REQUIRE(all.size() == 3);
  CHECK(all[0].name == "total");
  CHECK(all[1].name == "0");
  CHECK(all[2].name == "1");
  CHECK(all[2].irq == 3);
  CHECK(all[2].steal == 5);
  auto total = proc::parse_stat_cpus(kStat1, false);
  REQUIRE(total.size() == 1);
  CHECK(total[0].sum() == 1000);
}

TEST_CASE("cpu fractions are each share of the ticks elapsed since the previous poll") {
  auto before = proc::parse_stat_cpus(kStat1, true);
  auto after = proc::parse_stat_cpus(kStat2, true);
  // total: 800 ticks: user 100, system 100, idle 600. cpu1: 500 ticks: 50, 430, iowait 20.
  CHECK(lines(proc::cpu_fractions(before, after)) ==
        "cpu,cpu=total user_fraction=0.125,nice_fraction=0,system_fraction=0.125,"
        "idle_fraction=0.75,iowait_fraction=0,irq_fraction=0,softirq_fraction=0,"
        "steal_fraction=0 0\n"
        "cpu,cpu=0 user_fraction=0.4,nice_fraction=0,system_fraction=0.2,"
        "idle_fraction=0.4,iowait_fraction=0,irq_fraction=0,softirq_fraction=0,"
        "steal_fraction=0 0\n"
        "cpu,cpu=1 user_fraction=0,nice_fraction=0,system_fraction=0.1,"
        "idle_fraction=0.86,iowait_fraction=0.04,irq_fraction=0,"
        "softirq_fraction=0,steal_fraction=0 0\n");
}

TEST_CASE("a cpu whose counters went back or did not move gives no point") {
  auto before = proc::parse_stat_cpus(kStat2, true);
  auto after = proc::parse_stat_cpus(kStat1, true);
  CHECK(proc::cpu_fractions(before, after).empty());
  CHECK(proc::cpu_fractions(before, before).empty());
}

TEST_CASE("the first cpu poll is measured since boot") {
  auto now = proc::parse_stat_cpus("cpu 1 0 1 2 0 0 0 0\n", false);
  CHECK(lines(proc::cpu_fractions({}, now)) ==
        "cpu,cpu=total user_fraction=0.25,nice_fraction=0,system_fraction=0.25,"
        "idle_fraction=0.5,iowait_fraction=0,irq_fraction=0,softirq_fraction=0,"
        "steal_fraction=0 0\n");
}

TEST_CASE("net/dev gives one point per interface with rx and tx counters") {
  const char* text =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
      "errs drop fifo colls carrier compressed\n"
      "    lo:  123456     100    0    0    0     0          0         0   123456     100    0 "
      "   0    0     0       0          0\n"
      "  eth0:99999999999 2000    1    2    0     0          0         5   777     30    3 "
      "   4    0     0       0          0\n";
  CHECK(lines(proc::parse_net_dev(text)) ==
        "net,ifname=lo rx_bytes=123456i,rx_packets=100i,rx_errors=0i,rx_drops=0i,"
        "tx_bytes=123456i,tx_packets=100i,tx_errors=0i,tx_drops=0i 0\n"
        "net,ifname=eth0 rx_bytes=99999999999i,rx_packets=2000i,rx_errors=1i,rx_drops=2i,"
        "tx_bytes=777i,tx_packets=30i,tx_errors=3i,tx_drops=4i 0\n");
}

TEST_CASE("net/dev with only headers or short lines gives nothing") {
  CHECK(proc::parse_net_dev("").empty());
  CHECK(proc::parse_net_dev("Inter-| Receive\n face |bytes\n  eth0: 1 2 3\n").empty());
}

TEST_CASE("diskstats skips loop, ram and idle devices and converts sectors to bytes") {
  const char* text =
      "   7       0 loop0 50 0 100 10 0 0 0 0 0 20 10 0 0 0 0\n"
      "   1       0 ram0 0 0 0 0 0 0 0 0 0 0 0\n"
      "   8       0 sda 1000 10 20000 500 300 20 6000 700 0 1500 1200 0 0 0 0\n"
      "   8       1 sda1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
      " 253       0 dm-0 5 0 8 1 7 0 16 2 0 3 3\n";
  CHECK(lines(proc::parse_diskstats(text)) ==
        "disk,device=sda reads=1000i,writes=300i,read_bytes=10240000i,written_bytes=3072000i,"
        "io_time_seconds=1.5 0\n"
        "disk,device=dm-0 reads=5i,writes=7i,read_bytes=4096i,written_bytes=8192i,"
        "io_time_seconds=0.003 0\n");
}

TEST_CASE("load reads loadavg and uptime, and either may be missing") {
  CHECK(lines(proc::parse_load("0.52 0.58 0.59 3/912 12345\n", "35.25 60.10\n")) ==
        "load load1=0.52,load5=0.58,load15=0.59,procs_running=3i,procs_total=912i,"
        "uptime_seconds=35.25 0\n");
  CHECK(lines(proc::parse_load("", "7.5 1.0\n")) == "load uptime_seconds=7.5 0\n");
  CHECK(proc::parse_load("", "").empty());
}

TEST_CASE("self stat is read after the last parenthesis of the command name") {
  const char* text =
      "4242 (vigil (x) y) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 3 0 100 "
      "12345678 1024 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
  std::vector<Field> f = proc::parse_self_stat(text, 100, 4096);
  Point p;
  p.measurement = "process";
  p.fields = f;
  CHECK(lines({p}) ==
        "process cpu_user_seconds=2.5,cpu_system_seconds=0.75,threads=3i,rss_bytes=4194304i 0\n");
}

TEST_CASE("self stat without a command name gives no fields") {
  CHECK(proc::parse_self_stat("", 100, 4096).empty());
  CHECK(proc::parse_self_stat("1 vigil S", 100, 4096).empty());
}
