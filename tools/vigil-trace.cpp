// vigil-trace: reads memtrace traces (formats v1 to v3) without the OCaml tools, from a file
// or live from a memtrace port, and converts them for pprof and heaptrack.
// Thread: main only.
//
// Every command reads its input once, streaming, into one TraceModel (trace/trace_model.h)
// and renders that; only `dump` lists the events themselves.
//
// Exit status: 0 on success, 1 when the input cannot be read or is not a complete, valid trace
// (the output then covers the packets before the problem, and stderr says what and where),
// 2 for a usage error.
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "tools/live_view.h"
#include "tools/output_file.h"
#include "tools/trace_capture.h"
#include "trace/heaptrack_writer.h"
#include "trace/pprof_writer.h"
#include "trace/report_html.h"
#include "trace/trace_model.h"
#include "trace/trace_reader.h"
#include "trace/trace_text.h"
#include "trace/trace_timeline.h"

namespace {

using vigil::Status;
using namespace vigil::trace;
using vigil::tools::Compression;
using vigil::tools::OutputFile;

constexpr const char* kUsage =
    "usage: vigil-trace COMMAND [OPTIONS] TRACE\n"
    "\n"
    "Reads a memtrace trace, as streamed by vigil on its memtrace port or written by OCaml's\n"
    "memtrace. TRACE is a file, or HOST:PORT to capture live from a memtrace port for\n"
    "--seconds N (default 10): the capture is stopped with one byte, as the protocol says.\n"
    "\n"
    "commands:\n"
    "  summary [--top N] [--from S] [--to S]\n"
    "                      the trace info, event counts, totals, consistency checks and the\n"
    "                      top N allocation sites by samples (default 10); with a window,\n"
    "                      the allocation figures cover allocations made in it\n"
    "  dump                one line per event, as memtrace's dump_trace prints it\n"
    "  flamegraph [--live] folded stacks (\"main;f;g BYTES\") for flamegraph.pl or speedscope,\n"
    "                      weighted by estimated bytes (samples / rate * word size); all\n"
    "                      allocations by default, only those never freed with --live\n"
    "  pprof -o OUT.pb.gz [--from S] [--to S]\n"
    "                      a gzipped pprof heap profile (go tool pprof), of the allocations\n"
    "                      made from S to S seconds after the start (default: all)\n"
    "  heaptrack -o OUT    heaptrack's data file, for heaptrack_print and heaptrack_gui;\n"
    "                      OUT ending in .zst is zstd, .gz gzip, anything else plain text\n"
    "  report -o OUT.html  one offline HTML page: the heap over time with a time selection\n"
    "                      (allocated in a range, live at a moment, leaks), a flame graph\n"
    "                      and a table of allocation sites\n"
    "  live HOST:PORT      a live terminal view of a memtrace port, like top: the heap, the\n"
    "                      allocation rate and the functions by live or allocated bytes,\n"
    "                      refreshed every second; q quits and stops the target's tracing\n"
    "  repair OUT.ctf      copy the complete packets to OUT.ctf, dropping a cut-off tail\n"
    "                      (a capture stopped mid-packet), so that memtrace_viewer loads it\n"
    "\n"
    "options for HOST:PORT:\n"
    "  --seconds N         capture for N seconds (default 10)\n"
    "  --save FILE         keep the raw capture in FILE too\n"
    "\n"
    "  --help, --version   print this text, or the version, and exit\n"
    "\n"
    "exit status: 0 ok, 1 unreadable or invalid trace, 2 usage error\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "vigil-trace: %s\n\n%s", what.c_str(), kUsage);
  return 2;
}

struct Args {
  std::string command, trace, out, save;
  size_t top = 10;
  bool live = false;
  double from = 0, to = -1, seconds = 10;
  bool remote = false;
  std::string host, port;
};

bool parse_seconds(const char* text, double* v) {
  char* end = nullptr;
  double d = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(d >= 0) || d > 1e9) return false;
  *v = d;
  return true;
}

