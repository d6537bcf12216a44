#include "appliance/pid1.h"

#include <signal.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "appliance/cmdline.h"
#include "appliance/pid1_net.h"

namespace vigil::appliance::pid1 {
namespace {

// The kernel's host name is "(none)" until init sets one; points are tagged with it.
constexpr const char* kDefaultHostname = "vigil";

// The image's config file, used when present and vigil.config is not given.
constexpr const char* kDefaultConfig = "/etc/vigil.toml";

// Set by SIGTERM during the boot steps; main.cpp's own handler takes over once its loop
// runs.
volatile sig_atomic_t g_terminate = 0;
// The NIC taken down before power-off; 0 until it is up. Written before `run` starts.
Link g_nic;
// vigil.exit_port: where the exit status goes at power-off; 0: nowhere. Written once,
// before anything can power off.
uint16_t g_exit_port = 0;

// The exit status of a boot step that failed, and of a bad command line (as for a bad
// config).
constexpr int kBootFailed = 1;
constexpr int kBadBootParams = 2;
// Statuses above this are reported as this; the encoding below has room for no more.
constexpr int kMaxReportedStatus = 125;

void on_sigchld(int) {
  int saved = errno;
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  errno = saved;
}

void on_sigterm(int) { g_terminate = 1; }

// Hands the exit status to the hypervisor through g_exit_port, if set. qemu's
// isa-debug-exit device ends qemu at once with the status (value << 1) | 1; the value is
// status + 1, so that a clean stop (3) differs from qemu's own failure (1). Returns only
// when there is no such port, or the write did not end the VM. Async-signal-safe.
void report_exit_status(int status) {
#if defined(__x86_64__) || defined(__i386__)
  if (g_exit_port == 0) return;
  if (status < 0 || status > kMaxReportedStatus) status = kMaxReportedStatus;
  // ioperm is per thread, so it is asked for here, on the thread that powers off.
  if (ioperm(g_exit_port, 4, 1) != 0) return;
  outl(static_cast<unsigned>(status + 1), g_exit_port);
#else
  (void)status;
#endif
}

// A crash of PID 1 would panic the kernel; power off instead. Only async-signal-safe
// calls here.
void on_fatal_signal(int sig) {
  static const char kMsg[] = "vigil: fatal signal in PID 1; powering off\n";
  ssize_t ignored = write(2, kMsg, sizeof kMsg - 1);
  (void)ignored;
  sync();
  report_exit_status(128 + sig);
  reboot(RB_POWER_OFF);
  for (;;) pause();  // Exiting would panic the kernel.
}

void install_signal_handlers() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sa.sa_handler = on_sigchld;
  sigaction(SIGCHLD, &sa, nullptr);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = on_sigterm;
  sigaction(SIGTERM, &sa, nullptr);
  sa.sa_flags = SA_RESETHAND;
  sa.sa_handler = on_fatal_signal;
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) sigaction(sig, &sa, nullptr);
}

