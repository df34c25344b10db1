#include "codec/line/line_encoder.h"

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "codec/line/line_decoder.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::codec {
namespace {

std::string Value(double v) {
  char buf[kMaxFormattedNumber];
  return std::string(buf, FormatCarbonValue(v, buf));
}

std::string Timestamp(double ts) {
  char buf[kMaxFormattedNumber];
  return std::string(buf, FormatCarbonTimestamp(ts, buf));
}

// The obvious implementation: glibc's "%.10f", then Python's rstrip('0').rstrip('.').
std::string GlibcValue(double v) {
  if (std::isnan(v)) {
    return "nan";
  }
  char buf[400];
  std::string text(buf, std::snprintf(buf, sizeof(buf), "%.10f", v));
  while (!text.empty() && text.back() == '0') {
    text.pop_back();
  }
  if (!text.empty() && text.back() == '.') {
    text.pop_back();
  }
  return text;
}

// Random doubles over the magnitudes that matter for "%.10f": tiny (rounds to 0), around the
// tenth decimal, ordinary, around 2^53 and 2^64, and huge; plus exact binary ties.
std::vector<double> RandomDoubles(uint32_t seed, int count) {
  std::mt19937_64 rng(seed);
  std::vector<double> values;
  for (int i = 0; i < count; ++i) {
    double v = 0;
    switch (i % 5) {
      case 0: {
        // Random mantissa with a binary exponent in [-60, 70).
        const uint64_t exponent = 1023 - 60 + rng() % 130;
        v = std::bit_cast<double>((exponent << 52) | (rng() & ((uint64_t{1} << 52) - 1)));
        break;
      }
      case 1:
        // Decimal-looking values, like counters and gauges carry.
        v = static_cast<double>(static_cast<int64_t>(rng() % 2000000) - 1000000) /
            std::pow(10.0, static_cast<double>(rng() % 13));
        break;
      case 2:
        // Binary fractions with up to 40 bits after the point: ties at the tenth decimal.
        v = std::ldexp(static_cast<double>(rng() % (uint64_t{1} << 45)),
                       -static_cast<int>(rng() % 41));
        break;
      case 3:
        // Any finite double at all.
        do {
          v = std::bit_cast<double>(rng());
        } while (!std::isfinite(v));
        break;
      default:
        // Integers and near-integers around 2^53 and 2^64.
        v = std::ldexp(1.0, 50 + static_cast<int>(rng() % 16)) +
            static_cast<double>(static_cast<int64_t>(rng() % 4096) - 2048);
        break;
    }
    values.push_back((rng() & 1) != 0 ? -v : v);
  }
  return values;
}

// COMPAT §4.3, every row.
TEST(LineEncoderTest, FormatsCompatTable) {
  EXPECT_EQ(Value(1.0), "1");
  EXPECT_EQ(Value(0.1), "0.1");
  EXPECT_EQ(Value(0.30000000000000004), "0.3");
  EXPECT_EQ(Value(123456789.12345679), "123456789.123456791");
  EXPECT_EQ(Value(-0.0), "-0");
  EXPECT_EQ(Value(5e-11), "0.0000000001");
  EXPECT_EQ(Value(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(Value(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(Value(1e20), "100000000000000000000");
  EXPECT_EQ(Value(1.0 / 3), "0.3333333333");
  EXPECT_EQ(Value(1.00000000005), "1.0000000001");
  EXPECT_EQ(Value(1e23), "99999999999999991611392");
  EXPECT_EQ(Value(1e-11), "0");
  EXPECT_EQ(Value(2.5e-05), "0.000025");
  EXPECT_EQ(Value(42), "42");
}

TEST(LineEncoderTest, NanIsNanWhateverItsSign) {
  EXPECT_EQ(Value(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(Value(-std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(LineEncoderTest, NegativeValuesThatRoundToZeroKeepTheirSign) {
  EXPECT_EQ(Value(-1e-11), "-0");
  EXPECT_EQ(Value(-5e-324), "-0");
  EXPECT_EQ(Value(5e-324), "0");
  EXPECT_EQ(Value(-5e-11), "-0.0000000001");
}

TEST(LineEncoderTest, RoundsExactTiesToEven) {
  EXPECT_EQ(Value(0x1p-11), "0.0004882812");      // 0.00048828125
  EXPECT_EQ(Value(3 * 0x1p-11), "0.0014648438");  // 0.00146484375
  EXPECT_EQ(Value(-3 * 0x1p-11), "-0.0014648438");
  EXPECT_EQ(Value(1 + 0x1p-11), "1.0004882812");
}

TEST(LineEncoderTest, RoundingCarriesIntoTheIntegerPart) {
  EXPECT_EQ(Value(0.99999999996), "1");
  EXPECT_EQ(Value(-1.99999999999), "-2");
  EXPECT_EQ(Value(9.99999999999), "10");
  EXPECT_EQ(Value(0.99999999995), "0.9999999999");  // the double is just below the tie
}

TEST(LineEncoderTest, IntegralValuesAtEveryScale) {
  EXPECT_EQ(Value(0.0), "0");
  EXPECT_EQ(Value(-7), "-7");
  EXPECT_EQ(Value(0x1p53), "9007199254740992");
  EXPECT_EQ(Value(0x1p53 + 2), "9007199254740994");
  EXPECT_EQ(Value(-0x1p63), "-9223372036854775808");
  EXPECT_EQ(Value(0x1p64 - 2048), "18446744073709549568");
  EXPECT_EQ(Value(0x1p64), "18446744073709551616");
  EXPECT_EQ(Value(4503599627370495.5), "4503599627370495.5");
  const std::string max = Value(-DBL_MAX);
  EXPECT_EQ(max.size(), 310u);
  EXPECT_EQ(max.substr(0, 8), "-1797693");
}

TEST(LineEncoderTest, AgreesWithGlibcOnRandomDoubles) {
  for (double v : RandomDoubles(1, 200000)) {
    ASSERT_EQ(Value(v), GlibcValue(v)) << std::hexfloat << v;
  }
}

TEST(LineEncoderTest, FormatsTimestampsLikePercentD) {
  EXPECT_EQ(Timestamp(1700000000), "1700000000");
  EXPECT_EQ(Timestamp(1700000000.9), "1700000000");
  EXPECT_EQ(Timestamp(-1.5), "-1");
  EXPECT_EQ(Timestamp(-0.5), "0");
  EXPECT_EQ(Timestamp(-0.0), "0");
  EXPECT_EQ(Timestamp(0.999), "0");
  EXPECT_EQ(Timestamp(-0x1p63), "-9223372036854775808");
  EXPECT_EQ(Timestamp(0x1p63), "9223372036854775808");
  EXPECT_EQ(Timestamp(1e19), "10000000000000000000");
  const std::string huge = Timestamp(1e300);
  EXPECT_EQ(huge.size(), 301u);
  EXPECT_EQ(huge.substr(0, 20), "10000000000000000525");
  EXPECT_EQ(Timestamp(-DBL_MAX).size(), 310u);
}

TEST(LineEncoderTest, AppendLineWithoutPrefix) {
  core::ByteBuffer out;
  AppendLine(&out, "", "a.b.c", 1700000000.9, 0.1);
  EXPECT_EQ(out.view(), "a.b.c 0.1 1700000000\r\n");
  AppendLine(&out, "", "d", -1.5, -0.0);
  EXPECT_EQ(out.view(), "a.b.c 0.1 1700000000\r\nd -0 -1\r\n");
}

TEST(LineEncoderTest, AppendLineWithPrefix) {
  core::ByteBuffer out;
  AppendLine(&out, "relay1.", "cpu.user", 1700000060, 12.5);
  EXPECT_EQ(out.view(), "relay1.cpu.user 12.5 1700000060\r\n");
}

TEST(LineEncoderTest, AppendLineOutputParsesBack) {
  core::ByteBuffer out;
  AppendLine(&out, "p.", "m\xc3\xa9tric", 1700000000.5, 1e20);
  absl::string_view line = out.view();
  ASSERT_TRUE(absl::EndsWith(line, "\r\n"));
  line.remove_suffix(1);
  core::MetricView metric;
  ASSERT_EQ(ParseLine(line, &metric), LineStatus::kOk);
  EXPECT_EQ(metric.name, "p.m\xc3\xa9tric");
  EXPECT_EQ(metric.value, 1e20);
  EXPECT_EQ(metric.timestamp, 1700000000);
}

TEST(LineEncoderTest, AgreesWithPython) {
  if (std::ifstream("/usr/bin/python3").fail()) {
    GTEST_SKIP() << "/usr/bin/python3 is not installed";
  }
  const std::vector<double> values = RandomDoubles(2024, 2000);
  testing::TempDir dir;
  std::string input;
  for (double v : values) {
    char hex[64];
    std::snprintf(hex, sizeof(hex), "%a\n", v);
    input += hex;
  }
  const std::string input_path = dir.Write("values.txt", input);
  const std::string script =
      dir.Write("format.py",
                "import sys\n"
                "for line in open(sys.argv[1]):\n"
                "    v = float.fromhex(line)\n"
                "    print(('%.10f' % v).rstrip('0').rstrip('.'), '%d' % v)\n");
  const std::string command = "/usr/bin/python3 " + script + " " + input_path;
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof(chunk), pipe)) > 0;) {
    output.append(chunk, n);
  }
  ASSERT_EQ(pclose(pipe), 0) << output;
  std::vector<std::string> lines = absl::StrSplit(output, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(Value(values[i]) + " " + Timestamp(values[i]), lines[i])
        << std::hexfloat << values[i];
  }
}

}  // namespace
}  // namespace fullerene::codec
