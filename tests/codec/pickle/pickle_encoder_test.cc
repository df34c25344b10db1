#include "codec/pickle/pickle_encoder.h"

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "codec/pickle/pickle_decoder.h"
#include "codec/pickle/pickle_frame_reader.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::codec {
namespace {

struct Item {
  std::string name;
  double timestamp;
  double value;
};

// The batches make_vectors.py pickles with CPython (encode_items there).
std::vector<Item> EncodeItems(int n, absl::string_view prefix = "", bool utf8 = false) {
  static const char* const kUtf8Heads[] = {"\xc3\xa9", "\xc3\xbc", "\xe6\x8c\x87\xe6\xa0\x87",
                                           "\xf0\x9f\x98\x80"};
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) {
    std::string name =
        utf8 ? absl::StrCat(kUtf8Heads[i % 4], ".m", i) : absl::StrCat("h", i, ".cpu");
    items.push_back({absl::StrCat(prefix, name), 1700000000.0 + i * 10.0, i * 0.25 - 3.5});
  }
  return items;
}

std::string Encode(const std::vector<Item>& items, absl::string_view prefix = "") {
  core::ByteBuffer out;
  PickleBatchWriter writer;
  writer.Begin(&out);
  for (const Item& item : items) {
    // The prefix is passed separately; the items' names already carry it.
    writer.Add(prefix, absl::string_view(item.name).substr(prefix.size()), item.timestamp,
               item.value);
  }
  EXPECT_EQ(writer.count(), items.size());
  writer.Finish();
  return std::string(out.view());
}

std::string Golden(absl::string_view name) {
  return testing::ReadFileOrEmpty(
      absl::StrCat(FULLERENE_SOURCE_DIR, "/tests/codec/pickle/testdata/encode_", name, ".bin"));
}

uint64_t Bits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  return bits;
}

TEST(PickleBatchWriterTest, CompatExampleBytes) {
  const std::string framed = Encode({{"foo.bar", 1700000000.0, 1.0}});
  EXPECT_EQ(absl::BytesToHexString(framed),
            "0000002d80025d71005807000000666f6f2e62617271014741d954fc40000000473ff00000000000"
            "00867102867103612e");
}

