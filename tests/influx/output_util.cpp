#include "tests/influx/output_util.h"

namespace vigil::test {

bool shut_down(uv_loop_t* loop, metrics::Output& out, std::chrono::milliseconds deadline) {
  bool finished = false;
  out.shutdown(deadline, [&finished] { finished = true; });
  return run_until(
      loop, [&finished] { return finished; }, deadline + std::chrono::seconds(10));
}

std::vector<metrics::Point> numbered_points(int first, int n, int64_t base_ns) {
  std::vector<metrics::Point> points;
  for (int i = first; i < first + n; ++i) {
    points.push_back(
        metrics::Point{std::string(1, 'm'), {{"host", "h"}}, {{"v", int64_t{i}}}, base_ns + i});
  }
  return points;
}

}  // namespace vigil::test
