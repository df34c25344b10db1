#include "codec/pickle/pickle_frame_reader.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fullerene::codec {
namespace {

std::string Frame(absl::string_view payload) {
  const uint32_t n = static_cast<uint32_t>(payload.size());
  std::string out;
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  return absl::StrCat(out, payload);
}

struct Collector {
  std::vector<std::string> frames;
  std::vector<absl::string_view> views;
  void OnFrame(absl::string_view payload) {
    frames.emplace_back(payload);
    views.push_back(payload);
  }
};

TEST(PickleFrameReaderTest, SeveralFramesInOneFeed) {
  PickleFrameReader reader(1 << 20);
  Collector c;
  const std::string stream = Frame("abc") + Frame("") + Frame(std::string(1000, 'x'));
  ASSERT_TRUE(reader.Feed(stream, c));
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_EQ(c.frames[0], "abc");
  EXPECT_EQ(c.frames[1], "");
  EXPECT_EQ(c.frames[2], std::string(1000, 'x'));
  EXPECT_EQ(reader.buffered(), 0u);
  EXPECT_EQ(reader.declared_length(), 1000u);
}

TEST(PickleFrameReaderTest, WholeFramesAreViewsOfTheInput) {
  PickleFrameReader reader(1 << 20);
  Collector c;
  const std::string stream = Frame("first") + Frame("second") + Frame("thi");
  ASSERT_TRUE(reader.Feed(absl::string_view(stream).substr(0, stream.size() - 1), c));
  ASSERT_EQ(c.views.size(), 2u);
  for (absl::string_view v : c.views) {
    EXPECT_GE(v.data(), stream.data());
    EXPECT_LE(v.data() + v.size(), stream.data() + stream.size());
  }
  EXPECT_EQ(reader.buffered(), 4u + 2u);
}

TEST(PickleFrameReaderTest, SplitAtEveryByteBoundary) {
  const std::vector<std::string> payloads = {"\x80\x02]q\x00.", "", std::string(300, 'p'), "z"};
  std::string stream;
  for (const std::string& p : payloads) {
    stream += Frame(p);
  }
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    for (size_t cut2 = cut; cut2 <= stream.size(); cut2 += 7) {
      PickleFrameReader reader(1 << 20);
      Collector c;
      ASSERT_TRUE(reader.Feed(absl::string_view(stream).substr(0, cut), c));
      ASSERT_TRUE(reader.Feed(absl::string_view(stream).substr(cut, cut2 - cut), c));
      ASSERT_TRUE(reader.Feed(absl::string_view(stream).substr(cut2), c));
      EXPECT_EQ(c.frames, payloads) << "cut at " << cut << " and " << cut2;
      EXPECT_EQ(reader.buffered(), 0u);
    }
  }
}

TEST(PickleFrameReaderTest, OneByteAtATime) {
  const std::string stream = Frame("hello") + Frame(std::string(70000, 'b')) + Frame("!");
  PickleFrameReader reader(1 << 20);
  Collector c;
  for (char ch : stream) {
    ASSERT_TRUE(reader.Feed(absl::string_view(&ch, 1), c));
  }
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_EQ(c.frames[0], "hello");
  EXPECT_EQ(c.frames[1], std::string(70000, 'b'));
  EXPECT_EQ(c.frames[2], "!");
}

TEST(PickleFrameReaderTest, ExactlyMaxLengthIsAccepted) {
  PickleFrameReader reader(100);
  Collector c;
  ASSERT_TRUE(reader.Feed(Frame(std::string(100, 'm')), c));
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].size(), 100u);
}

TEST(PickleFrameReaderTest, MaxLengthPlusOneIsRefusedAfterEarlierFrames) {
  PickleFrameReader reader(100);
  Collector c;
  // The header alone is enough to refuse, as in Twisted.
  const std::string stream = Frame("ok") + Frame(std::string(101, 'm')).substr(0, 4);
  EXPECT_FALSE(reader.Feed(stream, c));
  EXPECT_EQ(reader.declared_length(), 101u);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0], "ok");
  // Refused until Reset(), whatever follows.
  EXPECT_FALSE(reader.Feed(Frame("later"), c));
  EXPECT_EQ(c.frames.size(), 1u);
  reader.Reset();
  EXPECT_EQ(reader.declared_length(), 0u);
  EXPECT_TRUE(reader.Feed(Frame("later"), c));
  EXPECT_EQ(c.frames.back(), "later");
}

TEST(PickleFrameReaderTest, RefusesAHeaderSplitAcrossFeeds) {
  PickleFrameReader reader(1 << 20);
  Collector c;
  const std::string header("\xff\xff\xff\xff", 4);
  EXPECT_TRUE(reader.Feed(header.substr(0, 3), c));
  EXPECT_EQ(reader.buffered(), 3u);
  EXPECT_FALSE(reader.Feed(header.substr(3), c));
  EXPECT_EQ(reader.declared_length(), 0xffffffffu);
  EXPECT_EQ(reader.buffered(), 0u);
  EXPECT_TRUE(c.frames.empty());
}

TEST(PickleFrameReaderTest, ResetDropsAPartialFrame) {
  PickleFrameReader reader(1 << 20);
  Collector c;
  ASSERT_TRUE(reader.Feed(Frame("abcdef").substr(0, 7), c));
  EXPECT_EQ(reader.buffered(), 7u);
  EXPECT_EQ(reader.declared_length(), 6u);
  reader.Reset();
  EXPECT_EQ(reader.buffered(), 0u);
  ASSERT_TRUE(reader.Feed(Frame("xy"), c));
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0], "xy");
}

}  // namespace
}  // namespace fullerene::codec
