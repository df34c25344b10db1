#include "core/route/hash/carbon_hash.h"

#include "gtest/gtest.h"

namespace fullerene::core {
namespace {

constexpr absl::string_view kUnicodeMetric = "\u00fcn\u00efcode.metric";  // ünïcode.metric

// COMPAT §1.2, the carbon_ch and fnv1a_ch table.
TEST(CarbonHashTest, CarbonChMatchesCompatTable) {
  EXPECT_EQ(CarbonHash("", HashType::kCarbonCh), 54301);
  EXPECT_EQ(CarbonHash("a", HashType::kCarbonCh), 3265);
  EXPECT_EQ(CarbonHash("foo.bar", HashType::kCarbonCh), 1273);
  EXPECT_EQ(CarbonHash(kUnicodeMetric, HashType::kCarbonCh), 7768);
  EXPECT_EQ(CarbonHash("('127.0.0.1', 'a'):0", HashType::kCarbonCh), 24043);
  EXPECT_EQ(CarbonHash("('127.0.0.1', None):0", HashType::kCarbonCh), 52941);
  EXPECT_EQ(CarbonHash("servers.web01.cpu.user", HashType::kCarbonCh), 28773);
}

TEST(CarbonHashTest, Fnv1aChMatchesCompatTable) {
  EXPECT_EQ(CarbonHash("", HashType::kFnv1aCh), 7385);
  EXPECT_EQ(CarbonHash("a", HashType::kFnv1aCh), 52512);
  EXPECT_EQ(CarbonHash("foo.bar", HashType::kFnv1aCh), 58720);
  EXPECT_EQ(CarbonHash(kUnicodeMetric, HashType::kFnv1aCh), 20502);
  EXPECT_EQ(CarbonHash("0-a", HashType::kFnv1aCh), 52678);
  EXPECT_EQ(CarbonHash("0-None", HashType::kFnv1aCh), 18379);
  EXPECT_EQ(CarbonHash("servers.web01.cpu.user", HashType::kFnv1aCh), 22683);
}

TEST(CarbonHashTest, Mmh3ChIsSignedMurmur3) {
  EXPECT_EQ(CarbonHash("foo.bar", HashType::kMmh3Ch), -154558337);
  EXPECT_EQ(CarbonHash("servers.web01.cpu.user", HashType::kMmh3Ch), 1529179887);
  EXPECT_EQ(CarbonHash("a", HashType::kMmh3Ch), 1009084850);
  EXPECT_EQ(CarbonHash("", HashType::kMmh3Ch), 0);
  EXPECT_EQ(CarbonHash(kUnicodeMetric, HashType::kMmh3Ch), -1506463446);
}

TEST(CarbonHashTest, CollisionVectorsShareAPosition) {
  // COMPAT §1.3: the two replica keys that collide in the a-d ring, and the metrics that probe it.
  EXPECT_EQ(CarbonHash("('127.0.0.1', 'b'):56", HashType::kCarbonCh), 63454);
  EXPECT_EQ(CarbonHash("('127.0.0.1', 'd'):68", HashType::kCarbonCh), 63454);
  EXPECT_EQ(CarbonHash("collide.29498", HashType::kCarbonCh), 63454);
  EXPECT_EQ(CarbonHash("collide.108384", HashType::kCarbonCh), 63455);
}

}  // namespace
}  // namespace fullerene::core
