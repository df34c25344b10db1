#include "codec/line/line_decoder.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/base/python_float.h"
#include "gtest/gtest.h"

namespace fullerene::codec {
namespace {

using core::MetricView;

// One handler callback, with everything copied out so that streams cut in different places
// can be compared.
struct Event {
  LineStatus status = LineStatus::kOk;
  std::string text;  // the name for kOk, the whole line otherwise
  uint64_t timestamp_bits = 0;
  uint64_t value_bits = 0;

  bool operator==(const Event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Event& e) {
  return os << LineStatusName(e.status) << " [" << e.text << "] ts_bits=" << e.timestamp_bits
            << " value_bits=" << e.value_bits;
}

struct Recorder {
  void OnMetric(const MetricView& metric) {
    events.push_back({LineStatus::kOk, std::string(metric.name),
                      std::bit_cast<uint64_t>(metric.timestamp),
                      std::bit_cast<uint64_t>(metric.value)});
  }
  void OnBadLine(LineStatus status, absl::string_view line) {
    events.push_back({status, std::string(line), 0, 0});
  }
  std::vector<Event> events;
};

Event Ok(absl::string_view name, double timestamp, double value) {
  return {LineStatus::kOk, std::string(name), std::bit_cast<uint64_t>(timestamp),
          std::bit_cast<uint64_t>(value)};
}

Event Bad(LineStatus status, absl::string_view line) { return {status, std::string(line), 0, 0}; }

LineStatus Status(absl::string_view line) {
  MetricView metric;
  return ParseLine(line, &metric);
}

MetricView ParseOk(absl::string_view line) {
  MetricView metric;
  EXPECT_EQ(ParseLine(line, &metric), LineStatus::kOk) << "[" << line << "]";
  return metric;
}

// Feeds `stream` in pieces of the given sizes (the last piece takes the rest) and records
// the callbacks; *closed says whether some Feed() returned false.
std::vector<Event> FeedInPieces(absl::string_view stream, const std::vector<size_t>& sizes,
                                bool* closed) {
  LineStreamDecoder decoder;
  Recorder recorder;
  *closed = false;
  size_t i = 0;
  for (size_t k = 0; i < stream.size(); ++k) {
    const size_t size = k < sizes.size() ? sizes[k] : stream.size() - i;
    // A separate allocation per piece, so ASan notices a read past it.
    const std::string piece(stream.substr(i, size));
    i += size;
    if (!decoder.Feed(piece, recorder)) {
      *closed = true;
      break;
    }
  }
  return recorder.events;
}

std::vector<Event> FeedWhole(absl::string_view stream, bool* closed) {
  return FeedInPieces(stream, {stream.size()}, closed);
}

std::vector<Event> Datagram(absl::string_view datagram) {
  Recorder recorder;
  DecodeDatagram(datagram, recorder);
  return recorder.events;
}

TEST(LineDecoderTest, StatusNames) {
  EXPECT_EQ(LineStatusName(LineStatus::kOk), "ok");
  EXPECT_EQ(LineStatusName(LineStatus::kBadUtf8), "bad_utf8");
  EXPECT_EQ(LineStatusName(LineStatus::kFieldCount), "field_count");
  EXPECT_EQ(LineStatusName(LineStatus::kBadTimestamp), "bad_timestamp");
  EXPECT_EQ(LineStatusName(LineStatus::kBadValue), "bad_value");
}

TEST(LineDecoderTest, ParsesPlainLine) {
  const std::string line = "dc1.rack07.host123.cpu.user 12.5 1700000000";
  MetricView metric = ParseOk(line);
  EXPECT_EQ(metric.name, "dc1.rack07.host123.cpu.user");
  EXPECT_EQ(metric.name.data(), line.data()) << "the name must view the input, not a copy";
  EXPECT_EQ(metric.value, 12.5);
  EXPECT_EQ(metric.timestamp, 1700000000.0);
}

TEST(LineDecoderTest, KeepsFractionalTimestamp) {
  EXPECT_EQ(ParseOk("a 1 1700000000.9").timestamp, 1700000000.9);
  EXPECT_EQ(ParseOk("a 1 -1.5").timestamp, -1.5);
}

TEST(LineDecoderTest, LeavesOutputUntouchedOnError) {
  MetricView metric{"keep", 7, 8};
  EXPECT_EQ(ParseLine("a 1 x", &metric), LineStatus::kBadTimestamp);
  EXPECT_EQ(metric.name, "keep");
  EXPECT_EQ(metric.timestamp, 7);
  EXPECT_EQ(metric.value, 8);
}

// COMPAT §3.2 probes: separators, surrounding whitespace, CRLF.
TEST(LineDecoderTest, AcceptsTabsAndSurroundingSpaces) {
  EXPECT_EQ(ParseOk("a\t1\t2").name, "a");
  EXPECT_EQ(ParseOk("  a   1 \t 2  ").name, "a");
  EXPECT_EQ(ParseOk("\t\ta 1 2\t").value, 1.0);
}

TEST(LineDecoderTest, TrailingCarriageReturnIsWhitespace) {
  MetricView metric = ParseOk("a.b 3 1700000000\r");
  EXPECT_EQ(metric.name, "a.b");
  EXPECT_EQ(metric.timestamp, 1700000000.0);
}

TEST(LineDecoderTest, BareCarriageReturnInsideLineSeparatesFields) {
  MetricView metric = ParseOk("a\r5\r6");
  EXPECT_EQ(metric.name, "a");
  EXPECT_EQ(metric.value, 5.0);
  EXPECT_EQ(metric.timestamp, 6.0);
  EXPECT_EQ(Status("a\rb 1 2"), LineStatus::kFieldCount);
}

TEST(LineDecoderTest, EveryAsciiPythonWhitespaceSeparates) {
  for (char c : {'\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', ' '}) {
    const std::string line = absl::StrCat("a", std::string(1, c), "1", std::string(1, c), "2");
    EXPECT_EQ(Status(line), LineStatus::kOk) << "byte " << static_cast<int>(c);
  }
}

TEST(LineDecoderTest, OtherControlBytesBelongToTheField) {
  const char kLine[] = "a\0b\x01\x1b\x7f 1 2";
  const std::string line(kLine, sizeof(kLine) - 1);
  EXPECT_EQ(ParseOk(line).name, absl::string_view("a\0b\x01\x1b\x7f", 6));
  // Long enough that the word-at-a-time scan meets the control bytes inside a word.
  const std::string longer("abcdefg\x01hijklmn\x02opqrstu\x1bvwxyz 1 2");
  EXPECT_EQ(ParseOk(longer).name, "abcdefg\x01hijklmn\x02opqrstu\x1bvwxyz");
}

TEST(LineDecoderTest, EveryUnicodeWhitespaceSeparates) {
  const char* const spaces[] = {"\xc2\x85",     "\xc2\xa0",     "\xe1\x9a\x80", "\xe2\x80\x80",
                                "\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84",
                                "\xe2\x80\x85", "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88",
                                "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8", "\xe2\x80\xa9",
                                "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"};
  for (const char* space : spaces) {
    const std::string line = absl::StrCat("m\xc3\xa9tric", space, "1", space, space, "2");
    MetricView metric = ParseOk(line);
    EXPECT_EQ(metric.name, "m\xc3\xa9tric") << space;
    EXPECT_EQ(metric.value, 1.0);
    EXPECT_EQ(metric.timestamp, 2.0);
  }
}

TEST(LineDecoderTest, NoBreakSpaceInsideNameMakesFourFields) {
  EXPECT_EQ(Status(std::string("a\xc2\xa0") + "b 1 2"), LineStatus::kFieldCount);
}

TEST(LineDecoderTest, NonSpaceUnicodeStaysInTheName) {
  // U+200B ZERO WIDTH SPACE and U+180E MONGOLIAN VOWEL SEPARATOR are not str.isspace(), and
  // U+2030 / U+205E / U+1681 sit right next to whitespace code points.
  for (const char* c : {"\xe2\x80\x8b", "\xe1\xa0\x8e", "\xe2\x80\xb0", "\xe2\x81\x9e",
                        "\xe1\x9a\x81", "\xc2\xa1", "\xe3\x80\x81", "\xf0\x9f\x98\x80"}) {
    const std::string name = absl::StrCat("a", c, "b");
    const std::string line = absl::StrCat(name, " 1 2");
    EXPECT_EQ(ParseOk(line).name, name);
  }
}

TEST(LineDecoderTest, PythonFloatForms) {
  EXPECT_EQ(ParseOk("a 1_000 2").value, 1000.0);
  EXPECT_EQ(ParseOk("a 1e400 2").value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseOk("a -Infinity 2").value, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(ParseOk("a nan 2").value));
  EXPECT_EQ(ParseOk("a +.5 5.").value, 0.5);
  EXPECT_EQ(Status("a 0x10 2"), LineStatus::kBadValue);
  EXPECT_EQ(Status("a 1,5 2"), LineStatus::kBadValue);
  EXPECT_EQ(Status("a 1 0x10"), LineStatus::kBadTimestamp);
}

TEST(LineDecoderTest, EmptyNumberCannotOccurBecauseSplitDropsEmptyFields) {
  // float('') raises, but str.split() never yields an empty field: a missing number is a
  // field count problem.
  EXPECT_EQ(Status("a  2"), LineStatus::kFieldCount);
  EXPECT_EQ(Status("a 1 "), LineStatus::kFieldCount);
}

TEST(LineDecoderTest, NanAndInfTimestampsAreReturnedAsParsed) {
  EXPECT_TRUE(std::isnan(ParseOk("a 1 nan").timestamp));
  EXPECT_EQ(ParseOk("a 1 inf").timestamp, std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseOk("a 1 -1e999").timestamp, -std::numeric_limits<double>::infinity());
}

TEST(LineDecoderTest, NonAsciiDigitsAreRejected) {
  // Python accepts "١٢" (Arabic-Indic 12); ParsePythonFloat deliberately does not.
  EXPECT_EQ(Status("a \xd9\xa1\xd9\xa2 2"), LineStatus::kBadValue);
  EXPECT_EQ(Status("a 1 \xd9\xa1\xd9\xa2"), LineStatus::kBadTimestamp);
}

TEST(LineDecoderTest, RejectsWrongFieldCount) {
  for (absl::string_view line : {"", " ", "\r", "\t \x1f", "a", "a 1", "a 1 2 3", "a b 1 2",
                                 " a 1 2 3 ", "\xc2\xa0", "\xc3\xa9 1"}) {
    EXPECT_EQ(Status(line), LineStatus::kFieldCount) << "[" << line << "]";
  }
}

TEST(LineDecoderTest, ChecksInCarbonsOrder) {
  // UTF-8 before field count, field count before numbers, timestamp before value.
  EXPECT_EQ(Status("\xff"), LineStatus::kBadUtf8);
  EXPECT_EQ(Status("a\xff x y z"), LineStatus::kBadUtf8);
  EXPECT_EQ(Status("a x y z"), LineStatus::kFieldCount);
  EXPECT_EQ(Status("a x y"), LineStatus::kBadTimestamp);
  EXPECT_EQ(Status("a x 1"), LineStatus::kBadValue);
  EXPECT_EQ(Status("a 1 y"), LineStatus::kBadTimestamp);
}

TEST(LineDecoderTest, RejectsInvalidUtf8Strictly) {
  const char* const bad[] = {
      "\x80",              // stray continuation byte
      "\xbf",              // stray continuation byte
      "\xc0\x80",          // overlong NUL
      "\xc1\xbf",          // overlong 2-byte
      "\xe0\x80\x80",      // overlong 3-byte
      "\xe0\x9f\xbf",      // overlong 3-byte, top
      "\xf0\x80\x80\x80",  // overlong 4-byte
      "\xf0\x8f\xbf\xbf",  // overlong 4-byte, top
      "\xed\xa0\x80",      // U+D800 surrogate
      "\xed\xbf\xbf",      // U+DFFF surrogate
      "\xf4\x90\x80\x80",  // U+110000
      "\xf5\x80\x80\x80",  // lead byte beyond U+10FFFF
      "\xff",              // never valid
      "\xc2",              // truncated 2-byte
      "\xe2\x82",          // truncated 3-byte
      "\xf0\x9f\x98",      // truncated 4-byte
      "\xc2\x41",          // continuation missing
      "\xe2\x28\xa1",      // bad second byte
      "\xf0\x9f\x28\x80",  // bad third byte
  };
  for (const char* sequence : bad) {
    EXPECT_EQ(Status(absl::StrCat("a", sequence, "b 1 2")), LineStatus::kBadUtf8) << sequence;
    EXPECT_EQ(Status(absl::StrCat("a 1 2", sequence)), LineStatus::kBadUtf8) << sequence;
  }
}

TEST(LineDecoderTest, AcceptsValidUtf8AtTheEdges) {
  for (const char* sequence :
       {"\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
        "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"}) {
    const std::string name = absl::StrCat("a", sequence);
    const std::string line = absl::StrCat(name, " 1 2");
    EXPECT_EQ(ParseOk(line).name, name);
  }
}

TEST(LineDecoderTest, DifferentialAgainstReferenceOnRandomAsciiLines) {
  // The reference is the obvious transliteration of carbon's code: split on the Python
  // whitespace set into a vector, count, then float() both numbers.
  auto reference = [](const std::string& line, MetricView* out) {
    auto is_space = [](char c) {
      return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
    };
    std::vector<std::string> fields;
    std::string current;
    for (char c : line) {
      if (is_space(c)) {
        if (!current.empty()) {
          fields.push_back(current);
        }
        current.clear();
      } else {
        current.push_back(c);
      }
    }
    if (!current.empty()) {
      fields.push_back(current);
    }
    if (fields.size() != 3) {
      return LineStatus::kFieldCount;
    }
    if (!core::ParsePythonFloat(fields[2], &out->timestamp)) {
      return LineStatus::kBadTimestamp;
    }
    if (!core::ParsePythonFloat(fields[1], &out->value)) {
      return LineStatus::kBadValue;
    }
    return LineStatus::kOk;
  };
  // Pieces that make near-valid lines likely, so every verdict gets exercised.
  const std::vector<std::string> pieces = {
      "a",  "metric.name", "x.y_z", "1",   "12.5", "1700000000", "-", "+",   ".",   "e",
      "E",  "_",           "nan",   "inf", "0x10", ",",          " ", " ",   "  ",  "\t",
      "\r", "\x1f",        "\x1c",  "\v",  "\0",   "\x01",       "7", "1e5", "1_0", "abcdefghijk"};
  const std::vector<std::string> names = {"a", "metric.name", "x.y_z", "a\x01b", "nan"};
  const std::vector<std::string> numbers = {"1",   "-12.5", "1700000000", "1e5",  "1_0",
                                            "+.5", "inf",   "nan",        "0x10", "1,5",
                                            "1e",  "_1",    "x"};
  const std::vector<std::string> separators = {"", " ", "\t", "  ", "\r", "\x1f", " \v "};
  std::mt19937 rng(20240611);
  int counts[5] = {};
  for (int iteration = 0; iteration < 5000; ++iteration) {
    auto pick = [&](const std::vector<std::string>& from) {
      return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
    };
    std::string line;
    if (iteration % 2 == 0) {
      // Free-form: any sequence of pieces.
      const int n = std::uniform_int_distribution<int>(0, 12)(rng);
      for (int k = 0; k < n; ++k) {
        line += pick(pieces);
      }
    } else {
      // Shaped like a metric line, with the odd extra piece glued on.
      line = pick(separators) + pick(names) + pick(separators) + pick(numbers) + pick(separators) +
             pick(numbers) + pick(separators);
      if (iteration % 3 == 0) {
        line.insert(std::uniform_int_distribution<size_t>(0, line.size())(rng), pick(pieces));
      }
    }
    MetricView expected;
    MetricView actual;
    const LineStatus want = reference(line, &expected);
    const LineStatus got = ParseLine(line, &actual);
    ASSERT_EQ(got, want) << "[" << line << "]";
    ++counts[static_cast<int>(got)];
    if (got == LineStatus::kOk) {
      EXPECT_EQ(std::bit_cast<uint64_t>(actual.timestamp),
                std::bit_cast<uint64_t>(expected.timestamp));
      EXPECT_EQ(std::bit_cast<uint64_t>(actual.value), std::bit_cast<uint64_t>(expected.value));
    }
  }
  for (int status : {0, 2, 3, 4}) {
    EXPECT_GT(counts[status], 50) << "the generator never produced verdict " << status;
  }
}

// --- LineStreamDecoder ---------------------------------------------------------------------

TEST(LineDecoderTest, FeedDeliversLinesInOrder) {
  bool closed;
  EXPECT_EQ(FeedWhole("a 1 2\nb 3 4\r\nbad\n\n", &closed),
            (std::vector<Event>{Ok("a", 2, 1), Ok("b", 4, 3), Bad(LineStatus::kFieldCount, "bad"),
                                Bad(LineStatus::kFieldCount, "")}));
  EXPECT_FALSE(closed);
}

TEST(LineDecoderTest, BadLinesCostOnlyThemselves) {
  bool closed;
  EXPECT_EQ(FeedWhole("a 1 2\nb\xff 1 2\nc 1 x\nd y 2\ne 5 6\n", &closed),
            (std::vector<Event>{Ok("a", 2, 1), Bad(LineStatus::kBadUtf8, "b\xff 1 2"),
                                Bad(LineStatus::kBadTimestamp, "c 1 x"),
                                Bad(LineStatus::kBadValue, "d y 2"), Ok("e", 6, 5)}));
  EXPECT_FALSE(closed);
}

TEST(LineDecoderTest, KeepsUnterminatedTailUntilItsNewline) {
  LineStreamDecoder decoder;
  Recorder recorder;
  ASSERT_TRUE(decoder.Feed("a 1 2\nb 3", recorder));
  EXPECT_EQ(recorder.events, (std::vector<Event>{Ok("a", 2, 1)}));
  EXPECT_EQ(decoder.buffered(), 3u);
  ASSERT_TRUE(decoder.Feed(" 4", recorder));
  EXPECT_EQ(decoder.buffered(), 5u);
  ASSERT_TRUE(decoder.Feed("\nc 5 6\n", recorder));
  EXPECT_EQ(decoder.buffered(), 0u);
  EXPECT_EQ(recorder.events, (std::vector<Event>{Ok("a", 2, 1), Ok("b", 4, 3), Ok("c", 6, 5)}));
}

TEST(LineDecoderTest, EmptyFeedIsHarmless) {
  LineStreamDecoder decoder;
  Recorder recorder;
  EXPECT_TRUE(decoder.Feed("", recorder));
  EXPECT_TRUE(decoder.Feed(absl::string_view(), recorder));
  ASSERT_TRUE(decoder.Feed("a 1", recorder));
  EXPECT_TRUE(decoder.Feed("", recorder));
  EXPECT_EQ(decoder.buffered(), 3u);
  EXPECT_TRUE(recorder.events.empty());
}

TEST(LineDecoderTest, ResetDropsTheTail) {
  LineStreamDecoder decoder;
  Recorder recorder;
  ASSERT_TRUE(decoder.Feed("lost 1", recorder));
  decoder.Reset();
  EXPECT_EQ(decoder.buffered(), 0u);
  ASSERT_TRUE(decoder.Feed(" 2\nkept 3 4\n", recorder));
  EXPECT_EQ(recorder.events,
            (std::vector<Event>{Bad(LineStatus::kFieldCount, " 2"), Ok("kept", 4, 3)}));
}

// A stream with every kind of line, for the chunking tests.
std::string MixedStream() {
  std::string stream;
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    switch (i % 7) {
      case 0:
        stream += absl::StrCat("dc1.rack", i, ".cpu.user ", i * 0.25, " ", 1700000000 + i, "\n");
        break;
      case 1:
        stream += absl::StrCat("\t m\xc3\xa9tric.", i, "\xe2\x80\x83", i, " 17e8\r\n");
        break;
      case 2:
        stream += "broken line here\n";
        break;
      case 3:
        stream += absl::StrCat("bad\xc0\x80utf8 1 ", i, "\n");
        break;
      case 4:
        stream += "\n";
        break;
      case 5:
        stream +=
            std::string(std::uniform_int_distribution<int>(100, 3000)(rng), 'x') + " 1_0 1e400\n";
        break;
      default:
        stream += "a\rb\r1\n";
        break;
    }
  }
  stream += "tail without newline 1 2";
  return stream;
}

TEST(LineDecoderTest, ByteByByteFeedingMatchesWholeFeeding) {
  const std::string stream = MixedStream();
  bool closed_whole;
  bool closed_pieces;
  const std::vector<Event> whole = FeedWhole(stream, &closed_whole);
  const std::vector<Event> bytes =
      FeedInPieces(stream, std::vector<size_t>(stream.size(), 1), &closed_pieces);
  EXPECT_EQ(whole.size(), 300u);
  EXPECT_EQ(bytes, whole);
  EXPECT_FALSE(closed_whole);
  EXPECT_FALSE(closed_pieces);
}

TEST(LineDecoderTest, RandomSplitsMatchWholeFeeding) {
  const std::string stream = MixedStream();
  bool closed;
  const std::vector<Event> whole = FeedWhole(stream, &closed);
  std::mt19937 rng(99);
  for (int round = 0; round < 50; ++round) {
    const size_t max_piece = size_t{1} << std::uniform_int_distribution<int>(0, 15)(rng);
    std::vector<size_t> sizes;
    for (size_t total = 0; total < stream.size();) {
      sizes.push_back(std::uniform_int_distribution<size_t>(1, max_piece)(rng));
      total += sizes.back();
    }
    bool closed_pieces;
    EXPECT_EQ(FeedInPieces(stream, sizes, &closed_pieces), whole) << "round " << round;
    EXPECT_FALSE(closed_pieces);
  }
}

// A line of exactly `length` bytes (before any '\n') that parses.
std::string LineOfLength(size_t length) {
  const std::string numbers = " 1 1700000000";
  return std::string(length - numbers.size(), 'n') + numbers;
}

TEST(LineDecoderTest, AcceptsLineOfExactly16384Bytes) {
  const std::string line = LineOfLength(16384);
  bool closed;
  std::vector<Event> events = FeedWhole(line + "\nnext 1 2\n", &closed);
  EXPECT_FALSE(closed);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].status, LineStatus::kOk);
  EXPECT_EQ(events[0].text.size(), 16384u - 13);
  events = FeedInPieces(line + "\nnext 1 2\n", std::vector<size_t>(20000, 1), &closed);
  EXPECT_FALSE(closed);
  EXPECT_EQ(events.size(), 2u);
}

