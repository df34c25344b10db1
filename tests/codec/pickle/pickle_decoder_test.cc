#include "codec/pickle/pickle_decoder.h"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::codec {
namespace {

struct DecodeVector {
  const char* name;
  const char* payload_hex;
  const char* verdict;
};

constexpr DecodeVector kVectors[] = {
#include "tests/codec/pickle/testdata/decode_vectors.inc"
};

std::string Bits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  return absl::StrFormat("%016x", bits);
}

// Writes what the decoder delivers in make_vectors.py's verdict format.
struct VerdictRecorder {
  std::string items;
  std::vector<core::MetricView> metrics;

  void OnMetric(const core::MetricView& metric) {
    absl::StrAppend(&items, " M:", absl::BytesToHexString(metric.name), ":", Bits(metric.timestamp),
                    ":", Bits(metric.value));
    metrics.push_back(metric);
  }
  void OnBadItem(PickleItemError error) {
    absl::StrAppend(&items, " E:", PickleItemErrorName(error));
  }
};

std::string Verdict(PickleDecoder& decoder, absl::string_view payload) {
  VerdictRecorder recorder;
  const PickleFrameStatus status = decoder.Decode(payload, recorder);
  if (status != PickleFrameStatus::kOk) {
    EXPECT_TRUE(recorder.items.empty()) << "a failed frame delivered items";
    return std::string(PickleFrameStatusName(status));
  }
  return "ok" + recorder.items;
}

std::string FromHex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

std::string ReadTestData(absl::string_view name) {
  return testing::ReadFileOrEmpty(
      absl::StrCat(FULLERENE_SOURCE_DIR, "/tests/codec/pickle/testdata/", name));
}

// Protocol 2 opcodes for hand-made frames.
std::string BinUnicode(absl::string_view s) {
  std::string out = "X";
  const uint32_t n = static_cast<uint32_t>(s.size());
  out.append(reinterpret_cast<const char*>(&n), 4);
  return absl::StrCat(out, s);
}

std::string BinFloat(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  std::string out = "G";
  for (int i = 7; i >= 0; --i) {
    out.push_back(static_cast<char>(bits >> (8 * i)));
  }
  return out;
}

// [(name, (ts, value)) for each of n items] as carbon-relay pickles it.
std::string CarbonBatch(int n) {
  std::string out("\x80\x02]q\x00(", 6);
  for (int i = 0; i < n; ++i) {
    absl::StrAppend(&out, BinUnicode(absl::StrCat("carbon.agents.host", i, ".cpu.user")),
                    BinFloat(1700000000.0 + i), BinFloat(i * 0.5), "\x86\x86");
  }
  return out + "e.";
}

TEST(PickleDecoderTest, GoldenVectorsFromCPython) {
  PickleDecoder decoder;
  for (const DecodeVector& v : kVectors) {
    EXPECT_EQ(Verdict(decoder, FromHex(v.payload_hex)), v.verdict) << v.name;
  }
}

TEST(PickleDecoderTest, GoldenVectorsWithAFreshDecoderEach) {
  for (const DecodeVector& v : kVectors) {
    PickleDecoder decoder;
    EXPECT_EQ(Verdict(decoder, FromHex(v.payload_hex)), v.verdict) << v.name;
  }
}

TEST(PickleDecoderTest, ProtocolFourWithSeveralFrames) {
  const std::string payload = ReadTestData("decode_multiframe.bin");
  ASSERT_FALSE(payload.empty());
  PickleDecoder decoder;
  VerdictRecorder recorder;
  ASSERT_EQ(decoder.Decode(payload, recorder), PickleFrameStatus::kOk);
  ASSERT_EQ(recorder.metrics.size(), 4000u);
  for (size_t i = 0; i < recorder.metrics.size(); ++i) {
    EXPECT_EQ(recorder.metrics[i].name, absl::StrCat("m.", i));
    EXPECT_EQ(recorder.metrics[i].timestamp, 1700000000.0 + static_cast<double>(i));
    EXPECT_EQ(recorder.metrics[i].value, static_cast<double>(i) * 0.5);
  }
}

