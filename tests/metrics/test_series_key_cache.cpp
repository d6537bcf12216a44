// The series key cache: a cached key is reused only for the very same measurement and tags,
// and an encoded line is the same whether its key came from the cache or not.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "influx_helpers.h"
#include "metrics/series_key_cache.h"

using namespace vigil::metrics;
using vigil::metrics::testing::line;
using vigil::metrics::testing::point;

TEST_CASE("the second line of a series is the first one's, counters included") {
  Point p = point("m", {{"b", "2"}, {"a", "1"}, {"", "x"}, {"a", "dup"}}, {{"f", 1.5}}, 7);
  EncodeCounters first, second;
  std::string one = line(p, &first);
  std::string two = line(p, &second);
  CHECK(one == "m,a=1,b=2 f=1.5 7\n");
  CHECK(two == one);
  CHECK(first.tags_dropped == 2);
  CHECK(second.tags_dropped == 2);
}

TEST_CASE("a series that differs in one byte, or in tag order, gets its own key") {
  // Same sizes and same first and last bytes, so the same slot: the cache must compare.
  CHECK(line(point("m", {{"host", "abc"}}, {{"f", true}}, 1)) == "m,host=abc f=true 1\n");
  CHECK(line(point("m", {{"host", "axc"}}, {{"f", true}}, 1)) == "m,host=axc f=true 1\n");
  CHECK(line(point("m", {{"host", "abc"}}, {{"f", true}}, 1)) == "m,host=abc f=true 1\n");
  CHECK(line(point("n", {{"host", "abc"}}, {{"f", true}}, 1)) == "n,host=abc f=true 1\n");
  CHECK(line(point("m", {{"hoxt", "abc"}}, {{"f", true}}, 1)) == "m,hoxt=abc f=true 1\n");
  // A name split differently between key and value.
  CHECK(line(point("m", {{"ab", "c"}}, {{"f", true}}, 1)) == "m,ab=c f=true 1\n");
  CHECK(line(point("m", {{"a", "bc"}}, {{"f", true}}, 1)) == "m,a=bc f=true 1\n");
  // The same tags in another order: the same key, each counted as the point gives it.
  CHECK(line(point("m", {{"x", "1"}, {"y", "2"}}, {{"f", true}}, 1)) == "m,x=1,y=2 f=true 1\n");
  CHECK(line(point("m", {{"y", "2"}, {"x", "1"}}, {{"f", true}}, 1)) == "m,x=1,y=2 f=true 1\n");
  // One tag fewer, or one more.
  CHECK(line(point("m", {{"x", "1"}}, {{"f", true}}, 1)) == "m,x=1 f=true 1\n");
  CHECK(line(point("m", {}, {{"f", true}}, 1)) == "m f=true 1\n");
  CHECK(line(point("m", {{"x", "1"}, {"y", "2"}, {"z", "3"}}, {{"f", true}}, 1)) ==
        "m,x=1,y=2,z=3 f=true 1\n");
}

TEST_CASE("long names are compared in full, past the first eight bytes") {
  std::string a(40, 'v');
  std::string b = a;
  b[20] = 'w';
  CHECK(line(point("m", {{"k", a}}, {{"f", true}}, 1)) == "m,k=" + a + " f=true 1\n");
  CHECK(line(point("m", {{"k", b}}, {{"f", true}}, 1)) == "m,k=" + b + " f=true 1\n");
  CHECK(line(point("m", {{"k", a}}, {{"f", true}}, 1)) == "m,k=" + a + " f=true 1\n");
}

TEST_CASE("many series, more than the slots, each keep their own key") {
  // 500 series through 64 slots, twice: every line must name its own series.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 500; ++i) {
      std::string v = std::to_string(i);
      CHECK(line(point("m", {{"s", v}, {"h", "x y"}}, {{"f", int64_t{i}}}, 1)) ==
            "m,h=x\\ y,s=" + v + " f=" + v + "i 1\n");
    }
  }
}

TEST_CASE("a series too big to cache is still written") {
  std::string big(SeriesKeyCache::kMaxRawBytes + 1, 'b');
  CHECK(SeriesKeyCache::slot_of(point("m", {{"k", big}}, {{"f", true}}, 1)) == -1);
  CHECK(SeriesKeyCache::slot_of(point("m", {{"k", "v"}}, {{"f", true}}, 1)) >= 0);
  CHECK(line(point("m", {{"k", big}}, {{"f", true}}, 1)) == "m,k=" + big + " f=true 1\n");
  CHECK(line(point("m", {{"k", big}}, {{"f", true}}, 1)) == "m,k=" + big + " f=true 1\n");
}

TEST_CASE("a point skipped for its fields does not change its series' key") {
  EncodeCounters c;
  CHECK(line(point("m", {{"k", "v"}, {"", "x"}}, {{"f", std::nan("")}}, 1), &c) == "<skipped>");
  CHECK(c.tags_dropped == 1);
  CHECK(line(point("m", {{"k", "v"}, {"", "x"}}, {{"f", 2.0}}, 1), &c) == "m,k=v f=2 1\n");
  CHECK(c.tags_dropped == 2);
}

TEST_CASE("the series predicted from the last order is used only when it is the point's") {
  // a, b, c in that order teaches the cache b after a; then a, c: c's point must not get
  // b's key, and a, b again must.
  auto one = [](const char* v) { return point("m", {{"s", v}}, {{"f", true}}, 1); };
  for (const char* v : {"a", "b", "c", "a", "c", "a", "b", "b", "c"}) {
    CHECK(line(one(v)) == std::string("m,s=") + v + " f=true 1\n");
  }
}
