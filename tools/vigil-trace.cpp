// vigil-trace: reads memtrace trace files (formats v2 and v3) without the OCaml tools.
// Thread: main only.
//
// Exit status: 0 on success, 1 when the file cannot be read or is not a complete, valid trace
// (the output then covers the packets before the problem, and stderr says what and where),
// 2 for a usage error.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "trace/trace_reader.h"
#include "trace/trace_text.h"

namespace {

using vigil::trace::DumpView;
using vigil::trace::FlamegraphView;
using vigil::trace::SummaryView;
using vigil::trace::TraceReader;

constexpr const char* kUsage =
    "usage: vigil-trace COMMAND [OPTIONS] TRACE.ctf\n"
    "\n"
    "Reads a memtrace trace, as streamed by vigil on its memtrace port (capture one with\n"
    "`nc HOST 4242 > trace.ctf`) or written by OCaml's memtrace.\n"
    "\n"
    "commands:\n"
    "  summary [--top N]   the trace info, event counts, totals, consistency checks and the\n"
    "                      top N allocation sites by samples (default 10)\n"
    "  dump                one line per event, as memtrace's dump_trace prints it\n"
    "  flamegraph [--live] folded stacks (\"main;f;g BYTES\") for flamegraph.pl or speedscope,\n"
    "                      weighted by estimated bytes (samples / rate * word size); all\n"
    "                      allocations by default, only those never freed with --live\n"
    "  repair OUT.ctf      copy the complete packets to OUT.ctf, dropping a cut-off tail\n"
    "                      (a capture stopped mid-packet), so that memtrace_viewer loads it\n"
    "\n"
    "exit status: 0 ok, 1 unreadable or invalid trace, 2 usage error\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "vigil-trace: %s\n\n%s", what.c_str(), kUsage);
  return 2;
}

bool read_file(const std::string& path, std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "vigil-trace: open %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  uint8_t buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  bool ok = std::ferror(f) == 0;
  if (!ok) std::fprintf(stderr, "vigil-trace: read %s: %s\n", path.c_str(), std::strerror(errno));
  std::fclose(f);
  return ok;
}

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

struct Args {
  std::string command, trace, out;
  size_t top = 10;
  bool live = false;
};

// Parses argv into `a`; returns an error text, or "" when they are valid.
std::string parse(int argc, char** argv, Args& a) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--live") {
      a.live = true;
    } else if (arg == "--top" && i + 1 < argc) {
      char* end = nullptr;
      unsigned long n = std::strtoul(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0' || n == 0 || n > 100000) {
        return std::string("--top: bad count '") + argv[i] + "' (expected 1..100000)";
      }
      a.top = n;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return "unknown option '" + arg + "'";
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.empty()) return "missing COMMAND";
  a.command = positional[0];
  size_t want = a.command == "repair" ? 3 : 2;
  if (a.command != "summary" && a.command != "dump" && a.command != "flamegraph" &&
      a.command != "repair") {
    return "unknown command '" + a.command + "' (expected summary, dump, flamegraph or repair)";
  }
  if (positional.size() != want) return "wrong number of arguments for " + a.command;
  if (a.live && a.command != "flamegraph") return "--live applies to flamegraph only";
  a.trace = positional[1];
  if (want == 3) a.out = positional[2];
  return "";
}

int repair(const Args& a, const std::vector<uint8_t>& bytes, const TraceReader& reader) {
  FILE* f = std::fopen(a.out.c_str(), "wb");
  if (f == nullptr ||
      std::fwrite(bytes.data(), 1, reader.complete_bytes(), f) != reader.complete_bytes() ||
      std::fclose(f) != 0) {
    std::fprintf(stderr, "vigil-trace: write %s: %s\n", a.out.c_str(), std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "vigil-trace: kept %llu of %zu bytes\n",
               static_cast<unsigned long long>(reader.complete_bytes()), bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  Args a;
  std::string bad = parse(argc, argv, a);
  if (!bad.empty()) return usage_error(bad);
  std::vector<uint8_t> bytes;
  if (!read_file(a.trace, bytes)) return 1;

  TraceReader reader;
  vigil::Status status;
  if (a.command == "summary") {
    SummaryView view(reader);
    status = reader.read(bytes, view);
    if (reader.complete_bytes() > 0) print(view.render(a.trace, bytes.size(), a.top));
  } else if (a.command == "dump") {
    DumpView view(reader);
    status = reader.read(bytes, view);
    print(view.text());
  } else if (a.command == "flamegraph") {
    FlamegraphView view(reader, a.live);
    status = reader.read(bytes, view);
    print(view.render());
  } else {
    vigil::trace::TraceVisitor nothing;
    status = reader.read(bytes, nothing);
    if (reader.complete_bytes() == 0) {
      std::fprintf(stderr, "vigil-trace: %s: %s\n", a.trace.c_str(), status.message().c_str());
      return 1;
    }
    return repair(a, bytes, reader);
  }
  if (reader.skipped_packets() > 0) {
    std::fprintf(stderr, "vigil-trace: %s: skipped %llu packets with a foreign pid\n",
                 a.trace.c_str(), static_cast<unsigned long long>(reader.skipped_packets()));
  }
  if (!status.ok()) {
    std::fflush(stdout);
    std::fprintf(stderr, "vigil-trace: %s: %s\n", a.trace.c_str(), status.message().c_str());
    if (reader.complete_bytes() > 0) {
      std::fprintf(stderr,
                   "vigil-trace: the output covers the first %llu bytes (complete packets); "
                   "`vigil-trace repair` keeps just those\n",
                   static_cast<unsigned long long>(reader.complete_bytes()));
    }
    return 1;
  }
  return 0;
}