double uptime_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Prints the reason, closes every socket, takes the NIC down, reports `status` (0 after a
// clean stop) to the hypervisor and powers off. Taking the NIC down first matters: without
// it a prototype froze in virtio_net's transmit path at about one power-off in fourteen.
[[noreturn]] void poweroff(const Status& why, int status) {
  if (!why.ok()) std::fprintf(stderr, "vigil: %s\n", why.message().c_str());
  std::fprintf(stderr, "vigil: powering off (exit status %d)\n", status);
  std::fflush(nullptr);
  close_range(3, ~0U, 0);
  if (g_nic.index != 0) {
    Rtnl rtnl;
    if (rtnl.open().ok()) rtnl.set_up(g_nic, false);
  }
  sync();
  report_exit_status(status);
  reboot(RB_POWER_OFF);
  std::fprintf(stderr, "vigil: reboot(RB_POWER_OFF): %s; halting here\n", std::strerror(errno));
  for (;;) pause();
}

void on_exit_call() { poweroff(Status::error("exit() called in PID 1"), kBootFailed); }

void on_terminate() { poweroff(Status::error("uncaught exception in PID 1"), 128 + SIGABRT); }

// Reads /proc/cmdline; sets g_exit_port first, so that even a bad command line reports
// its status.
Result<BootParams> read_boot_params() {
  std::ifstream in("/proc/cmdline");
  if (!in) return Status::error(std::string("open /proc/cmdline: ") + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  g_exit_port = find_exit_port(text.str());
  return parse_cmdline(text.str());
}

// Waits until `link` reports carrier; e1000 takes about 3 s, virtio-net a few ms.
Status wait_for_carrier(Rtnl& rtnl, Link& link, Nanos timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto now = rtnl.get_link(link.index);
    if (!now.ok()) return now.status();
    if (now->lower_up) return Status();
    if (g_terminate) return Status::error("SIGTERM while waiting for carrier");
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::error(link.name + ": no carrier after " + format_duration(timeout) +
                           " (vigil.carrier_timeout)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Brings up lo, then the NIC with its address, then the default route once the link
// has carrier. The kernel gives lo 127.0.0.1/8 itself when it goes up.
Status configure_network(const BootParams& p) {
  Rtnl rtnl;
  if (Status st = rtnl.open(); !st.ok()) return st;
  if (Status st = rtnl.set_up(Link{1, "lo", false}, true); !st.ok()) return st;
  if (!p.ipv4) {
    std::fprintf(stderr, "vigil: no vigil.ipv4 given: only lo is configured\n");
    return Status();
  }
  auto link = rtnl.find_link(p.iface);
  if (!link.ok()) return link.status();
  if (Status st = rtnl.set_up(*link, true); !st.ok()) return st;
  g_nic = *link;
  if (Status st = rtnl.add_ipv4(*link, *p.ipv4); !st.ok()) return st;
  if (Status st = wait_for_carrier(rtnl, *link, p.carrier_timeout); !st.ok()) return st;
  if (p.gateway) return rtnl.add_default_route(*link, *p.gateway);
  return Status();
}

// argv, then "--config PATH" and one "--set k=v" per vigil.set. Static: `run` may keep
// pointers into it for the life of the process.
std::vector<char*> build_args(int argc, char** argv, const BootParams& p) {
  static std::vector<std::string> storage;
  for (int i = 1; i < argc; ++i) storage.emplace_back(argv[i]);
  std::string config = p.config_path;
  if (config.empty() && access(kDefaultConfig, R_OK) == 0) config = kDefaultConfig;
  if (!config.empty()) {
    storage.emplace_back("--config");
    storage.push_back(config);
  }
  for (const std::string& kv : p.sets) {
    storage.emplace_back("--set");
    storage.push_back(kv);
  }
  std::vector<char*> args{argv[0]};
  for (std::string& s : storage) args.push_back(s.data());
  args.push_back(nullptr);
  return args;
}

}  // namespace

bool active() {
  // A container runtime also starts its entry point as PID 1, but with /proc mounted and
  // the network set up: that is not a boot, and the mounts and the power-off would be wrong.
  static const bool booting = getpid() == 1 && access("/proc/self", F_OK) != 0;
  return booting;
}

void announce_ready() {
  if (!active()) return;
  std::fprintf(stderr, "vigil ready in %.2f s (uptime)\n", uptime_seconds());
}

void exit_now(int status) {
  if (active()) poweroff(Status::error("exit with status " + std::to_string(status)), status);
  std::_Exit(status);
}

void main(int argc, char** argv, RunFn run) {
  install_signal_handlers();
  std::atexit(on_exit_call);
  std::set_terminate(on_terminate);
  if (Status st = mount_filesystems(); !st.ok()) poweroff(st, kBootFailed);
  sethostname(kDefaultHostname, std::strlen(kDefaultHostname));
  auto params = read_boot_params();
  if (!params.ok()) poweroff(params.status(), kBadBootParams);
  auto modules = load_modules();
  if (!modules.ok()) poweroff(modules.status(), kBootFailed);
  if (Status st = configure_network(*params); !st.ok()) {
    poweroff(
        Status::error(st.message() + " (" + std::to_string(*modules) + " kernel modules loaded)"),
        kBootFailed);
  }
  if (g_terminate) poweroff(Status::error("SIGTERM during boot"), 128 + SIGTERM);
  std::vector<char*> args = build_args(argc, argv, *params);
  int status = run(static_cast<int>(args.size()) - 1, args.data());
  if (status != 0) poweroff(Status::error("exited with status " + std::to_string(status)), status);
  poweroff(Status(), 0);
}

}  // namespace vigil::appliance::pid1
