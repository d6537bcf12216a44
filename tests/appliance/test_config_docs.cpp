// docs/config.md is generated from the option table; this keeps the checked-in copy true.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "appliance/config.h"

TEST_CASE("docs/config.md holds the option table as the code declares it") {
  std::ifstream file(std::string(VIGIL_SOURCE_ROOT) + "/docs/config.md");
  REQUIRE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  CHECK_MESSAGE(text.str().find(vigil::options_markdown()) != std::string::npos,
                "regenerate with: build/appliance/vigil --print-config-docs");
}

TEST_CASE("--help text lists every option with its default") {
  std::string help = vigil::options_help();
  CHECK(help.find("  control.listen (address, default 0.0.0.0:2323)") != std::string::npos);
  CHECK(help.find("  outputs[].buffer_limit (integer, default 10000)") != std::string::npos);
  CHECK(help.find("  logging.level (level, default info, runtime)") != std::string::npos);
}
