#include "core/queue/spsc_ring.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace fullerene::core {
namespace {

TEST(SpscRingTest, RoundsCapacityUpToAPowerOfTwo) {
  SpscRing<int> ring(5);
  EXPECT_EQ(ring.capacity(), 8u);
}

TEST(SpscRingTest, FifoUntilFullThenRefuses) {
  SpscRing<int> ring(4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(ring.TryPush(i));
  }
  EXPECT_FALSE(ring.TryPush(99));
  int v = -1;
  EXPECT_TRUE(ring.TryPop(&v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ring.TryPush(4));
  for (int want = 1; want <= 4; ++want) {
    ASSERT_TRUE(ring.TryPop(&v));
    EXPECT_EQ(v, want);
  }
  EXPECT_FALSE(ring.TryPop(&v));
  EXPECT_TRUE(ring.EmptyApprox());
}

TEST(SpscRingTest, TwoThreadsSeeEveryValueOnceInOrder) {
  SpscRing<uint64_t> ring(64);
  constexpr uint64_t kCount = 2'000'000;
  std::thread producer([&] {
    for (uint64_t i = 1; i <= kCount;) {
      if (ring.TryPush(i)) {
        ++i;
      }
    }
  });
  uint64_t expected = 1;
  while (expected <= kCount) {
    uint64_t v;
    if (ring.TryPop(&v)) {
      ASSERT_EQ(v, expected);
      ++expected;
    }
  }
  producer.join();
  uint64_t v;
  EXPECT_FALSE(ring.TryPop(&v));
}

}  // namespace
}  // namespace fullerene::core
