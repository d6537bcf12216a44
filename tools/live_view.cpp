#include "tools/live_view.h"

#include <curses.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tools/trace_capture.h"
#include "trace/trace_functions.h"
#include "trace/trace_model.h"
#include "trace/trace_reader.h"

namespace vigil::tools {
namespace {

using namespace vigil::trace;
using Clock = std::chrono::steady_clock;

std::string bytes_text(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (b >= 1024 && i < 4) {
    b /= 1024;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, i == 0 ? "%.0f %s" : "%.2f %s", b, units[i]);
  return buf;
}

std::string count_text(double n) {
  char buf[32];
  if (n >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  } else if (n >= 1e4) {
    std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", n);
  }
  return buf;
}

// What the screen shows and how; the keys change it.
struct View {
  const TraceModel* model = nullptr;
  std::string label, state = "tracing";
  Clock::time_point start = Clock::now();
  bool live = true;  // live bytes, or allocated
  char sort = 'o';   // o own, t total, n objects, f name
  int scroll = 0;
  bool quit = false;
  double rate = 0;  // bytes/s, over the trace's last second
};

uint64_t events_of(const TraceModel& m) {
  const TraceModel::Totals& t = m.totals();
  return t.allocs[0] + t.allocs[1] + t.allocs[2] + t.promotes + t.collects;
}

// "dir/file.cpp:12" -> "file.cpp:12": the report has the paths; a terminal is narrow.
const char* base_name(const std::string& location) {
  size_t slash = location.rfind('/');
  return location.c_str() + (slash == std::string::npos ? 0 : slash + 1);
}

// Prints one screen line, cut at the terminal's width (curses would wrap it).
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void line(int y, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  mvaddnstr(y, 0, buf, std::max(COLS, 1));
  clrtoeol();
}

void sort_rows(const View& v, std::vector<FunctionFigures>& rows) {
  auto key = [&](const FunctionFigures& f) {
    if (v.sort == 't') return v.live ? f.total_live_bytes : f.total_bytes;
    if (v.sort == 'n') return v.live ? f.own_live_objects : f.own_objects;
    return v.live ? f.own_live_bytes : f.own_bytes;
  };
  std::erase_if(rows, [&](const FunctionFigures& f) {
    return (v.live ? f.total_live_bytes : f.total_bytes) <= 0;
  });
  std::sort(rows.begin(), rows.end(), [&](const FunctionFigures& a, const FunctionFigures& b) {
    if (v.sort == 'f') return a.name < b.name;
    return key(a) != key(b) ? key(a) > key(b) : a.name < b.name;
  });
}

void draw_header(const View& v, int width) {
  const TraceModel& m = *v.model;
  const TraceInfo& i = m.info();
  double elapsed = std::chrono::duration<double>(Clock::now() - v.start).count();
  attron(A_REVERSE);
  mvprintw(
      0, 0, "%-*.*s", width, width,
      (" vigil-trace live  " + (i.executable_name.empty() ? "?" : i.executable_name) + " (pid " +
       std::to_string(i.pid) + ") on " + i.host_name + " via " + v.label + "  [" + v.state + "]")
          .c_str());
  attroff(A_REVERSE);
  line(1,
       "elapsed %.0f s  heap now %s  peak %s  alloc rate %s/s  events %" PRIu64
       "  drops: not in the stream",
       elapsed, bytes_text(m.bytes_of(m.totals().live_samples)).c_str(),
       bytes_text(m.bytes_of(m.totals().peak_live_samples)).c_str(), bytes_text(v.rate).c_str(),
       events_of(m));
  line(2,
       "showing %s bytes, sorted by %s.  keys: o own  t total  n objects  f name  "
       "l live/allocated  arrows/j/k/PgUp/PgDn scroll  q quit",
       v.live ? "LIVE" : "ALLOCATED",
       v.sort == 'o'   ? "own"
       : v.sort == 't' ? "total"
       : v.sort == 'n' ? "objects"
                       : "name");
}

void draw(View& v) {
  int height = 0, width = 0;
  getmaxyx(stdscr, height, width);
  erase();
  draw_header(v, width);
  std::vector<FunctionFigures> rows = function_figures(*v.model);
  sort_rows(v, rows);
  int body = std::max(height - 5, 1);
  v.scroll = std::clamp(v.scroll, 0, std::max(static_cast<int>(rows.size()) - body, 0));
  // The function column takes what the figures and a 28-column location leave.
  int name_width = std::max(width - 38 - 28, 24);
  attron(A_BOLD);
  line(4, "%12s %12s %10s  %-*s %s", v.live ? "OWN LIVE" : "OWN ALLOC",
       v.live ? "TOTAL LIVE" : "TOTAL ALLOC", "OBJECTS", name_width, "FUNCTION", "FILE:LINE");
  attroff(A_BOLD);
  for (int r = 0; r < body && v.scroll + r < static_cast<int>(rows.size()); ++r) {
    const FunctionFigures& f = rows[static_cast<size_t>(v.scroll + r)];
    line(5 + r, "%12s %12s %10s  %-*.*s %s",
         bytes_text(v.live ? f.own_live_bytes : f.own_bytes).c_str(),
         bytes_text(v.live ? f.total_live_bytes : f.total_bytes).c_str(),
         count_text(v.live ? f.own_live_objects : f.own_objects).c_str(), name_width, name_width,
         f.name.c_str(), base_name(f.location));
  }
  refresh();
}

// Handles the pending keys; true when the screen should be redrawn now.
bool keys(View& v) {
  bool redraw = false;
  for (int c = getch(); c != ERR; c = getch()) {
    redraw = true;
    switch (c) {
      case 'q':
      case 'Q':
        v.quit = true;
        v.state = "stopping";
        break;
      case 'o':
      case 't':
      case 'n':
      case 'f':
        v.sort = static_cast<char>(c);
        break;
      case 'l':
        v.live = !v.live;
        break;
      case KEY_DOWN:
      case 'j':
        ++v.scroll;
        break;
      case KEY_UP:
      case 'k':
        --v.scroll;
        break;
      case KEY_NPAGE:
      case ' ':
        v.scroll += std::max(LINES - 6, 1);
        break;
      case KEY_PPAGE:
        v.scroll -= std::max(LINES - 6, 1);
        break;
      default:  // KEY_RESIZE and anything else: redraw at the new size
        break;
    }
  }
  return redraw;
}

// The allocation rate over the trace's last second (its own clock: the target sends packets
// in bursts, so the wall clock between two redraws would see them come and go).
void update_rate(View& v) {
  const std::vector<LivePoint>& series = v.model->live_series();
  if (series.size() < 2) return;
  const LivePoint& last = series.back();
  uint64_t from = last.time_us > 1000000 ? last.time_us - 1000000 : 0;
  auto it = std::lower_bound(series.begin(), series.end(), from,
                             [](const LivePoint& p, uint64_t t) { return p.time_us < t; });
  if (it == series.end() || it->time_us >= last.time_us) return;
  v.rate = v.model->bytes_of(last.allocated_samples - it->allocated_samples) /
           (static_cast<double>(last.time_us - it->time_us) / 1e6);
}

}  // namespace

int run_live(const LiveOptions& o) {
  if (isatty(STDOUT_FILENO) != 1 || isatty(STDIN_FILENO) != 1) {
    std::fprintf(stderr,
                 "vigil-trace live: %s is not a terminal; the live view needs one (for a file, "
                 "use: vigil-trace report %s --seconds N -o report.html)\n",
                 isatty(STDOUT_FILENO) != 1 ? "stdout" : "stdin", o.label.c_str());
    return 2;
  }
  const char* term = std::getenv("TERM");
  if (term == nullptr || *term == '\0' || std::strcmp(term, "dumb") == 0) {
    std::fprintf(stderr, "vigil-trace live: TERM is %s; the live view needs a terminal type\n",
                 term == nullptr || *term == '\0' ? "not set" : "dumb");
    return 2;
  }
  FILE* saved = nullptr;
  if (!o.save.empty() && (saved = std::fopen(o.save.c_str(), "wb")) == nullptr) {
    std::fprintf(stderr, "vigil-trace: open %s: %s\n", o.save.c_str(), std::strerror(errno));
    return 1;
  }
  TraceReader reader;
  TraceModel model(reader);
  View v;
  v.model = &model;
  v.label = o.label;
  reader.start();
  uint64_t received = 0;
  std::string save_error;
  initscr();
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  nodelay(stdscr, TRUE);
  curs_set(0);
  CaptureOptions co;
  co.host = o.host;
  co.port = o.port;
  co.seconds = 1e9;
  Clock::time_point drawn = Clock::now();
  co.on_bytes = [&](std::span<const uint8_t> bytes) {
    received += bytes.size();
    if (saved != nullptr && std::fwrite(bytes.data(), 1, bytes.size(), saved) != bytes.size() &&
        save_error.empty()) {
      save_error = "write " + o.save + ": " + std::strerror(errno);
    }
    Status fed = reader.feed(bytes, model);
    if (!fed.ok() && v.state == "tracing") v.state = "invalid trace: " + fed.message();
  };
  co.on_progress = [&](double, uint64_t) {
    bool now = keys(v);
    if (now || Clock::now() - drawn >= std::chrono::seconds(1)) {
      update_rate(v);
      draw(v);
      drawn = Clock::now();
    }
  };
  co.should_stop = [&] { return v.quit; };
  Status s = capture(co);
  Status format = received > 0 ? reader.finish() : Status();
  if (received > 0 && !v.quit) {
    // The port closed on its own: keep the last figures until the user quits.
    v.state = "disconnected: " + (s.ok() ? std::string("the target ended the trace") : s.message());
    nodelay(stdscr, FALSE);
    timeout(1000);
    for (draw(v); !v.quit; draw(v)) keys(v);
  }
  endwin();
  if (saved != nullptr && std::fclose(saved) != 0 && save_error.empty()) {
    save_error = "close " + o.save + ": " + std::strerror(errno);
  }
  const TraceModel::Totals& t = model.totals();
  if (received > 0) {
    std::printf("vigil-trace live: %s: %" PRIu64 " events, %" PRIu64
                " bytes; estimated_live_bytes_at_end: %.0f estimated_peak_live_bytes: %.0f%s%s\n",
                o.label.c_str(), events_of(model), received, model.bytes_of(t.live_samples),
                model.bytes_of(t.peak_live_samples), o.save.empty() ? "" : "; saved ",
                o.save.c_str());
  }
  int rc = 0;
  for (const std::string& e :
       {s.ok() ? std::string() : s.message(),
        format.ok() ? std::string() : o.label + ": " + format.message(), save_error}) {
    if (e.empty()) continue;
    std::fprintf(stderr, "vigil-trace: %s\n", e.c_str());
    rc = 1;
  }
  return rc;
}

}  // namespace vigil::tools
