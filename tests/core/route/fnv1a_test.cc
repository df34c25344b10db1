#include "core/route/hash/fnv1a.h"

#include "gtest/gtest.h"

namespace fullerene::core {
namespace {

// COMPAT §1.2, table of FNV-1a-32 values.
TEST(Fnv1aTest, MatchesCompatTable) {
  EXPECT_EQ(Fnv1a32(""), 0x811c9dc5u);
  EXPECT_EQ(Fnv1a32("a"), 0xe40c292cu);
  EXPECT_EQ(Fnv1a32("foo.bar"), 0xcb942ef4u);
  EXPECT_EQ(Fnv1a32("\u00fcn\u00efcode.metric"), 0xfbf5abe3u);  // ünïcode.metric
  EXPECT_EQ(Fnv1a32("0-a"), 0x88834545u);
  EXPECT_EQ(Fnv1a32("0-None"), 0xb3a7f46cu);
}

TEST(Fnv1aTest, HashesBytesAsUnsigned) {
  // One byte 0xff: (0x811c9dc5 ^ 0xff) * 0x01000193 mod 2^32. A signed-char fold (carbon-c-relay,
  // COMPAT §1.8) would xor 0xffffffff instead.
  EXPECT_EQ(Fnv1a32("\xff"), static_cast<uint32_t>((0x811c9dc5u ^ 0xffu) * 0x01000193u));
}

TEST(Fnv1aTest, IsConstexpr) { static_assert(Fnv1a32("a") == 0xe40c292c); }

}  // namespace
}  // namespace fullerene::core