TEST(LineDecoderTest, CarriageReturnCountsTowardTheLimit) {
  LineStreamDecoder decoder;
  Recorder recorder;
  EXPECT_TRUE(decoder.Feed(LineOfLength(16383) + "\r\n", recorder));
  EXPECT_EQ(recorder.events.size(), 1u);
  EXPECT_FALSE(decoder.Feed(LineOfLength(16384) + "\r\n", recorder));
  EXPECT_EQ(decoder.overlong_length(), 16385u);
}

TEST(LineDecoderTest, ClosesOnTerminatedLineOf16385Bytes) {
  LineStreamDecoder decoder;
  Recorder recorder;
  EXPECT_FALSE(decoder.Feed("before 1 2\n" + LineOfLength(16385) + "\nafter 3 4\n", recorder));
  EXPECT_EQ(decoder.overlong_length(), 16385u);
  EXPECT_EQ(recorder.events, (std::vector<Event>{Ok("before", 2, 1)}));
}

TEST(LineDecoderTest, AcceptsUnterminatedTailOf16384Bytes) {
  LineStreamDecoder decoder;
  Recorder recorder;
  const std::string line = LineOfLength(16384);
  ASSERT_TRUE(decoder.Feed(line, recorder));
  EXPECT_EQ(decoder.buffered(), 16384u);
  ASSERT_TRUE(decoder.Feed("\n", recorder));
  ASSERT_EQ(recorder.events.size(), 1u);
  EXPECT_EQ(recorder.events[0].status, LineStatus::kOk);
}