TEST(PickleBatchWriterTest, MatchesCPythonByteForByte) {
  struct Case {
    const char* name;
    std::vector<Item> items;
    const char* prefix;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Case> cases = {
      {"empty", EncodeItems(0), ""},
      {"one", EncodeItems(1), ""},
      {"two", EncodeItems(2), ""},
      {"n255", EncodeItems(255), ""},
      {"n256", EncodeItems(256), ""},
      {"n1000", EncodeItems(1000), ""},
      {"n1001", EncodeItems(1001), ""},
      {"n2500", EncodeItems(2500), ""},
      {"utf8_300", EncodeItems(300, "", /*utf8=*/true), ""},
      {"prefix_3", EncodeItems(3, "apikey."), "apikey."},
      {"specials",
       {{"s0", -0.0, std::numeric_limits<double>::quiet_NaN()},
        {"s1", inf, -inf},
        {"s2", 5e-324, 1.7976931348623157e308},
        {"s3", 2.2250738585072014e-308, -1e-300}},
       ""},
  };
  for (const Case& c : cases) {
    const std::string golden = Golden(c.name);
    ASSERT_FALSE(golden.empty()) << c.name;
    const std::string ours = Encode(c.items, c.prefix);
    EXPECT_EQ(ours.size(), golden.size()) << c.name;
    EXPECT_TRUE(ours == golden)
        << c.name << ": first difference at "
        << std::mismatch(ours.begin(), ours.end(), golden.begin(), golden.end()).first -
               ours.begin();
  }
}

TEST(PickleBatchWriterTest, AppendsAfterWhatTheBufferHolds) {
  core::ByteBuffer out;
  out.Append("previous message");
  PickleBatchWriter writer;
  writer.Begin(&out);
  writer.Add("", "foo.bar", 1700000000.0, 1.0);
  writer.Finish();
  writer.Begin(&out);
  writer.Add("p.", "x", 1.0, 2.0);
  writer.Add("p.", "y", 3.0, 4.0);
  EXPECT_EQ(writer.count(), 2u);
  writer.Finish();
  const std::string all(out.view());
  ASSERT_EQ(all.substr(0, 16), "previous message");
  EXPECT_EQ(all.substr(16, 49), Encode({{"foo.bar", 1700000000.0, 1.0}}));
  EXPECT_EQ(all.substr(65), Encode({{"p.x", 1.0, 2.0}, {"p.y", 3.0, 4.0}}, "p."));
}

// Names with ASCII, 2-, 3- and 4-byte UTF-8 characters; empty names too.
std::string RandomName(std::mt19937& rng) {
  static const char* const kPieces[] = {
      "a", "carbon", ".", "_", "-", "\xc3\xa9", "\xe6\x8c\x87", "\xf0\x9f\x98\x80", "0", "Z"};
  std::string name;
  const int pieces = std::uniform_int_distribution<int>(0, 40)(rng);
  for (int i = 0; i < pieces; ++i) {
    name += kPieces[std::uniform_int_distribution<int>(0, 9)(rng)];
  }
  return name;
}

double RandomDouble(std::mt19937& rng) {
  switch (std::uniform_int_distribution<int>(0, 7)(rng)) {
    case 0:
      return -0.0;
    case 1:
      return std::numeric_limits<double>::denorm_min() *
             std::uniform_int_distribution<int>(1, 1000)(rng);
    case 2:
      return std::numeric_limits<double>::max() / std::uniform_int_distribution<int>(1, 9)(rng);
    case 3:
      return 1700000000.0 + std::uniform_int_distribution<int>(0, 86400)(rng);
    default: {
      // Any finite bit pattern.
      uint64_t bits = (uint64_t{rng()} << 32) | rng();
      double d;
      std::memcpy(&d, &bits, sizeof(d));
      return std::isfinite(d) ? d : 1.5;
    }
  }
}

TEST(PickleBatchWriterTest, RoundTripsThroughReaderAndDecoder) {
  std::mt19937 rng(20240607);
  PickleDecoder decoder;
  for (int round = 0; round < 200; ++round) {
    const int n = std::uniform_int_distribution<int>(0, round < 190 ? 300 : 2600)(rng);
    const std::string prefix = round % 3 == 0 ? "prefix." : "";
    std::vector<Item> items;
    core::ByteBuffer out;
    PickleBatchWriter writer;
    writer.Begin(&out);
    for (int i = 0; i < n; ++i) {
      Item item{RandomName(rng), RandomDouble(rng), RandomDouble(rng)};
      writer.Add(prefix, item.name, item.timestamp, item.value);
      item.name = prefix + item.name;
      items.push_back(item);
    }
    writer.Finish();

    struct Sink {
      PickleDecoder* decoder;
      std::vector<Item> got;
      int frames = 0;
      PickleFrameStatus status = PickleFrameStatus::kOk;
      void OnFrame(absl::string_view payload) {
        ++frames;
        status = decoder->Decode(payload, *this);
      }
      void OnMetric(const core::MetricView& m) {
        got.push_back({std::string(m.name), m.timestamp, m.value});
      }
      void OnBadItem(PickleItemError error) {
        ADD_FAILURE() << "bad item " << PickleItemErrorName(error);
      }
    } sink{&decoder};
    PickleFrameReader reader(64 << 20);
    // Feed in random pieces.
    absl::string_view rest = out.view();
    while (!rest.empty()) {
      const size_t take =
          std::min<size_t>(rest.size(), std::uniform_int_distribution<size_t>(1, 5000)(rng));
      ASSERT_TRUE(reader.Feed(rest.substr(0, take), sink));
      rest.remove_prefix(take);
    }
    ASSERT_EQ(sink.frames, 1);
    ASSERT_EQ(sink.status, PickleFrameStatus::kOk);
    ASSERT_EQ(sink.got.size(), items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(sink.got[i].name, items[i].name);
      EXPECT_EQ(Bits(sink.got[i].timestamp), Bits(items[i].timestamp));
      EXPECT_EQ(Bits(sink.got[i].value), Bits(items[i].value));
    }
  }
}

TEST(PickleBatchWriterTest, CPythonUnpicklesOurBatches) {
  const char* const kPython = "/usr/bin/python3";
  if (access(kPython, X_OK) != 0) {
    GTEST_SKIP() << kPython << " is not installed";
  }
  std::vector<Item> items = EncodeItems(1234, "p.", /*utf8=*/true);
  items.push_back({"p.nan", std::numeric_limits<double>::quiet_NaN(), -0.0});
  core::ByteBuffer out;
  PickleBatchWriter writer;
  writer.Begin(&out);
  for (const Item& item : items) {
    writer.Add("p.", absl::string_view(item.name).substr(2), item.timestamp, item.value);
  }
  writer.Finish();
  testing::TempDir dir;
  const std::string batch = dir.Write("batch.bin", out.view());
  // Unframe as carbon does, unpickle, and print each datapoint's UTF-8 name and bits.
  const std::string command =
      absl::StrCat(kPython,
                   " -c 'import pickle,struct,sys\n"
                   "data = open(sys.argv[1], \"rb\").read()\n"
                   "(n,) = struct.unpack(\"!I\", data[:4])\n"
                   "assert n == len(data) - 4\n"
                   "for name, (ts, value) in pickle.loads(data[4:]):\n"
                   "    print(name.encode().hex(), struct.pack(\">dd\", ts, value).hex())\n' ",
                   batch);
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) {
    output.append(buf, n);
  }
  ASSERT_EQ(pclose(pipe), 0) << output;
  std::string expected;
  for (const Item& item : items) {
    absl::StrAppend(&expected, absl::BytesToHexString(item.name), " ",
                    absl::StrFormat("%016x%016x", Bits(item.timestamp), Bits(item.value)), "\n");
  }
  // Line by line, so a failure names the first bad item instead of printing 100 KB.
  const std::vector<absl::string_view> got = absl::StrSplit(output, '\n');
  const std::vector<absl::string_view> want = absl::StrSplit(expected, '\n');
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], want[i]) << "item " << i;
  }
}

}  // namespace
}  // namespace fullerene::codec
