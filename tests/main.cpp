// The doctest main, compiled once and linked into every test executable. It exits 77
// (meson's "skipped") when no case failed and some case called vigil::test::skip().
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "skip.h"

namespace {
bool skipped = false;
}  // namespace

void vigil::test::skip(const std::string& why) {
  skipped = true;
  std::printf("SKIP: %s\n", why.c_str());
  std::fflush(stdout);
}

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  int rc = context.run();
  if (context.shouldExit()) return rc;
  return (rc == 0 && skipped) ? 77 : rc;
}