TEST(LineDecoderTest, ClosesOnUnterminatedTailOf16385BytesBeforeItsNewline) {
  LineStreamDecoder decoder;
  Recorder recorder;
  EXPECT_FALSE(decoder.Feed("before 1 2\n" + std::string(16385, 'x'), recorder));
  EXPECT_EQ(decoder.overlong_length(), 16385u);
  EXPECT_EQ(recorder.events, (std::vector<Event>{Ok("before", 2, 1)}));
}

TEST(LineDecoderTest, ClosesWhenCarriedTailGrowsPastTheLimit) {
  LineStreamDecoder decoder;
  Recorder recorder;
  ASSERT_TRUE(decoder.Feed(std::string(16000, 'x'), recorder));
  ASSERT_TRUE(decoder.Feed(std::string(384, 'x'), recorder));
  EXPECT_EQ(decoder.buffered(), 16384u);
  EXPECT_FALSE(decoder.Feed("y", recorder));
  EXPECT_EQ(decoder.overlong_length(), 16385u);
  EXPECT_TRUE(recorder.events.empty());
}

TEST(LineDecoderTest, ClosesWhenCarriedTailCompletesAnOverlongLine) {
  LineStreamDecoder decoder;
  Recorder recorder;
  ASSERT_TRUE(decoder.Feed(std::string(16000, 'x'), recorder));
  EXPECT_FALSE(decoder.Feed(std::string(1000, 'x') + "\nafter 1 2\n", recorder));
  EXPECT_EQ(decoder.overlong_length(), 17000u);
  EXPECT_TRUE(recorder.events.empty());
}

