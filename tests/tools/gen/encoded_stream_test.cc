#include "tools/gen/encoded_stream.h"

#include <unistd.h>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "codec/line/line_decoder.h"
#include "codec/pickle/pickle_decoder.h"
#include "codec/pickle/pickle_frame_reader.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::gen {
namespace {

struct Point {
  std::string name;
  double timestamp;
  double value;
};

// Collects whatever the line and pickle decoders deliver; anything bad fails the test.
struct Collector {
  std::vector<Point> points;
  void OnMetric(const core::MetricView& m) {
    points.push_back({std::string(m.name), m.timestamp, m.value});
  }
  void OnBadLine(codec::LineStatus status, absl::string_view line) {
    ADD_FAILURE() << codec::LineStatusName(status) << ": " << line;
  }
  void OnBadItem(codec::PickleItemError error) {
    ADD_FAILURE() << codec::PickleItemErrorName(error);
  }
};

// The datapoints [first, first + count) must come back bit for bit.
void ExpectWorkload(const Workload& workload, uint64_t first, const std::vector<Point>& got,
                    uint64_t count) {
  ASSERT_EQ(got.size(), count);
  for (uint64_t i = 0; i < count; ++i) {
    const core::MetricView want = workload.At(first + i);
    ASSERT_EQ(got[i].name, want.name) << "datapoint " << first + i;
    ASSERT_EQ(std::bit_cast<uint64_t>(got[i].timestamp), std::bit_cast<uint64_t>(want.timestamp))
        << "datapoint " << first + i << ": " << got[i].timestamp << " vs " << want.timestamp;
    ASSERT_EQ(std::bit_cast<uint64_t>(got[i].value), std::bit_cast<uint64_t>(want.value))
        << "datapoint " << first + i << ": " << got[i].value << " vs " << want.value;
  }
}

std::vector<Point> DecodeLines(absl::string_view bytes) {
  Collector collector;
  codec::LineStreamDecoder decoder;
  EXPECT_TRUE(decoder.Feed(bytes, collector));
  EXPECT_EQ(decoder.buffered(), 0u);
  return collector.points;
}

struct Frames {
  std::vector<Point> points;
  std::vector<size_t> items_per_frame;
};

Frames DecodeFrames(absl::string_view bytes) {
  struct Handler {
    Collector collector;
    codec::PickleDecoder decoder;
    std::vector<size_t> items_per_frame;
    void OnFrame(absl::string_view payload) {
      const size_t before = collector.points.size();
      EXPECT_EQ(decoder.Decode(payload, collector), codec::PickleFrameStatus::kOk);
      items_per_frame.push_back(collector.points.size() - before);
    }
  } handler;
  codec::PickleFrameReader reader(64 << 20);
  EXPECT_TRUE(reader.Feed(bytes, handler));
  EXPECT_EQ(reader.buffered(), 0u);
  return {handler.collector.points, handler.items_per_frame};
}

TEST(EncodedStreamTest, LinesDecodeToTheWorkload) {
  const Workload workload({.names = 1000, .depth = 5, .seed = 3});
  const EncodedStream stream = EncodedStream::Build(workload, 0, 5000, {Protocol::kLine});
  EXPECT_EQ(stream.units(), 5000u);
  EXPECT_EQ(stream.datapoints(), 5000u);
  ExpectWorkload(workload, 0, DecodeLines(stream.bytes()), 5000);
  // Each unit is exactly one line, as carbon writes it.
  EXPECT_EQ(stream.Units(7, 8).back(), '\n');
  EXPECT_EQ(DecodeLines(stream.Units(7, 8)).size(), 1u);
}

TEST(EncodedStreamTest, PickleFramesDecodeToTheWorkload) {
  const Workload workload({.names = 777, .depth = 6, .seed = 9});
  const EncodedStream stream =
      EncodedStream::Build(workload, 100, 2345, {Protocol::kPickle, /*batch=*/500});
  EXPECT_EQ(stream.units(), 5u);
  const Frames frames = DecodeFrames(stream.bytes());
  EXPECT_EQ(frames.items_per_frame, (std::vector<size_t>{500, 500, 500, 500, 345}));
  ExpectWorkload(workload, 100, frames.points, 2345);
  for (size_t u = 0; u < stream.units(); ++u) {
    EXPECT_EQ(DecodeFrames(stream.Units(u, u + 1)).items_per_frame.size(), 1u);
    EXPECT_EQ(stream.DatapointsBefore(u), 500 * u);
  }
}

TEST(EncodedStreamTest, DatagramsHoldWholeLinesWithinTheLimit) {
  const Workload workload({.names = 5000, .depth = 5, .seed = 1});
  const EncodedStream stream =
      EncodedStream::Build(workload, 0, 20000, {Protocol::kUdp, 500, /*max_datagram=*/1400});
  std::vector<Point> all;
  for (size_t u = 0; u < stream.units(); ++u) {
    const absl::string_view datagram = stream.Units(u, u + 1);
    ASSERT_LE(datagram.size(), 1400u);
    ASSERT_EQ(datagram.back(), '\n');
    Collector collector;
    codec::DecodeDatagram(datagram, collector);
    ASSERT_EQ(collector.points.size(), stream.DatapointsBefore(u + 1) - stream.DatapointsBefore(u));
    all.insert(all.end(), collector.points.begin(), collector.points.end());
    if (u + 1 < stream.units()) {
      // Full: the next line would not have fitted.
      const size_t next_line = stream.Units(u + 1, u + 2).find('\n') + 1;
      EXPECT_GT(datagram.size() + next_line, 1400u);
    }
  }
  ExpectWorkload(workload, 0, all, 20000);
}

TEST(EncodedStreamTest, TailContinuesTheSequence) {
  const Workload workload({.names = 100, .depth = 5, .seed = 1});
  const EncodedStream head = EncodedStream::Build(workload, 0, 1000, {Protocol::kPickle, 300});
  const EncodedStream tail = EncodedStream::Build(workload, 900, 77, {Protocol::kPickle, 300});
  const Frames frames = DecodeFrames(absl::StrCat(head.Units(0, 3), tail.bytes()));
  ExpectWorkload(workload, 0, frames.points, 977);
}

TEST(EncodedStreamTest, FitUnitsRespectsBothLimits) {
  const Workload workload({.names = 50, .depth = 5, .seed = 1});
  const EncodedStream stream = EncodedStream::Build(workload, 0, 1000, {Protocol::kPickle, 10});
  // By datapoints: 35 allow three whole frames of ten.
  EXPECT_EQ(stream.FitUnits(4, SIZE_MAX, 35), 7u);
  // By bytes: exactly the size of units 4..6 fits them, one byte less does not.
  const size_t three = stream.Units(4, 7).size();
  EXPECT_EQ(stream.FitUnits(4, three, UINT64_MAX), 7u);
  EXPECT_EQ(stream.FitUnits(4, three - 1, UINT64_MAX), 6u);
  // Nothing fits: end == begin.
  EXPECT_EQ(stream.FitUnits(4, 1, UINT64_MAX), 4u);
  EXPECT_EQ(stream.FitUnits(4, SIZE_MAX, 9), 4u);
  // Never past the end.
  EXPECT_EQ(stream.FitUnits(98, SIZE_MAX, UINT64_MAX), 100u);
}

TEST(EncodedStreamTest, CPythonUnpicklesTheFrames) {
  const char* const kPython = "/usr/bin/python3";
  if (access(kPython, X_OK) != 0) {
    GTEST_SKIP() << kPython << " is not installed";
  }
  const Workload workload({.names = 3000, .depth = 7, .seed = 5});
  // 1,001 items: frames of 500, 500 and a 1-item frame (APPEND instead of APPENDS), with
  // memo indices past 255 (LONG_BINPUT).
  const EncodedStream stream = EncodedStream::Build(workload, 0, 1001, {Protocol::kPickle, 500});
  testing::TempDir dir;
  const std::string path = dir.Write("frames.bin", stream.bytes());
  // Unframe as carbon's Int32StringReceiver does, unpickle each frame, print every item.
  const std::string command =
      absl::StrCat(kPython,
                   " -c 'import pickle,struct,sys\n"
                   "data = open(sys.argv[1], \"rb\").read()\n"
                   "while data:\n"
                   "    (n,) = struct.unpack(\"!I\", data[:4])\n"
                   "    for name, (ts, value) in pickle.loads(data[4:4 + n]):\n"
                   "        print(name, struct.pack(\">dd\", ts, value).hex())\n"
                   "    data = data[4 + n:]\n' ",
                   path);
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) {
    output.append(buf, n);
  }
  ASSERT_EQ(pclose(pipe), 0) << output;
  const std::vector<absl::string_view> got = absl::StrSplit(output, '\n', absl::SkipEmpty());
  ASSERT_EQ(got.size(), 1001u);
  for (uint64_t j = 0; j < got.size(); ++j) {
    const core::MetricView m = workload.At(j);
    ASSERT_EQ(got[j], absl::StrFormat("%s %016x%016x", m.name, std::bit_cast<uint64_t>(m.timestamp),
                                      std::bit_cast<uint64_t>(m.value)))
        << "datapoint " << j;
  }
}

}  // namespace
}  // namespace fullerene::gen
