// Each field type of the line protocol, and the edges of its range.
#include <doctest/doctest.h>

#include <limits>

#include "influx_helpers.h"

using namespace vigil::metrics;
using vigil::metrics::testing::line;
using vigil::metrics::testing::point;

TEST_CASE("floats use the shortest decimal that reads back exactly") {
  CHECK(line(point("m", {}, {{"f", 0.1}}, 1)) == "m f=0.1 1\n");
  CHECK(line(point("m", {}, {{"f", 1e300}}, 1)) == "m f=1e+300 1\n");
  CHECK(line(point("m", {}, {{"f", -2.5e-7}}, 1)) == "m f=-2.5e-07 1\n");
  CHECK(line(point("m", {}, {{"f", 0.30000000000000004}}, 1)) == "m f=0.30000000000000004 1\n");
}

TEST_CASE("a float with an integral value is written without a suffix") {
  CHECK(line(point("m", {}, {{"f", 3.0}}, 1)) == "m f=3 1\n");
}

TEST_CASE("signed integers cover the full int64 range with an i suffix") {
  CHECK(line(point("m", {},
                   {{"a", std::numeric_limits<int64_t>::min()},
                    {"b", std::numeric_limits<int64_t>::max()},
                    {"c", int64_t{-42}}},
                   1)) == "m a=-9223372036854775808i,b=9223372036854775807i,c=-42i 1\n");
}

TEST_CASE("unsigned integers use i, not u, and are clamped at int64 max") {
  CHECK(line(point("m", {},
                   {{"a", uint64_t{42}},
                    {"b", std::numeric_limits<uint64_t>::max()},
                    {"c", uint64_t{9223372036854775808u}}},
                   1)) == "m a=42i,b=9223372036854775807i,c=9223372036854775807i 1\n");
}

TEST_CASE("booleans are written true and false") {
  CHECK(line(point("m", {}, {{"a", true}, {"b", false}}, 1)) == "m a=true,b=false 1\n");
}

TEST_CASE("every field type can share one line") {
  CHECK(line(point("sys", {{"host", "h1"}, {"cpu", "total"}},
                   {{"f", 1.25},
                    {"i", int64_t{-1}},
                    {"u", uint64_t{2}},
                    {"b", true},
                    {"s", std::string("ok")}},
                   1700000000123456789)) ==
        "sys,cpu=total,host=h1 f=1.25,i=-1i,u=2i,b=true,s=\"ok\" 1700000000123456789\n");
}

TEST_CASE("no line contains a CR, whatever the names hold") {
  std::string l = line(point("m\r", {{"k\r", "v\r"}}, {{"f\r", std::string("x")}}, 1));
  CHECK(l.find('\r') == std::string::npos);
}