TEST(LineDecoderTest, StaysClosedUntilReset) {
  LineStreamDecoder decoder;
  Recorder recorder;
  ASSERT_FALSE(decoder.Feed(std::string(20000, 'x'), recorder));
  EXPECT_FALSE(decoder.Feed("a 1 2\n", recorder));
  EXPECT_TRUE(recorder.events.empty());
  decoder.Reset();
  EXPECT_EQ(decoder.overlong_length(), 0u);
  EXPECT_EQ(decoder.buffered(), 0u);
  EXPECT_TRUE(decoder.Feed("a 1 2\n", recorder));
  EXPECT_EQ(recorder.events, (std::vector<Event>{Ok("a", 2, 1)}));
}

TEST(LineDecoderTest, OverlongStreamsStopAtTheSamePlaceWhateverTheSplit) {
  const std::string stream =
      "a 1 2\n" + LineOfLength(16384) + "\nb 3 4\n" + LineOfLength(20000) + "\nc 5 6\n";
  bool closed_whole;
  const std::vector<Event> whole = FeedWhole(stream, &closed_whole);
  EXPECT_TRUE(closed_whole);
  EXPECT_EQ(whole.size(), 3u);
  std::mt19937 rng(5);
  for (int round = 0; round < 20; ++round) {
    std::vector<size_t> sizes;
    for (size_t total = 0; total < stream.size();) {
      sizes.push_back(std::uniform_int_distribution<size_t>(1, 9000)(rng));
      total += sizes.back();
    }
    bool closed_pieces;
    EXPECT_EQ(FeedInPieces(stream, sizes, &closed_pieces), whole);
    EXPECT_TRUE(closed_pieces);
  }
}

