// Names and values that the line protocol cannot carry are repaired or skipped, and counted.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "influx_helpers.h"

using namespace vigil::metrics;
using vigil::metrics::testing::line;
using vigil::metrics::testing::point;

TEST_CASE("CR and LF in names become an escaped space") {
  CHECK(line(point("a\r\nb", {{"k\n", "v\r"}}, {{"f\nx", true}})) ==
        "a\\ \\ b,k\\ =v\\  f\\ x=true 1700000000000000000\n");
}

TEST_CASE("tab, VT and FF in names become an escaped space") {
  CHECK(line(point("a\tb\vc\fd", {}, {{"f", true}})) ==
        "a\\ b\\ c\\ d f=true 1700000000000000000\n");
}

TEST_CASE("a trailing backslash in any name is replaced by an underscore") {
  CHECK(line(point("m\\", {{"k\\", "v\\"}}, {{"f\\", true}})) ==
        "m_,k_=v_ f_=true 1700000000000000000\n");
}

TEST_CASE("a backslash just before an escaped character is replaced by an underscore") {
  CHECK(line(point("a\\,b", {{"k", "x\\=y"}}, {{"f\\ g", true}})) ==
        "a_\\,b,k=x_\\=y f_\\ g=true 1700000000000000000\n");
}

TEST_CASE("a backslash before '=' in the measurement is literal there") {
  CHECK(line(point("a\\=b", {}, {{"f", true}})) == "a\\=b f=true 1700000000000000000\n");
}

TEST_CASE("a backslash before a CR is replaced because the CR becomes an escaped space") {
  CHECK(line(point("a\\\rb", {}, {{"f", true}})) == "a_\\ b f=true 1700000000000000000\n");
}

TEST_CASE("a tag with an empty value or empty key is dropped and counted") {
  EncodeCounters c;
  CHECK(line(point("m", {{"a", ""}, {"", "x"}, {"b", "1"}}, {{"f", true}}), &c) ==
        "m,b=1 f=true 1700000000000000000\n");
  CHECK(c.tags_dropped == 2);
}

TEST_CASE("a point whose only tag is empty has no comma") {
  CHECK(line(point("m", {{"a", ""}}, {{"f", true}})) == "m f=true 1700000000000000000\n");
}

TEST_CASE("the key time is renamed time_ for tags and fields") {
  CHECK(line(point("m", {{"time", "x"}}, {{"time", int64_t{5}}})) ==
        "m,time_=x time_=5i 1700000000000000000\n");
}

TEST_CASE("a measurement starting with '#' would be a comment, so the '#' becomes '_'") {
  CHECK(line(point("#m", {}, {{"f", true}})) == "_m f=true 1700000000000000000\n");
}

TEST_CASE("NaN and infinite fields are skipped and counted") {
  EncodeCounters c;
  double inf = std::numeric_limits<double>::infinity();
  CHECK(line(point("m", {}, {{"a", std::nan("")}, {"b", 1.5}, {"c", inf}, {"d", -inf}}), &c) ==
        "m b=1.5 1700000000000000000\n");
  CHECK(c.fields_skipped == 3);
  CHECK(c.points_skipped == 0);
}

TEST_CASE("a point with only NaN fields is skipped and the output is left untouched") {
  std::string out = "x";
  EncodeCounters c;
  CHECK_FALSE(encode_point(point("m", {{"t", "v"}}, {{"a", std::nan("")}}), &out, &c));
  CHECK(out == "x");
  CHECK(c.points_skipped == 1);
}

TEST_CASE("a point with no fields or an empty measurement is skipped") {
  CHECK(line(point("m", {}, {})) == "<skipped>");
  CHECK(line(point("", {}, {{"f", true}})) == "<skipped>");
}

TEST_CASE("a field with an empty key is skipped") {
  CHECK(line(point("m", {}, {{"", true}, {"g", false}})) == "m g=false 1700000000000000000\n");
}

TEST_CASE("duplicate tag and field keys keep only the first") {
  EncodeCounters c;
  CHECK(line(point("m", {{"k", "1"}, {"k", "2"}}, {{"f", int64_t{1}}, {"f", int64_t{2}}}), &c) ==
        "m,k=1 f=1i 1700000000000000000\n");
  CHECK(c.tags_dropped == 1);
  CHECK(c.fields_skipped == 1);
}

TEST_CASE("a NaN field does not hide a later field with the same key") {
  CHECK(line(point("m", {}, {{"f", std::nan("")}, {"f", 2.0}})) == "m f=2 1700000000000000000\n");
}

TEST_CASE("more tags than the stack index holds are still sorted") {
  std::vector<Tag> tags;
  for (int i = 39; i >= 0; --i) tags.push_back({"k" + std::to_string(100 + i), "v"});
  std::string expected = "m";
  for (int i = 0; i < 40; ++i) expected += ",k" + std::to_string(100 + i) + "=v";
  expected += " f=true 7\n";
  CHECK(line(point("m", tags, {{"f", true}}, 7)) == expected);
}

TEST_CASE("a long string value is cut at a UTF-8 boundary under the limit and counted") {
  std::string s(kMaxStringBytes - 1, 'a');
  s += "\xc3\xa9";  // Two bytes; only one fits.
  EncodeCounters c;
  std::string out = line(point("m", {}, {{"s", s}}, 1), &c);
  CHECK(out == "m s=\"" + std::string(kMaxStringBytes - 1, 'a') + "\" 1\n");
  CHECK(c.strings_truncated == 1);
}
