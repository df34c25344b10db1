#include "tools/gen/token_bucket.h"

#include <cstdint>
#include <random>

#include "gtest/gtest.h"

namespace fullerene::gen {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

TEST(TokenBucketTest, StartsFull) {
  const TokenBucket bucket(1000, 50, 0);
  EXPECT_DOUBLE_EQ(bucket.tokens(), 50);
  EXPECT_EQ(bucket.NanosUntil(50), 0);
}

TEST(TokenBucketTest, AccruesAtTheRateContinuously) {
  TokenBucket bucket(1000, 100, 0);
  bucket.Take(100);
  bucket.Refill(kSecond / 100);  // 10 ms at 1000/s
  EXPECT_NEAR(bucket.tokens(), 10, 1e-9);
  bucket.Refill(kSecond / 100 + kSecond / 1000);  // 1 ms more
  EXPECT_NEAR(bucket.tokens(), 11, 1e-9);
}

TEST(TokenBucketTest, NeverHoldsMoreThanTheBurst) {
  TokenBucket bucket(1000, 100, 0);
  bucket.Refill(60 * kSecond);
  EXPECT_DOUBLE_EQ(bucket.tokens(), 100);
}

TEST(TokenBucketTest, DebtDelaysTheNextWrite) {
  // A 500-item frame taken from a bucket of 100 leaves a debt of 400: 0.4 s at 1000/s
  // before the balance is back at zero.
  TokenBucket bucket(1000, 500, 0);
  bucket.Take(500);
  bucket.Refill(kSecond / 10);
  bucket.Take(500);
  EXPECT_NEAR(bucket.tokens(), -400, 1e-9);
  EXPECT_NEAR(static_cast<double>(bucket.NanosUntil(0)), 0.4 * kSecond, 2);
}

TEST(TokenBucketTest, ClockGoingBackwardsAddsNothing) {
  TokenBucket bucket(1000, 100, 5 * kSecond);
  bucket.Take(100);
  bucket.Refill(4 * kSecond);
  EXPECT_DOUBLE_EQ(bucket.tokens(), 0);
}

TEST(TokenBucketTest, WakingAfterNanosUntilAlwaysFindsEnough) {
  std::mt19937_64 random(1);
  for (int i = 0; i < 100000; ++i) {
    const double rate = std::uniform_real_distribution<double>(1, 5e7)(random);
    const double burst = std::uniform_real_distribution<double>(1, 1e5)(random);
    int64_t now = static_cast<int64_t>(random() % (1000 * kSecond));
    TokenBucket bucket(rate, burst, now);
    bucket.Take(std::uniform_real_distribution<double>(0, 2 * burst)(random));
    const double need = std::uniform_real_distribution<double>(0, burst)(random);
    now += bucket.NanosUntil(need);
    bucket.Refill(now);
    ASSERT_GE(bucket.tokens(), need) << "rate " << rate << " burst " << burst;
  }
}

TEST(TokenBucketTest, LongRunAverageIsTheRate) {
  // A writer that takes whatever is there every 3.7 ms moves rate x time, give or take one
  // burst.
  TokenBucket bucket(250000, 2500, 0);
  double taken = 0;
  int64_t now = 0;
  for (; now < 10 * kSecond; now += 3'700'000) {
    bucket.Refill(now);
    taken += bucket.tokens();
    bucket.Take(bucket.tokens());
  }
  EXPECT_NEAR(taken, 250000.0 * static_cast<double>(now - 3'700'000) / kSecond + 2500, 1);
}

}  // namespace
}  // namespace fullerene::gen