// --- DecodeDatagram -------------------------------------------------------------------------

TEST(LineDecoderTest, DatagramSplitsOnEveryPythonLineBreak) {
  for (const char* line_break : {"\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\xc2\x85",
                                 "\xe2\x80\xa8", "\xe2\x80\xa9"}) {
    EXPECT_EQ(Datagram(absl::StrCat("a 1 2", line_break, "b 3 4")),
              (std::vector<Event>{Ok("a", 2, 1), Ok("b", 4, 3)}))
        << "break " << absl::CEscape(line_break);
    EXPECT_EQ(Datagram(absl::StrCat("a 1 2", line_break, line_break, "b 3 4")),
              (std::vector<Event>{Ok("a", 2, 1), Bad(LineStatus::kFieldCount, ""), Ok("b", 4, 3)}))
        << "break " << absl::CEscape(line_break);
  }
}

TEST(LineDecoderTest, DatagramCountsCrLfOnce) {
  EXPECT_EQ(Datagram("a 1 2\r\nb 3 4\r\n"), (std::vector<Event>{Ok("a", 2, 1), Ok("b", 4, 3)}));
  EXPECT_EQ(Datagram("a 1 2\n\rb 3 4"),
            (std::vector<Event>{Ok("a", 2, 1), Bad(LineStatus::kFieldCount, ""), Ok("b", 4, 3)}));
}

