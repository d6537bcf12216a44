#include "logging/log.h"

#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

namespace vigil::logging {
namespace {

// The registry. A function-local static, so sources declared at namespace scope in any
// translation unit can register during static initialisation.
struct Registry {
  std::mutex mu;
  std::vector<Source*> sources;  // Guarded by mu.
  std::atomic<int> default_level{static_cast<int>(Level::info)};
};

Registry& registry() {
  static Registry* r = new Registry;  // Never destroyed: sources may outlive main().
  return *r;
}

std::atomic<Sink*> g_sink{nullptr};
std::atomic<Format> g_format{Format::text};
std::atomic<uint64_t> g_warnings{0};
std::atomic<uint64_t> g_errors{0};

constexpr size_t kLineMax = 2048;

// Level names padded to one width, so text lines align.
constexpr std::string_view kPaddedNames[] = {"quiet   ", "app     ", "error   ",
                                             "warning ", "info    ", "debug   "};

size_t append(char* line, size_t n, std::string_view text) {
  std::memcpy(line + n, text.data(), text.size());
  return n + text.size();
}

// "2026-11-21T22:42:19.123Z" (24 bytes). The date part is formatted once a second per
// thread.
size_t format_time(char* out) {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  thread_local time_t cached_second = -1;
  thread_local char cached[24];
  if (ts.tv_sec != cached_second) {
    tm t;
    gmtime_r(&ts.tv_sec, &t);
    strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &t);
    cached_second = ts.tv_sec;
  }
  long ms = ts.tv_nsec / 1'000'000;
  std::memcpy(out, cached, 19);
  out[19] = '.';
  out[20] = static_cast<char>('0' + ms / 100);
  out[21] = static_cast<char>('0' + ms / 10 % 10);
  out[22] = static_cast<char>('0' + ms % 10);
  out[23] = 'Z';
  return 24;
}

// Appends `text` as the inside of a JSON string.
size_t json_escape(char* out, size_t cap, std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if (n + 7 >= cap) break;
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out[n++] = '\\';
      out[n++] = c;
    } else if (c == '\n') {
      out[n++] = '\\';
      out[n++] = 'n';
    } else if (u < 0x20) {
      n += static_cast<size_t>(std::snprintf(out + n, cap - n, "\\u%04x", u));
    } else {
      out[n++] = c;
    }
  }
  return n;
}

void emit(std::string_view line) {
  if (Sink* sink = g_sink.load(std::memory_order_acquire)) {
    sink->write(line);
    return;
  }
  // One write(2) per line, so lines from several threads do not interleave.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace

Source::Source(std::string_view name)
    : name_(name), level_(registry().default_level.load(std::memory_order_relaxed)) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  // Two live sources of one name would share every L and l: a programming error.
  assert(std::none_of(r.sources.begin(), r.sources.end(),
                      [&](const Source* s) { return s->name_ == name_; }));
  r.sources.push_back(this);
}

Source::~Source() {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  std::erase(r.sources, this);
}

void Source::write(Level level, const char* format, ...) const {
  if (level == Level::warning) g_warnings.fetch_add(1, std::memory_order_relaxed);
  if (level == Level::error) g_errors.fetch_add(1, std::memory_order_relaxed);

  va_list args;
  va_start(args, format);
  char line[kLineMax];
  size_t n = 0;
  if (g_format.load(std::memory_order_relaxed) == Format::json) {
    char msg[kLineMax / 2];
    int len = std::vsnprintf(msg, sizeof msg, format, args);
    std::string_view text(msg, std::min(static_cast<size_t>(std::max(len, 0)), sizeof msg - 1));
    n = append(line, n, "{\"time\":\"");
    n += format_time(line + n);
    n = append(line, n, "\",\"level\":\"");
    n = append(line, n, level_name(level));
    n = append(line, n, "\",\"source\":\"");
    n += json_escape(line + n, sizeof line / 2, name_);
    n = append(line, n, "\",\"msg\":\"");
    n += json_escape(line + n, sizeof line - n - 3, text);
    n = append(line, n, "\"}");
  } else {
    // "2026-11-21T22:42:19.123Z info    [net.control] message": the prefix is copied,
    // and the message is formatted once, in place.
    n += format_time(line);
    line[n++] = ' ';
    n = append(line, n, kPaddedNames[static_cast<size_t>(level)]);
    line[n++] = '[';
    n = append(line, n, std::string_view(name_).substr(0, 128));
    line[n++] = ']';
    line[n++] = ' ';
    int len = std::vsnprintf(line + n, sizeof line - n - 1, format, args);
    n += std::min(static_cast<size_t>(std::max(len, 0)), sizeof line - n - 2);
  }
  va_end(args);
  line[n++] = '\n';
  emit(std::string_view(line, n));
}

void set_sink(Sink* sink) { g_sink.store(sink, std::memory_order_release); }
void set_format(Format format) { g_format.store(format, std::memory_order_relaxed); }

Level default_level() {
  return static_cast<Level>(registry().default_level.load(std::memory_order_relaxed));
}

std::vector<Source*> sources() {
  Registry& r = registry();
  std::vector<Source*> out;
  {
    std::lock_guard lock(r.mu);
    out = r.sources;
  }
  std::sort(out.begin(), out.end(),
            [](const Source* a, const Source* b) { return a->name() < b->name(); });
  return out;
}

Status apply(const LevelSpec& spec) {
  std::vector<Source*> all = sources();
  for (const LevelItem& item : spec.items) {
    if (item.pattern == "*") continue;
    bool any = std::any_of(all.begin(), all.end(),
                           [&](Source* s) { return name_matches(item.pattern, s->name()); });
    if (!any) return Status::error("unknown source: " + item.pattern);
  }
  for (const LevelItem& item : spec.items) {
    if (item.pattern != "*") continue;
    registry().default_level.store(static_cast<int>(item.level), std::memory_order_relaxed);
    for (Source* s : all) s->set_level(item.level);
  }
  for (const LevelItem& item : spec.items) {
    if (item.pattern == "*") continue;
    for (Source* s : all) {
      if (name_matches(item.pattern, s->name())) s->set_level(item.level);
    }
  }
  return Status();
}

uint64_t warnings_logged() { return g_warnings.load(std::memory_order_relaxed); }
uint64_t errors_logged() { return g_errors.load(std::memory_order_relaxed); }

}  // namespace vigil::logging