TEST(PickleDecoderTest, CarbonRelayBatchNamesViewThePayload) {
  const std::string payload = CarbonBatch(500);
  PickleDecoder decoder;
  VerdictRecorder recorder;
  ASSERT_EQ(decoder.Decode(payload, recorder), PickleFrameStatus::kOk);
  ASSERT_EQ(recorder.metrics.size(), 500u);
  for (size_t i = 0; i < 500; ++i) {
    const core::MetricView& m = recorder.metrics[i];
    EXPECT_EQ(m.name, absl::StrCat("carbon.agents.host", i, ".cpu.user"));
    EXPECT_GE(m.name.data(), payload.data());
    EXPECT_LE(m.name.data() + m.name.size(), payload.data() + payload.size());
    EXPECT_EQ(m.timestamp, 1700000000.0 + static_cast<double>(i));
    EXPECT_EQ(m.value, static_cast<double>(i) * 0.5);
  }
}

TEST(PickleDecoderTest, EmptyFrameIsTruncated) {
  PickleDecoder decoder;
  EXPECT_EQ(Verdict(decoder, ""), "truncated");
}

TEST(PickleDecoderTest, NestingBeyondMaxDepthIsTooDeep) {
  PickleDecoder decoder;
  // MARK x n, LIST x n: [[[...]]] n deep.
  auto nested = [](int n) { return std::string(n, '(') + std::string(n, 'l') + "."; };
  EXPECT_EQ(Verdict(decoder, nested(10000)), "too_deep");
  EXPECT_EQ(Verdict(decoder, nested(PickleDecoder::kMaxDepth + 1)), "too_deep");
  EXPECT_EQ(Verdict(decoder, nested(PickleDecoder::kMaxDepth)), "ok E:not_pair");
  // EMPTY_LIST x n, APPEND x (n-1): the same depth built by appends.
  auto appended = [](int n) { return std::string(n, ']') + std::string(n - 1, 'a') + "."; };
  EXPECT_EQ(Verdict(decoder, appended(10000)), "too_deep");
  EXPECT_EQ(Verdict(decoder, appended(PickleDecoder::kMaxDepth)), "ok E:not_pair");
  // Nested tuples of two without any MARK, and dict values.
  std::string tuples = "N";
  for (int i = 0; i < 10000; ++i) {
    tuples += "N\x86";
  }
  EXPECT_EQ(Verdict(decoder, tuples + "."), "too_deep");
  std::string dicts = "N";
  for (int i = 0; i < 100; ++i) {
    dicts = "}K\x01" + dicts + "s";
  }
  EXPECT_EQ(Verdict(decoder, dicts + "."), "too_deep");
}

TEST(PickleDecoderTest, SelfContainingListIsFine) {
  // l = []; l.append(l); pickle.loads accepts it and carbon's loop fails to unpack it.
  PickleDecoder decoder;
  EXPECT_EQ(Verdict(decoder, std::string("]q\x00h\x00", 5) + "a."), "ok E:not_pair");
}

TEST(PickleDecoderTest, HostileMemoIndexCostsNothing) {
  PickleDecoder decoder;
  const size_t before = decoder.RetainedBytesForTest();
  // LONG_BINPUT 1100000000 in a tiny frame: CPython would grow its memo to ~17 GiB.
  EXPECT_EQ(Verdict(decoder, std::string("\x80\x02]r\x00\xab\x90\x41.", 9)), "bad_memo");
  EXPECT_EQ(Verdict(decoder, std::string("\x80\x02]j\x00\xab\x90\x41.", 9)), "bad_memo");
  EXPECT_EQ(Verdict(decoder, "]p1100000000\n."), "bad_memo");
  EXPECT_EQ(Verdict(decoder, "]p-1\n."), "bad_memo");
  EXPECT_EQ(Verdict(decoder, "]g99999999999999999999999\n."), "bad_memo");
  EXPECT_LT(decoder.RetainedBytesForTest(), before + 4096);
}