TEST(LineDecoderTest, DatagramUnitSeparatorIsWhitespaceNotABreak) {
  EXPECT_EQ(Datagram(std::string("a\x1f") + "1\x1f" + "2"), (std::vector<Event>{Ok("a", 2, 1)}));
  EXPECT_EQ(Datagram(std::string("a\xc2\xa0") + "1 2"), (std::vector<Event>{Ok("a", 2, 1)}));
}

TEST(LineDecoderTest, DatagramEndsLikeSplitlines) {
  EXPECT_TRUE(Datagram("").empty());
  EXPECT_EQ(Datagram("\n"), (std::vector<Event>{Bad(LineStatus::kFieldCount, "")}));
  EXPECT_EQ(Datagram("a 1 2"), (std::vector<Event>{Ok("a", 2, 1)}));
  EXPECT_EQ(Datagram("a 1 2\n"), (std::vector<Event>{Ok("a", 2, 1)}));
  EXPECT_EQ(Datagram("a 1 2\r"), (std::vector<Event>{Ok("a", 2, 1)}));
  EXPECT_EQ(Datagram("a 1 2\xe2\x80\xa9"), (std::vector<Event>{Ok("a", 2, 1)}));
}

TEST(LineDecoderTest, DatagramPartialBreakSequencesAreNotBreaks) {
  // C2 not followed by 85, E2 80 not followed by A8/A9: ordinary characters (or bad UTF-8).
  EXPECT_EQ(Datagram("a\xc2\xa9 1 2"), (std::vector<Event>{Ok("a\xc2\xa9", 2, 1)}));
  EXPECT_EQ(Datagram("a\xe2\x80\xa6 1 2"), (std::vector<Event>{Ok("a\xe2\x80\xa6", 2, 1)}));
  EXPECT_EQ(Datagram("a 1 2\xc2"), (std::vector<Event>{Bad(LineStatus::kBadUtf8, "a 1 2\xc2")}));
  EXPECT_EQ(Datagram("a 1 2\xe2\x80"),
            (std::vector<Event>{Bad(LineStatus::kBadUtf8, "a 1 2\xe2\x80")}));
}

TEST(LineDecoderTest, DatagramBadUtf8CostsOnlyItsLine) {
  EXPECT_EQ(
      Datagram("a 1 2\nb\xff 3 4\nc 5 6"),
      (std::vector<Event>{Ok("a", 2, 1), Bad(LineStatus::kBadUtf8, "b\xff 3 4"), Ok("c", 6, 5)}));
}

TEST(LineDecoderTest, DatagramHasNoLineLengthLimit) {
  const std::string line = LineOfLength(50000);
  const std::vector<Event> events = Datagram(line + "\nb 3 4");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].status, LineStatus::kOk);
  EXPECT_EQ(events[1], Ok("b", 4, 3));
}

}  // namespace
}  // namespace fullerene::codec
