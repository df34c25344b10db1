#include "core/route/hash/murmur3.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace fullerene::core {
namespace {

uint32_t Unsigned(absl::string_view data, uint32_t seed) {
  return static_cast<uint32_t>(MurmurHash3X86_32(data, seed));
}

TEST(Murmur3Test, MatchesPythonMmh3) {
  // COMPAT §1.2: mmh3.hash("foo") == -156908512, and mmh3.hash("") == 0.
  EXPECT_EQ(MurmurHash3X86_32("foo"), -156908512);
  EXPECT_EQ(MurmurHash3X86_32(""), 0);
  // COMPAT §1.9 A, mmh3_ch positions.
  EXPECT_EQ(MurmurHash3X86_32("foo.bar"), -154558337);
  EXPECT_EQ(MurmurHash3X86_32("servers.web01.cpu.user"), 1529179887);
  EXPECT_EQ(MurmurHash3X86_32("a"), 1009084850);
  EXPECT_EQ(MurmurHash3X86_32("\u00fcn\u00efcode.metric"), -1506463446);
}

// The widely published MurmurHash3_x86_32 vectors (every tail length, seeds, high bytes).
TEST(Murmur3Test, MatchesReferenceVectors) {
  EXPECT_EQ(Unsigned("", 1), 0x514e28b7u);
  EXPECT_EQ(Unsigned("", 0xffffffff), 0x81f16f39u);
  EXPECT_EQ(Unsigned(std::string("\0\0\0\0", 4), 0), 0x2362f9deu);
  EXPECT_EQ(Unsigned(std::string("\0\0\0", 3), 0), 0x85f0b427u);
  EXPECT_EQ(Unsigned(std::string("\0\0", 2), 0), 0x30f4c306u);
  EXPECT_EQ(Unsigned(std::string("\0", 1), 0), 0x514e28b7u);
  EXPECT_EQ(Unsigned("\xff\xff\xff\xff", 0), 0x76293b50u);
  EXPECT_EQ(Unsigned("\x21\x43\x65\x87", 0), 0xf55b516bu);
  EXPECT_EQ(Unsigned("\x21\x43\x65", 0), 0x7e4a8634u);
  EXPECT_EQ(Unsigned("\x21\x43", 0), 0xa0f7b07au);
  EXPECT_EQ(Unsigned("\x21", 0), 0x72661cf4u);
  EXPECT_EQ(Unsigned("aaaa", 0x9747b28c), 0x5a97808au);
  EXPECT_EQ(Unsigned("aaa", 0x9747b28c), 0x283e0130u);
  EXPECT_EQ(Unsigned("aa", 0x9747b28c), 0x5d211726u);
  EXPECT_EQ(Unsigned("a", 0x9747b28c), 0x7fa09ea6u);
  EXPECT_EQ(Unsigned("abcd", 0x9747b28c), 0xf0478627u);
  EXPECT_EQ(Unsigned("abc", 0x9747b28c), 0xc84a62ddu);
  EXPECT_EQ(Unsigned("ab", 0x9747b28c), 0x74875592u);
  EXPECT_EQ(Unsigned("Hello, world!", 0x9747b28c), 0x24884cbau);
  EXPECT_EQ(Unsigned("The quick brown fox jumps over the lazy dog", 0x9747b28c), 0x2fa826cdu);
  EXPECT_EQ(Unsigned("Hello, world!", 1234), 0xfaf6cdb3u);
  EXPECT_EQ(Unsigned("Hello, world!", 4321), 0xbf505788u);
  EXPECT_EQ(Unsigned("", 1234), 0x0f2cc00bu);
}

}  // namespace
}  // namespace fullerene::core