// Parses argv into `a`; returns an error text, or "" when they are valid.
std::string parse(int argc, char** argv, Args& a) {
  std::vector<std::string> positional;
  bool from_set = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--live") {
      a.live = true;
    } else if (arg == "--top" && has_value) {
      char* end = nullptr;
      unsigned long n = std::strtoul(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0' || n == 0 || n > 100000) {
        return std::string("--top: bad count '") + argv[i] + "' (expected 1..100000)";
      }
      a.top = n;
    } else if ((arg == "-o" || arg == "--save") && has_value) {
      (arg == "-o" ? a.out : a.save) = argv[++i];
    } else if ((arg == "--from" || arg == "--to" || arg == "--seconds") && has_value) {
      double* v = arg == "--from" ? &a.from : arg == "--to" ? &a.to : &a.seconds;
      if (!parse_seconds(argv[++i], v)) {
        return arg + ": bad value '" + argv[i] + "' (expected seconds >= 0)";
      }
      from_set |= arg != "--seconds";
    } else if (arg.size() > 1 && arg[0] == '-') {
      return "unknown option '" + arg + "'" + (has_value ? "" : " (or a missing value)");
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.empty()) return "missing COMMAND";
  a.command = positional[0];
  const std::string& c = a.command;
  if (c != "summary" && c != "dump" && c != "flamegraph" && c != "repair" && c != "pprof" &&
      c != "heaptrack" && c != "report" && c != "live") {
    return "unknown command '" + c +
           "' (expected summary, dump, flamegraph, pprof, heaptrack, report, live or repair)";
  }
  size_t want = c == "repair" ? 3 : 2;
  if (positional.size() != want) return "wrong number of arguments for " + c;
  if (a.live && c != "flamegraph") return "--live applies to flamegraph only";
  if (from_set && c != "pprof" && c != "summary")
    return "--from and --to apply to pprof and summary";
  if (a.to >= 0 && a.to <= a.from) return "--to must be after --from";
  bool has_out = c == "pprof" || c == "heaptrack" || c == "report";
  if (has_out && a.out.empty()) return c + " needs -o OUT";
  if (!has_out && !a.out.empty()) return "-o applies to pprof, heaptrack and report";
  a.trace = positional[1];
  if (want == 3) a.out = positional[2];
  a.remote = vigil::tools::parse_host_port(a.trace, &a.host, &a.port);
  if (!a.remote && !a.save.empty()) return "--save applies to a HOST:PORT capture";
  if (c == "live" && !a.remote) return "live needs HOST:PORT (a memtrace port), not a file";
  return "";
}

// Forwards the decoded stream to a view and counts the events, for the progress line.
struct Counter : TraceVisitor {
  explicit Counter(TraceVisitor& v) : view(v) {}
  void on_info(const TraceInfo& i, const PacketHeader& h) override { view.on_info(i, h); }
  void on_packet(const PacketHeader& h) override { view.on_packet(h); }
  void on_location(uint64_t t, uint64_t c, std::span<const Position> p) override {
    view.on_location(t, c, p);
  }
  void on_alloc(const AllocEvent& e) override {
    ++events;
    view.on_alloc(e);
  }
  void on_promote(const ObjectEvent& e) override {
    ++events;
    view.on_promote(e);
  }
  void on_collect(const ObjectEvent& e) override {
    ++events;
    view.on_collect(e);
  }
  TraceVisitor& view;
  uint64_t events = 0;
};

// What reading the input gave.
struct Input {
  Status io;      // the file or the port
  Status format;  // the trace itself
  uint64_t bytes = 0;
};

