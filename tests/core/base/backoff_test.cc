#include "core/base/backoff.h"

#include <cmath>

#include "gtest/gtest.h"

namespace fullerene::core {
namespace {

TEST(ReconnectBackoffTest, FollowsTwistedScheduleAsCarbonConfiguresIt) {
  // COMPAT §4.5: first retry ~2.7 s, later ones ~5 s, each within a few sigma of 12 %.
  ReconnectBackoff backoff(/*seed=*/1);
  const double first = backoff.NextDelay();
  EXPECT_NEAR(first, std::exp(1.0), std::exp(1.0) * 0.12 * 5);
  for (int i = 0; i < 50; ++i) {
    const double later = backoff.NextDelay();
    EXPECT_GT(later, 5.0 * (1 - 0.12 * 5));
    EXPECT_LT(later, 5.0 * (1 + 0.12 * 5));
  }
}

TEST(ReconnectBackoffTest, ResetStartsOver) {
  ReconnectBackoff backoff(/*seed=*/2);
  for (int i = 0; i < 5; ++i) {
    backoff.NextDelay();
  }
  backoff.Reset();
  EXPECT_LT(backoff.NextDelay(), 4.0);
}

TEST(ReconnectBackoffTest, SameSeedSameSchedule) {
  ReconnectBackoff a(7);
  ReconnectBackoff b(7);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(a.NextDelay(), b.NextDelay());
  }
}

TEST(ReconnectBackoffTest, JitterSpreadsTheDelays) {
  ReconnectBackoff backoff(3);
  backoff.NextDelay();
  double min = 1e9;
  double max = 0;
  for (int i = 0; i < 200; ++i) {
    const double d = backoff.NextDelay();
    min = std::min(min, d);
    max = std::max(max, d);
  }
  EXPECT_GT(max - min, 0.5);  // +-12 % of 5 s, not a fixed schedule
}

}  // namespace
}  // namespace fullerene::core
