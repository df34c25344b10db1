#include "tools/gen/name_generator.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fullerene::gen {
namespace {

std::vector<std::string> All(const NameGenerator& names) {
  std::vector<std::string> all;
  for (size_t i = 0; i < names.size(); ++i) {
    all.emplace_back(names.Name(i));
  }
  return all;
}

TEST(NameGeneratorTest, SameSeedSameNames) {
  EXPECT_EQ(All(NameGenerator(5000, 5, 42)), All(NameGenerator(5000, 5, 42)));
}

TEST(NameGeneratorTest, GoldenNamesPinTheSequenceAcrossBuilds) {
  // If this changes, benchmark runs stop being comparable with earlier ones: change it only
  // on purpose.
  const NameGenerator names(10000, 5, 1);
  EXPECT_EQ(names.Name(0), "dc4.rack20.host032.jvm.steal");
  EXPECT_EQ(names.Name(1), "dc2.rack07.host053.swap.tx_packets");
  EXPECT_EQ(names.Name(4), "dc3.rack08.host115.redis.user");
}

TEST(NameGeneratorTest, OtherSeedOtherNames) {
  const std::vector<std::string> a = All(NameGenerator(1000, 5, 1));
  const std::vector<std::string> b = All(NameGenerator(1000, 5, 2));
  size_t same_position = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    same_position += a[i] == b[i] ? 1 : 0;
  }
  EXPECT_LT(same_position, 10u);
}

TEST(NameGeneratorTest, NamesAreDistinct) {
  for (const int depth : {1, 2, 3, 5, 9}) {
    const NameGenerator names(200000, depth, 7);
    absl::flat_hash_set<std::string> seen;
    for (size_t i = 0; i < names.size(); ++i) {
      ASSERT_TRUE(seen.emplace(names.Name(i)).second) << "depth " << depth << ": " << names.Name(i);
    }
  }
}

TEST(NameGeneratorTest, DefaultDepthLooksLikeAFleet) {
  const NameGenerator names(10000, 5, 3);
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_THAT(std::string(names.Name(i)),
                ::testing::MatchesRegex("dc[1-4]\\.rack[0-9][0-9]\\.host[0-9][0-9][0-9]\\."
                                        "[a-z]+\\.[a-z_]+"));
  }
}

TEST(NameGeneratorTest, EveryNameHasDepthComponents) {
  for (int depth = NameGenerator::kMinDepth; depth <= NameGenerator::kMaxDepth; ++depth) {
    const NameGenerator names(3000, depth, 11);
    size_t longest = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      const std::vector<absl::string_view> parts = absl::StrSplit(names.Name(i), '.');
      ASSERT_EQ(parts.size(), static_cast<size_t>(depth)) << names.Name(i);
      for (absl::string_view part : parts) {
        ASSERT_FALSE(part.empty()) << names.Name(i);
      }
      longest = std::max(longest, names.Name(i).size());
    }
    EXPECT_EQ(names.max_length(), longest);
  }
}

TEST(NameGeneratorTest, GrowsTheHostLevelWhenTheTreeIsTooSmall) {
  // Depth 3 has 200 hosts x 16 plugins x 16 measurements = 51,200 names naturally; 300,000
  // need 1,172 hosts, so some are spelled with four digits.
  const NameGenerator names(300000, 3, 5);
  absl::flat_hash_set<std::string> seen;
  bool wide_host = false;
  for (size_t i = 0; i < names.size(); ++i) {
    ASSERT_TRUE(seen.emplace(names.Name(i)).second);
    const std::vector<absl::string_view> parts = absl::StrSplit(names.Name(i), '.');
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_THAT(std::string(parts[0]), ::testing::MatchesRegex("host[0-9]+"));
    wide_host = wide_host || parts[0].size() > 7;
  }
  EXPECT_TRUE(wide_host);
}

TEST(NameGeneratorTest, WordLevelsRunOutAsNumberedWords) {
  // Depth 1 is only the measurement level: 16 words, then "user1", "system1", ...
  const NameGenerator names(100, 1, 1);
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_THAT(std::string(names.Name(i)), ::testing::MatchesRegex("[a-z_]+[0-9]*"));
    EXPECT_TRUE(seen.emplace(names.Name(i)).second);
  }
}

TEST(NameGeneratorTest, OneName) {
  const NameGenerator names(1, 5, 9);
  ASSERT_EQ(names.size(), 1u);
  EXPECT_FALSE(names.Name(0).empty());
}

}  // namespace
}  // namespace fullerene::gen
