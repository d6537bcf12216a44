// The figures every benchmark prints: the median of its rounds, and the spread of the
// per-round ratios between two things measured in the same run.
// Thread: any (pure). REQUIRES: the vectors are not empty; ratio_spread's are of one size.
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

namespace vigil::bench {

// The middle value (the upper one of an even count).
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The 25th and 75th percentiles of the per-round ratios a[i] / b[i]: a ratio whose spread
// contains 1.0 (or a target) is within the noise of this run.
inline std::pair<double, double> ratio_spread(const std::vector<double>& a,
                                              const std::vector<double>& b) {
  std::vector<double> r;
  for (size_t i = 0; i < a.size(); ++i) r.push_back(a[i] / b[i]);
  std::sort(r.begin(), r.end());
  return {r[r.size() / 4], r[r.size() * 3 / 4]};
}

}  // namespace vigil::bench
