// Escaping rules of the line protocol, checked on whole lines.
#include <doctest/doctest.h>

#include <cmath>

#include "influx_helpers.h"

using namespace vigil::metrics;
using vigil::metrics::testing::line;
using vigil::metrics::testing::point;

TEST_CASE("a line with no tags has no comma after the measurement") {
  CHECK(line(point("cpu", {}, {{"v", int64_t{1}}})) == "cpu v=1i 1700000000000000000\n");
}

TEST_CASE("comma and space are escaped in the measurement but '=' is not") {
  CHECK(line(point("a,b c=d", {}, {{"v", true}})) == "a\\,b\\ c=d v=true 1700000000000000000\n");
}

TEST_CASE("comma, space and '=' are escaped in tag keys, tag values and field keys") {
  CHECK(line(point("m", {{"k,1 =", "v,1 ="}}, {{"f,1 =", true}})) ==
        "m,k\\,1\\ \\==v\\,1\\ \\= f\\,1\\ \\==true 1700000000000000000\n");
}

TEST_CASE("a backslash before an ordinary character is kept as is, not doubled") {
  CHECK(line(point("a\\b", {{"t\\k", "v\\x"}}, {{"f\\g", true}})) ==
        "a\\b,t\\k=v\\x f\\g=true 1700000000000000000\n");
}

TEST_CASE("two backslashes before an ordinary character are kept") {
  CHECK(line(point("a\\\\b", {}, {{"f", true}})) == "a\\\\b f=true 1700000000000000000\n");
}

TEST_CASE("string field values escape backslash then double quote") {
  CHECK(line(point("m", {}, {{"s", std::string("a\\b\"c")}})) ==
        "m s=\"a\\\\b\\\"c\" 1700000000000000000\n");
}

TEST_CASE("string field values keep commas, spaces, '=' and newlines unescaped") {
  CHECK(line(point("m", {}, {{"s", std::string("a, b=c\nd")}})) ==
        "m s=\"a, b=c\nd\" 1700000000000000000\n");
}

TEST_CASE("an empty string field value is two double quotes") {
  CHECK(line(point("m", {}, {{"s", std::string()}})) == "m s=\"\" 1700000000000000000\n");
}

TEST_CASE("tags are sorted by key byte-wise whatever order they come in") {
  CHECK(line(point("m", {{"b", "2"}, {"B", "3"}, {"a", "1"}, {"\xc3\xa9", "4"}}, {{"f", true}})) ==
        "m,B=3,a=1,b=2,\xc3\xa9=4 f=true 1700000000000000000\n");
}

TEST_CASE("fields keep the order they were given") {
  CHECK(line(point("m", {}, {{"z", true}, {"a", false}})) ==
        "m z=true,a=false 1700000000000000000\n");
}

TEST_CASE("the timestamp is written in nanoseconds, negative ones included") {
  CHECK(line(point("m", {}, {{"f", true}}, 1)) == "m f=true 1\n");
  CHECK(line(point("m", {}, {{"f", true}}, -5)) == "m f=true -5\n");
}

TEST_CASE("encode_points appends one LF-terminated line per point and skips bad ones") {
  std::vector<Point> pts = {point("a", {}, {{"f", int64_t{1}}}, 1),
                            point("b", {}, {{"f", std::nan("")}}, 2),
                            point("c", {}, {{"f", int64_t{3}}}, 3)};
  std::string out = "prefix\n";
  EncodeCounters c;
  CHECK(encode_points(pts, &out, &c) == 2);
  CHECK(out == "prefix\na f=1i 1\nc f=3i 3\n");
  CHECK(c.points_skipped == 1);
}