// Reads the whole input (file or port) through `reader` into `view`. `drain` runs after each
// piece, to write out what the views produced so far. With `save`, the raw bytes are copied
// to that file too.
Input read_input(const Args& a, TraceReader& reader, TraceVisitor& view,
                 const std::function<void()>& drain, const std::string& save) {
  Input in;
  Counter counter(view);
  reader.start();
  FILE* saved = nullptr;
  if (!save.empty() && (saved = std::fopen(save.c_str(), "wb")) == nullptr) {
    in.io = Status::error("open " + save + ": " + std::strerror(errno));
    return in;
  }
  auto feed = [&](std::span<const uint8_t> bytes) {
    in.bytes += bytes.size();
    if (saved != nullptr && std::fwrite(bytes.data(), 1, bytes.size(), saved) != bytes.size() &&
        in.io.ok()) {
      in.io = Status::error("write " + save + ": " + std::strerror(errno));
    }
    reader.feed(bytes, counter);
    drain();
  };
  if (a.remote) {
    vigil::tools::CaptureOptions o;
    o.host = a.host;
    o.port = a.port;
    o.seconds = a.seconds;
    o.on_bytes = feed;
    // On a terminal, one line redrawn in place; otherwise a line a second, and the last.
    bool tty = isatty(STDERR_FILENO) == 1;
    bool printed = false;
    double last_line = -1;
    o.on_progress = [&](double elapsed, uint64_t bytes) {
      if (bytes == 0 || (!tty && elapsed - last_line < 1 && elapsed < a.seconds)) return;
      last_line = elapsed;
      printed = true;
      std::fprintf(stderr, "%svigil-trace: %s: %.1f/%g s, %" PRIu64 " events, %" PRIu64 " bytes%s",
                   tty ? "\r" : "", a.trace.c_str(), elapsed, a.seconds, counter.events, bytes,
                   tty ? "" : "\n");
    };
    Status s = vigil::tools::capture(o);
    if (tty && printed) std::fputc('\n', stderr);
    if (in.io.ok()) in.io = s;
  } else {
    FILE* f = std::fopen(a.trace.c_str(), "rb");
    if (f == nullptr) {
      in.io = Status::error("open " + a.trace + ": " + std::strerror(errno));
      return in;
    }
    std::vector<uint8_t> buf(1 << 16);
    size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) feed({buf.data(), n});
    if (std::ferror(f) != 0) in.io = Status::error("read " + a.trace + ": " + std::strerror(errno));
    std::fclose(f);
  }
  if (saved != nullptr && std::fclose(saved) != 0 && in.io.ok()) {
    in.io = Status::error("close " + save + ": " + std::strerror(errno));
  }
  // A capture that failed to connect has no trace to judge.
  if (!a.remote || in.bytes > 0) in.format = reader.finish();
  return in;
}

void print(std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  text.clear();
}

// Reports what went wrong; returns the exit status.
int finish(const Args& a, const TraceReader& reader, const Input& in, const Status& out) {
  std::fflush(stdout);
  int rc = 0;
  if (!in.io.ok()) {
    std::fprintf(stderr, "vigil-trace: %s\n", in.io.message().c_str());
    rc = 1;
  }
  if (reader.skipped_packets() > 0) {
    std::fprintf(stderr, "vigil-trace: %s: skipped %llu packets with a foreign pid\n",
                 a.trace.c_str(), static_cast<unsigned long long>(reader.skipped_packets()));
  }
  if (!in.format.ok() && (in.io.ok() || in.bytes > 0)) {
    std::fprintf(stderr, "vigil-trace: %s: %s\n", a.trace.c_str(), in.format.message().c_str());
    if (reader.complete_bytes() > 0 && a.command != "repair") {
      std::fprintf(stderr,
                   "vigil-trace: the output covers the first %llu bytes (complete packets); "
                   "`vigil-trace repair` keeps just those\n",
                   static_cast<unsigned long long>(reader.complete_bytes()));
    }
    rc = 1;
  }
  if (!out.ok()) {
    std::fprintf(stderr, "vigil-trace: %s\n", out.message().c_str());
    rc = 1;
  }
  return rc;
}

// A notice for the page when the trace was cut or invalid (empty when it is whole).
std::string report_notice(const TraceReader& reader, const Input& in, const TraceModel& model) {
  std::string notice;
  if (!in.format.ok()) {
    notice = "This trace is incomplete or invalid (" + in.format.message() +
             "): the report covers its first " + std::to_string(reader.complete_bytes()) +
             " bytes, its complete packets.";
  } else if (!in.io.ok()) {
    notice = "Reading stopped early (" + in.io.message() + ").";
  }
  if (model.problem_count() > 0) {
    notice += (notice.empty() ? "" : " ") + std::to_string(model.problem_count()) +
              " consistency problems, the first: " + model.problems().front();
  }
  return notice;
}

