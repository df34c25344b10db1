#include "tools/gen/newline_count.h"

#include <algorithm>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace fullerene::gen {
namespace {

size_t Naive(absl::string_view bytes) { return std::count(bytes.begin(), bytes.end(), '\n'); }

TEST(CountNewlinesTest, Empty) { EXPECT_EQ(CountNewlines(""), 0u); }

TEST(CountNewlinesTest, EveryLengthAndAlignment) {
  std::mt19937_64 random(7);
  std::string buffer(300, ' ');
  for (char& c : buffer) {
    c = random() % 4 == 0 ? '\n' : static_cast<char>(random());
  }
  for (size_t start = 0; start < 32; ++start) {
    for (size_t length = 0; start + length <= buffer.size(); ++length) {
      const absl::string_view bytes(buffer.data() + start, length);
      ASSERT_EQ(CountNewlines(bytes), Naive(bytes)) << start << "+" << length;
    }
  }
}

TEST(CountNewlinesTest, AllNewlinesNeverOverflowALane) {
  // 255 rounds of 16 bytes is where a byte-wide lane would wrap; go well past it.
  const std::string all(16 * 255 * 3 + 17, '\n');
  EXPECT_EQ(CountNewlines(all), all.size());
}

TEST(CountNewlinesTest, BytesThatDifferFromNewlineInOneBit) {
  // '\n' is 0x0a: 0x0b, 0x08, 0x8a ... must not count.
  std::string bytes;
  for (int bit = 0; bit < 8; ++bit) {
    bytes.push_back(static_cast<char>('\n' ^ (1 << bit)));
  }
  bytes += bytes + bytes + "\n";
  EXPECT_EQ(CountNewlines(bytes), 1u);
}

}  // namespace
}  // namespace fullerene::gen