TEST(PickleDecoderTest, TruncatedAtEveryOffsetNeverCrashes) {
  PickleDecoder decoder;
  for (const DecodeVector& v : kVectors) {
    const std::string payload = FromHex(v.payload_hex);
    if (absl::string_view(v.verdict).substr(0, 2) != "ok") {
      continue;
    }
    for (size_t n = 0; n < payload.size(); ++n) {
      const std::string verdict = Verdict(decoder, payload.substr(0, n));
      EXPECT_TRUE(verdict == "truncated" || verdict == "malformed")
          << v.name << " cut at " << n << ": " << verdict;
    }
  }
  const std::string batch = CarbonBatch(20);
  for (size_t n = 0; n < batch.size(); ++n) {
    EXPECT_EQ(Verdict(decoder, batch.substr(0, n)), "truncated") << n;
  }
}

TEST(PickleDecoderTest, UnsafeOpcodesNeverResolve) {
  PickleDecoder decoder;
  for (const char* hex :
       {"63", "93", "69", "6f", "52", "62", "81", "92", "82", "83", "84", "50", "51", "97", "98"}) {
    EXPECT_EQ(Verdict(decoder, absl::StrCat(std::string("\x80\x02N", 3), FromHex(hex), ".")),
              "unsafe")
        << hex;
  }
}

TEST(PickleDecoderTest, EveryOtherByteIsABadOpcode) {
  const std::string known = FromHex(
      "282e30313246494a4b4c4d4e5051525354555658616263647d656768696a6c5d6f707172737429754742"
      "43808182838485868788898a8b8c8d8e8f909192939495969798");
  PickleDecoder decoder;
  int bad = 0;
  for (int c = 0; c < 256; ++c) {
    if (known.find(static_cast<char>(c)) != std::string::npos) {
      continue;
    }
    EXPECT_EQ(Verdict(decoder, std::string(1, static_cast<char>(c)) + "."), "bad_opcode") << c;
    ++bad;
  }
  EXPECT_EQ(bad, 256 - 68);
}

TEST(PickleDecoderTest, ItemErrorsOneOfEach) {
  PickleDecoder decoder;
  const std::string ok_point = BinFloat(1) + BinFloat(2) + "\x86";
  // (name, point) pairs inside one list.
  const std::string payload =
      absl::StrCat(std::string("\x80\x03]("), BinUnicode("fine"), ok_point, "\x86",  // ok
                   BinUnicode("short"), BinFloat(1), "\x85\x86",                     // not_pair
                   BinUnicode("none"), "N", BinFloat(2), "\x86\x86",                 // bad_number
                   "C\x05", "bytes", ok_point, "\x86",                               // name_not_str
                   BinUnicode("\xed\xa0\x80"), ok_point, "\x86",                     // bad_utf8
                   "e.");
  VerdictRecorder recorder;
  ASSERT_EQ(decoder.Decode(payload, recorder), PickleFrameStatus::kOk);
  EXPECT_EQ(recorder.items,
            absl::StrCat(" M:", absl::BytesToHexString("fine"), ":", Bits(1), ":", Bits(2),
                         " E:not_pair E:bad_number E:name_not_str E:bad_utf8"));
}

TEST(PickleDecoderTest, NamesDecodedIntoScratchStayValidUntilNextDecode) {
  PickleDecoder decoder;
  VerdictRecorder recorder;
  ASSERT_EQ(decoder.Decode("(lp0\n(S'py2.name'\n(I1\nF2.5\ntta.", recorder),
            PickleFrameStatus::kOk);
  ASSERT_EQ(recorder.metrics.size(), 1u);
  EXPECT_EQ(recorder.metrics[0].name, "py2.name");
  EXPECT_EQ(recorder.metrics[0].timestamp, 1.0);
  EXPECT_EQ(recorder.metrics[0].value, 2.5);
}

TEST(PickleDecoderTest, SecondDecodeOfTheSameFrameDoesNotGrowAnything) {
  PickleDecoder decoder;
  const std::vector<std::string> frames = {
      CarbonBatch(500), FromHex(kVectors[0].payload_hex), "(lp0\n(S'py2.name'\n(I1\nF2.5\ntta.",
      std::string("\x80\x02}(", 4) + BinUnicode("k") + "N" + BinUnicode("k") + "Nu."};
  for (const std::string& frame : frames) {
    VerdictRecorder first;
    decoder.Decode(frame, first);
    const size_t retained = decoder.RetainedBytesForTest();
    for (int i = 0; i < 3; ++i) {
      VerdictRecorder again;
      decoder.Decode(frame, again);
      EXPECT_EQ(again.items, first.items);
      EXPECT_EQ(decoder.RetainedBytesForTest(), retained);
    }
  }
}