// The report's size: at most this many timeline cells, unless that leaves fewer buckets.
constexpr size_t kReportMaxCells = 40000;
constexpr uint32_t kReportMinBuckets = 25;

int run_report(const Args& a, TraceReader& reader, const ModelOptions& options) {
  TraceModel model(reader, options);
  TraceTimeline timeline;
  model.set_listener(&timeline);
  Counter counter(model);
  Input in = read_input(
      a, reader, counter, [] {}, a.save);
  Status out;
  if (reader.complete_bytes() > 0) {
    timeline.coarsen(kReportMaxCells, kReportMinBuckets);
    ReportSource source{a.trace, in.bytes, counter.events, report_notice(reader, in, model)};
    OutputFile file;
    out = file.open(a.out, Compression::kNone);
    if (out.ok()) out = file.write(render_report_html(model, timeline, source));
    Status closed = file.close();
    if (out.ok()) out = closed;
  }
  return finish(a, reader, in, out);
}

int run(const Args& a) {
  if (a.command == "live") {
    return vigil::tools::run_live({a.host, a.port, a.trace, a.save});
  }
  TraceReader reader;
  auto nothing = [] {};
  const std::string& c = a.command;
  if (c == "dump") {
    DumpView view(reader);
    Input in = read_input(
        a, reader, view, [&] { print(view.text()); }, a.save);
    return finish(a, reader, in, Status());
  }
  if (c == "repair") {
    // The raw bytes go to OUT as they come; the cut-off tail is then truncated away.
    TraceVisitor none;
    Input in = read_input(a, reader, none, nothing, a.out);
    if (reader.complete_bytes() == 0) return finish(a, reader, in, Status());
    Status out;
    if (truncate(a.out.c_str(), static_cast<off_t>(reader.complete_bytes())) != 0) {
      out = Status::error("truncate " + a.out + ": " + std::strerror(errno));
    }
    std::fprintf(stderr, "vigil-trace: kept %llu of %llu bytes\n",
                 static_cast<unsigned long long>(reader.complete_bytes()),
                 static_cast<unsigned long long>(in.bytes));
    Input ok_format = in;
    ok_format.format = Status();  // a cut tail is what repair is for
    return finish(a, reader, ok_format, out);
  }
  ModelOptions options;
  options.from_us = static_cast<uint64_t>(std::llround(a.from * 1e6));
  if (a.to >= 0) options.to_us = static_cast<uint64_t>(std::llround(a.to * 1e6));
  if (c == "report") return run_report(a, reader, options);
  if (c == "heaptrack") {
    OutputFile file;
    Status out = file.open(a.out, vigil::tools::compression_for(a.out));
    if (!out.ok()) return finish(a, reader, Input{}, out);
    TraceModel model(reader, options);
    HeaptrackWriter writer(model);
    model.set_listener(&writer);
    Input in = read_input(
        a, reader, model,
        [&] {
          if (writer.text().size() > (1 << 16)) {
            if (out.ok()) out = file.write(writer.text());
            writer.text().clear();
          }
        },
        a.save);
    writer.finish();
    if (out.ok()) out = file.write(writer.text());
    Status closed = file.close();
    if (out.ok()) out = closed;
    return finish(a, reader, in, out);
  }
  TraceModel model(reader, options);
  Input in = read_input(a, reader, model, nothing, a.save);
  Status out;
  std::string text;
  if (c == "summary") {
    if (reader.complete_bytes() > 0) text = render_summary(model, a.trace, in.bytes, a.top);
    print(text);
  } else if (c == "flamegraph") {
    text = render_folded(model, a.live);
    print(text);
  } else if (reader.complete_bytes() > 0 || in.io.ok()) {
    OutputFile file;
    out = file.open(a.out, Compression::kGzip);
    if (out.ok()) out = file.write(encode_pprof(model));
    Status closed = file.close();
    if (out.ok()) out = closed;
  }
  return finish(a, reader, in, out);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("vigil-trace %s\n", VIGIL_VERSION);
      return 0;
    }
  }
  Args a;
  std::string bad = parse(argc, argv, a);
  if (!bad.empty()) return usage_error(bad);
  return run(a);
}
