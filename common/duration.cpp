#include "common/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace vigil {
namespace {

struct Unit {
  std::string_view name;
  int64_t nanos;
};

constexpr int64_t kSecond = 1'000'000'000;

// Every unit name the grammar accepts, with its length in nanoseconds.
constexpr std::array<Unit, 23> kUnits{{
    {"ns", 1},
    {"us", 1'000},
    {"ms", 1'000'000},
    {"s", kSecond},
    {"sec", kSecond},
    {"secs", kSecond},
    {"second", kSecond},
    {"seconds", kSecond},
    {"m", 60 * kSecond},
    {"min", 60 * kSecond},
    {"mins", 60 * kSecond},
    {"minute", 60 * kSecond},
    {"minutes", 60 * kSecond},
    {"h", 3600 * kSecond},
    {"hr", 3600 * kSecond},
    {"hrs", 3600 * kSecond},
    {"hour", 3600 * kSecond},
    {"hours", 3600 * kSecond},
    {"d", 86400 * kSecond},
    {"day", 86400 * kSecond},
    {"days", 86400 * kSecond},
    {"w", 7 * 86400 * kSecond},
    {"weeks", 7 * 86400 * kSecond},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

const Unit* find_unit(std::string_view name) {
  for (const Unit& u : kUnits) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

}  // namespace

Result<Nanos> parse_duration(std::string_view text) {
  if (text.empty()) return Status::error("value was empty");
  // Nanoseconds are accumulated as long double: it holds every int64 exactly enough for
  // the overflow check, and fractions such as "1.5s" need no special case.
  long double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) ++i;
    if (i == start) {
      return Status::error("expected number at " + std::to_string(start));
    }
    std::string number(text.substr(start, i - start));
    if (number.front() == '.' || number.back() == '.' || number.find('.') != number.rfind('.')) {
      return Status::error("invalid number '" + number + "' at " + std::to_string(start));
    }
    size_t unit_start = i;
    while (i < text.size() && is_alpha(text[i])) ++i;
    std::string_view unit_name = text.substr(unit_start, i - unit_start);
    if (unit_name.empty()) {
      if (i < text.size()) {
        return Status::error("invalid character at " + std::to_string(i));
      }
      return Status::error("time unit needed, for example " + number + "sec or " + number + "ms");
    }
    const Unit* unit = find_unit(unit_name);
    if (unit == nullptr) {
      return Status::error("unknown time unit \"" + std::string(unit_name) +
                           "\", supported units: ns, us, ms, s, m/min, h, d, w");
    }
    total += std::stold(number) * static_cast<long double>(unit->nanos);
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) {
      return Status::error("number is too large");
    }
  }
  return Nanos(static_cast<int64_t>(total));
}

std::string format_duration(Nanos d) {
  int64_t n = d.count();
  if (n == 0) return "0s";
  std::string out;
  if (n < 0) {
    out = "-";
    n = -n;
  }
  // Whole hours, minutes and seconds print as groups; a remainder below a second is
  // printed in the largest unit that keeps it exact.
  const struct {
    int64_t nanos;
    const char* name;
  } groups[] = {{3600 * kSecond, "h"}, {60 * kSecond, "m"}, {kSecond, "s"},
                {1'000'000, "ms"},     {1'000, "us"},       {1, "ns"}};
  for (const auto& g : groups) {
    if (n >= g.nanos) {
      out += std::to_string(n / g.nanos) + g.name;
      n %= g.nanos;
    }
  }
  return out;
}

}  // namespace vigil