TEST(PickleDecoderTest, OversizedMemoryIsGivenBackAfterAHostileFrame) {
  PickleDecoder decoder;
  // 2 MiB of DUPs: a stack of a million values.
  std::string hostile = "N" + std::string(2 << 20, '2') + ".";
  VerdictRecorder recorder;
  EXPECT_EQ(decoder.Decode(hostile, recorder), PickleFrameStatus::kNotIterable);
  EXPECT_GT(decoder.RetainedBytesForTest(), size_t{8} << 20);
  for (int i = 0; i < 2; ++i) {
    decoder.Decode(CarbonBatch(10), recorder);
  }
  EXPECT_LT(decoder.RetainedBytesForTest(), size_t{1} << 20);
}

TEST(PickleDecoderTest, LongStringsReferencedManyTimesStayLinear) {
  // A 256 KiB numeric str and a 256 KiB key used by 100000 items through the memo: parsed
  // and hashed once each, not once per reference.
  const std::string number = "1" + std::string(256 << 10, '0');
  std::string payload = std::string("\x80\x02", 2) + BinUnicode(number) + "q\x01" +
                        BinUnicode(std::string(256 << 10, 'k')) + "q\x02" + "](";
  for (int i = 0; i < 100000; ++i) {
    payload += "h\x02h\x01h\x01\x86\x86";
  }
  payload += "e.";
  PickleDecoder decoder;
  const auto start = std::chrono::steady_clock::now();
  struct Counter {
    int metrics = 0;
    void OnMetric(const core::MetricView&) { ++metrics; }
    void OnBadItem(PickleItemError) {}
  } counter;
  ASSERT_EQ(decoder.Decode(payload, counter), PickleFrameStatus::kOk);
  EXPECT_EQ(counter.metrics, 100000);
  // A dict whose 100000 keys are all that one long str, unpacked by 100000 items.
  std::string dicts =
      std::string("\x80\x02", 2) + BinUnicode(std::string(256 << 10, 'x')) + "q\x01}q\x02(";
  for (int i = 0; i < 100000; ++i) {
    dicts += "h\x01N";
  }
  dicts += "u](";
  for (int i = 0; i < 100000; ++i) {
    dicts += "h\x02";
  }
  dicts += "e.";
  ASSERT_EQ(decoder.Decode(dicts, counter), PickleFrameStatus::kOk);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(PickleDecoderTest, StatusAndErrorNames) {
  EXPECT_EQ(PickleFrameStatusName(PickleFrameStatus::kOk), "ok");
  EXPECT_EQ(PickleFrameStatusName(PickleFrameStatus::kTruncated), "truncated");
  EXPECT_EQ(PickleFrameStatusName(PickleFrameStatus::kBadOpcode), "bad_opcode");
  EXPECT_EQ(PickleFrameStatusName(PickleFrameStatus::kUnsafe), "unsafe");
  EXPECT_EQ(PickleFrameStatusName(PickleFrameStatus::kBadMemo), "bad_memo");
  EXPECT_EQ(PickleFrameStatusName(PickleFrameStatus::kTooDeep), "too_deep");
  EXPECT_EQ(PickleFrameStatusName(PickleFrameStatus::kMalformed), "malformed");
  EXPECT_EQ(PickleFrameStatusName(PickleFrameStatus::kNotIterable), "not_iterable");
  EXPECT_EQ(PickleItemErrorName(PickleItemError::kNotPair), "not_pair");
  EXPECT_EQ(PickleItemErrorName(PickleItemError::kBadNumber), "bad_number");
  EXPECT_EQ(PickleItemErrorName(PickleItemError::kNameNotStr), "name_not_str");
  EXPECT_EQ(PickleItemErrorName(PickleItemError::kBadUtf8), "bad_utf8");
}

}  // namespace
}  // namespace fullerene::codec
