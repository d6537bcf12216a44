// The vigil appliance: parse the arguments, load the config, create the Monitor, and run
// the loop until SIGINT, SIGTERM or a `shutdown` command.
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "appliance/config.h"
#include "appliance/monitor.h"
#include "appliance/pid1.h"
#include "common/uv_handle.h"

namespace {

constexpr const char* kUsage =
    "usage: vigil [--config FILE] [--set KEY=VALUE]... [--check-config]\n"
    "             [--help] [--version] [--print-config-docs]\n"
    "\n"
    "vigil runs a control port, a memtrace port and a metrics push on one event loop.\n"
    "  --config FILE        read the TOML config FILE (default: none, every default)\n"
    "  --set KEY=VALUE      override one option, e.g. --set interval=5s; repeatable.\n"
    "                       The outputs[] keys go in one list: --set\n"
    "                       'outputs=[{kind=\"influx-udp\",url=\"udp://127.0.0.1:8089\"}]'\n"
    "  --check-config       check the config, print \"config ok\" and exit 0 (2 if bad)\n"
    "  --print-config-docs  print the option table as Markdown (docs/config.md)\n"
    "  --help               print this text and the options\n"
    "  --version            print vigil's version\n"
    "\n"
    "Exit status: 0 after SIGINT, SIGTERM or `shutdown`; 2 for a bad config, flag or port.\n";

struct Args {
  std::string config_path;
  std::vector<std::string> overrides;
  bool check_only = false;
};

// Returns an exit status to end with at once, or -1 to go on.
int parse_args(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 < argc) return argv[++i];
      std::fprintf(stderr, "vigil: %s needs a value\n%s", flag, kUsage);
      return nullptr;
    };
    if (a == "--help" || a == "-h") {
      std::printf("%s\nOptions (config keys):\n%s", kUsage, vigil::options_help().c_str());
      return 0;
    } else if (a == "--version") {
      std::printf("vigil %s\n", VIGIL_VERSION);
      return 0;
    } else if (a == "--print-config-docs") {
      std::printf("%s", vigil::options_markdown().c_str());
      return 0;
    } else if (a == "--check-config") {
      args.check_only = true;
    } else if (a == "--config") {
      const char* v = value("--config");
      if (v == nullptr) return 2;
      args.config_path = v;
    } else if (a.starts_with("--config=")) {
      args.config_path = a.substr(9);
    } else if (a == "--set") {
      const char* v = value("--set");
      if (v == nullptr) return 2;
      args.overrides.emplace_back(v);
    } else if (a.starts_with("--set=")) {
      args.overrides.push_back(a.substr(6));
    } else {
      std::fprintf(stderr, "vigil: unknown argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  return -1;
}

// Signals: the first SIGINT or SIGTERM stops the monitor gracefully; a second one ends
// the process at once.
struct Signals {
  vigil::UvHandle sigint;
  vigil::UvHandle sigterm;
  vigil::Monitor* monitor = nullptr;
  bool stopping = false;
};

void close_signals(Signals& s) {
  s.sigint.close();
  s.sigterm.close();
}

void begin_stop(Signals& s) {
  if (s.stopping) return;
  s.stopping = true;
  s.monitor->stop([&s] { close_signals(s); });
}

void on_signal(uv_signal_t* handle, int signum) {
  auto* s = static_cast<Signals*>(handle->data);
  if (s == nullptr) return;
  if (s->stopping) {
    std::fprintf(stderr, "vigil: second signal %d, exiting now\n", signum);
    vigil::appliance::pid1::exit_now(128 + signum);
  }
  begin_stop(*s);
}

// Watches SIGINT and SIGTERM on `loop`. A failure leaves the process without a graceful
// stop on signals, so the caller treats it as fatal.
vigil::Status watch_signals(uv_loop_t* loop, Signals& s) {
  for (auto [handle, signum] : {std::pair{&s.sigint, SIGINT}, {&s.sigterm, SIGTERM}}) {
    if (vigil::Status st = handle->init_signal(loop, &s); !st.ok()) return st;
    if (int err = uv_signal_start(handle->signal(), on_signal, signum); err != 0)
      return vigil::Status::error(vigil::uv_error("uv_signal_start", err));
  }
  return vigil::Status();
}

// Everything main() does; PID 1 mode calls it after booting.
int run(int argc, char** argv) {
  // A peer that closes before reading its reply must not kill the process: libuv writes
  // with write(2), which raises SIGPIPE; with it ignored the write fails with EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  Args args;
  if (int status = parse_args(argc, argv, args); status >= 0) return status;

  auto config = vigil::load_config(args.config_path, args.overrides);
  if (!config.ok()) {
    std::fprintf(stderr, "vigil: bad config: %s\n", config.status().message().c_str());
    return 2;
  }
  if (args.check_only) {
    std::printf("config ok\n");
    return 0;
  }

  uv_loop_t loop;
  if (int err = uv_loop_init(&loop); err != 0) {
    std::fprintf(stderr, "vigil: %s\n", vigil::uv_error("uv_loop_init", err).c_str());
    return 1;
  }
  int status = 0;
  {
    vigil::Monitor monitor(&loop, std::move(config.value()));
    Signals signals;
    signals.monitor = &monitor;
    monitor.set_shutdown_handler([&signals] { begin_stop(signals); });
    if (vigil::Status sig = watch_signals(&loop, signals); !sig.ok()) {
      std::fprintf(stderr, "vigil: signals: %s\n", sig.message().c_str());
      status = 1;
      begin_stop(signals);
    } else if (vigil::Status st = monitor.start(); !st.ok()) {
      std::fprintf(stderr, "vigil: %s\n", st.message().c_str());
      status = 2;
      begin_stop(signals);
    } else {
      vigil::appliance::pid1::announce_ready();
    }
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) {
    std::fprintf(stderr, "vigil: warning: handles left open at exit\n");
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (vigil::appliance::pid1::active()) vigil::appliance::pid1::main(argc, argv, run);
  return run(argc, argv);
}
