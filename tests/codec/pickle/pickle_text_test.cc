#include "codec/pickle/pickle_text.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "codec/pickle/pickle_int.h"
#include "gtest/gtest.h"

namespace fullerene::codec::internal {
namespace {

struct IntLine {
  bool ok = false;
  bool is_bool = false;
  PickleInt value;
};

IntLine Int(absl::string_view line) {
  std::vector<uint32_t> limbs;
  IntLine r;
  r.ok = ParseIntLine(line, &limbs, &r.value, &r.is_bool);
  return r;
}

// The value as a double (big ints through BigIntToDouble), for compact expectations.
double Value(absl::string_view text, int base = 0) {
  std::vector<uint32_t> limbs;
  PickleInt v;
  EXPECT_TRUE(ParsePythonInt(text, base, &limbs, &v)) << text;
  if (!v.big) {
    return static_cast<double>(v.small);
  }
  double d = 0;
  EXPECT_TRUE(BigIntToDouble(limbs.data() + v.limb_begin, v.limb_count, v.negative, &d));
  return d;
}

bool IntRejected(absl::string_view text, int base = 0) {
  std::vector<uint32_t> limbs;
  PickleInt v;
  return !ParsePythonInt(text, base, &limbs, &v);
}

TEST(PickleTextTest, IntOpcodeBoolsFollowCPythonsLengthRule) {
  // _pickle.c makes a bool of a 3-byte line (with its '\n') that strtol reads as 0 or 1.
  EXPECT_TRUE(Int("01").is_bool);
  EXPECT_EQ(Int("01").value.small, 1);
  EXPECT_TRUE(Int("00").is_bool);
  EXPECT_TRUE(Int(" 1").is_bool);
  EXPECT_TRUE(Int("+1").is_bool);
  EXPECT_TRUE(Int("-0").is_bool);
  EXPECT_TRUE(Int(absl::string_view("\0"
                                    "1",
                                    2))
                  .is_bool);  // strtol("") == 0
  EXPECT_EQ(Int(absl::string_view("\0"
                                  "1",
                                  2))
                .value.small,
            0);
  EXPECT_FALSE(Int("1").is_bool);
  EXPECT_FALSE(Int("001").is_bool);
  EXPECT_FALSE(Int("10").is_bool);
}

TEST(PickleTextTest, IntOpcodeIsStrtolThenPythonInt) {
  EXPECT_EQ(Int("010").value.small, 8);  // C octal
  EXPECT_EQ(Int("0x10").value.small, 16);
  EXPECT_EQ(Int("0o17").value.small, 15);  // strtol stops at 'o'; int(, 0) reads it
  EXPECT_EQ(Int("1_000").value.small, 1000);
  EXPECT_EQ(Int("5 ").value.small, 5);
  EXPECT_EQ(Int(absl::string_view("5\0junk", 6)).value.small, 5);
  EXPECT_EQ(Int("-9223372036854775808").value.small, std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(Int("9223372036854775808").value.big);
  EXPECT_FALSE(Int("0x").ok);
  EXPECT_FALSE(Int("089").ok);
  EXPECT_FALSE(Int("12x").ok);
  EXPECT_FALSE(Int(" ").ok);
}

TEST(PickleTextTest, PythonIntLiterals) {
  EXPECT_EQ(Value(" 0x_1f "), 31);
  EXPECT_EQ(Value("-0X1F"), -31);
  EXPECT_EQ(Value("0b101"), 5);
  EXPECT_EQ(Value("0O17"), 15);
  EXPECT_EQ(Value("00"), 0);
  EXPECT_EQ(Value("0_0"), 0);
  EXPECT_EQ(Value("\f5\v"), 5);
  EXPECT_EQ(Value("007", 10), 7);
  EXPECT_EQ(Value("1" + std::string(30, '0')), 1e30);
  EXPECT_EQ(Value("0x1" + std::string(40, '0')), std::ldexp(1.0, 160));
  EXPECT_EQ(Value("-0b1" + std::string(100, '0')), -std::ldexp(1.0, 100));
  EXPECT_TRUE(IntRejected("0x_"));
  EXPECT_TRUE(IntRejected("0x1__f"));
  EXPECT_TRUE(IntRejected("_1"));
  EXPECT_TRUE(IntRejected("1_"));
  EXPECT_TRUE(IntRejected("+_1"));
  EXPECT_TRUE(IntRejected("- 1"));
  EXPECT_TRUE(IntRejected("0_7"));
  EXPECT_TRUE(IntRejected("0 0"));
  EXPECT_TRUE(
      IntRejected("\x1c"
                  "5"));
  EXPECT_TRUE(IntRejected("0x10", 10));
  EXPECT_TRUE(IntRejected(""));
  // sys.int_max_str_digits: 4300 decimal digits, not counting underscores; no limit in hex.
  EXPECT_FALSE(IntRejected("1" + std::string(4299, '0')));
  EXPECT_FALSE(IntRejected("1_" + std::string(4299, '0')));
  EXPECT_TRUE(IntRejected("1" + std::string(4300, '0')));
  EXPECT_FALSE(IntRejected("0x1" + std::string(5000, '0')));
}

TEST(PickleTextTest, LongOpcodeDropsOneTrailingL) {
  std::vector<uint32_t> limbs;
  PickleInt v;
  ASSERT_TRUE(ParseLongLine("123L", &limbs, &v));
  EXPECT_EQ(v.small, 123);
  ASSERT_TRUE(ParseLongLine("0x10L", &limbs, &v));
  EXPECT_EQ(v.small, 16);
  ASSERT_TRUE(ParseLongLine("123", &limbs, &v));
  EXPECT_FALSE(ParseLongLine("L", &limbs, &v));
  EXPECT_FALSE(ParseLongLine("5LL", &limbs, &v));
}

TEST(PickleTextTest, FloatOpcodeIsStricterThanFloat) {
  double d = 0;
  EXPECT_TRUE(ParseFloatLine("1.5", &d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(ParseFloatLine("+.5", &d));
  EXPECT_EQ(d, 0.5);
  EXPECT_TRUE(ParseFloatLine("1e-400", &d));
  EXPECT_EQ(d, 0.0);
  EXPECT_TRUE(ParseFloatLine("-Infinity", &d));
  EXPECT_EQ(d, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(ParseFloatLine("nan", &d));
  EXPECT_TRUE(std::isnan(d));
  EXPECT_TRUE(ParseFloatLine(absl::string_view("2.5\0zz", 6), &d));
  EXPECT_EQ(d, 2.5);
  EXPECT_FALSE(ParseFloatLine("1e400", &d));  // OverflowError
  EXPECT_FALSE(ParseFloatLine(" 1.5", &d));
  EXPECT_FALSE(ParseFloatLine("1.5 ", &d));
  EXPECT_FALSE(ParseFloatLine("1_0", &d));
  EXPECT_FALSE(ParseFloatLine("1e", &d));
  EXPECT_FALSE(ParseFloatLine(".", &d));
  EXPECT_FALSE(ParseFloatLine("infinit", &d));
  EXPECT_FALSE(ParseFloatLine("0x10", &d));
  EXPECT_FALSE(ParseFloatLine("", &d));
}

std::string String(absl::string_view line) {
  core::ByteBuffer out;
  if (!DecodeStringLine(line, &out)) {
    return "<error>";
  }
  return std::string(out.view());
}

TEST(PickleTextTest, StringOpcodeEscapes) {
  EXPECT_EQ(String("'abc'"), "abc");
  EXPECT_EQ(String("\"it's\""), "it's");
  EXPECT_EQ(String("'a'b'"), "a'b");
  EXPECT_EQ(String("''"), "");
  EXPECT_EQ(String(R"('\x41\101\t\\\'\"\a\b\f\n\r\v')"), "AA\t\\'\"\a\b\f\n\r\v");
  EXPECT_EQ(String(R"('\q')"), "\\q");
  EXPECT_EQ(String(R"('\777\400\0')"), std::string("\xff\0\0", 3));
  EXPECT_EQ(String(R"('\xc3\xa9')"), "\xc3\xa9");
  EXPECT_EQ(String("'abc"), "<error>");
  EXPECT_EQ(String("'abc\""), "<error>");
  EXPECT_EQ(String("'"), "<error>");
  EXPECT_EQ(String(R"('a\')"), "<error>");
  EXPECT_EQ(String(R"('\x4')"), "<error>");
  EXPECT_EQ(String(R"('\xg0')"), "<error>");
}

std::string RawUnicode(absl::string_view line) {
  core::ByteBuffer out;
  if (!DecodeRawUnicodeEscapeLine(line, &out)) {
    return "<error>";
  }
  return std::string(out.view());
}

TEST(PickleTextTest, UnicodeOpcodeIsRawUnicodeEscape) {
  EXPECT_EQ(RawUnicode("abc"), "abc");
  EXPECT_EQ(RawUnicode("\xe9"), "\xc3\xa9");  // Latin-1
  EXPECT_EQ(RawUnicode(R"(\u00e9\U0001F600)"), "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(RawUnicode(R"(\ud800)"), "\xed\xa0\x80");  // a lone surrogate, kept
  EXPECT_EQ(RawUnicode(R"(\x41\\u0041)"), R"(\x41\\u0041)");
  EXPECT_EQ(RawUnicode("ab\\"), "ab\\");
  EXPECT_EQ(RawUnicode(""), "");
  EXPECT_EQ(RawUnicode(R"(\u12)"), "<error>");
  EXPECT_EQ(RawUnicode(R"(\u12g4)"), "<error>");
  EXPECT_EQ(RawUnicode(R"(\U00110000)"), "<error>");
}

TEST(PickleTextTest, StrictUtf8) {
  EXPECT_TRUE(IsStrictUtf8(""));
  EXPECT_TRUE(IsStrictUtf8("carbon.agents.host-01.cpu.user"));
  EXPECT_TRUE(IsStrictUtf8("\xc3\xa9\xe6\x8c\x87\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
  EXPECT_TRUE(IsStrictUtf8("\xed\x9f\xbf"));       // U+D7FF
  EXPECT_FALSE(IsStrictUtf8("\xed\xa0\x80"));      // U+D800
  EXPECT_FALSE(IsStrictUtf8("\xc0\x80"));          // overlong
  EXPECT_FALSE(IsStrictUtf8("\xe0\x9f\xbf"));      // overlong
  EXPECT_FALSE(IsStrictUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsStrictUtf8("abcdefgh\xff"));
  EXPECT_FALSE(IsStrictUtf8("\xc3"));
}

TEST(PickleTextTest, CharactersAsPythonIteratesThem) {
  EXPECT_EQ(CharacterLength("ab"), 1u);
  EXPECT_EQ(CharacterLength("\xc3\xa9x"), 2u);
  EXPECT_EQ(CharacterLength("\xed\xa0\x80"), 3u);  // a surrogate is one character
  EXPECT_EQ(CharacterLength("\xff\xfe"), 1u);
  EXPECT_EQ(CharacterLength("\xe6\x8c"), 1u);
}

double BigToDouble(std::vector<uint32_t> limbs, bool negative = false) {
  double d = 0;
  EXPECT_TRUE(BigIntToDouble(limbs.data(), limbs.size(), negative, &d));
  return d;
}

TEST(PickleIntTest, BigIntToDoubleRoundsHalfToEven) {
  // 2**64 + 2**11: exactly halfway between two doubles, ties to the even one (2**64).
  EXPECT_EQ(BigToDouble({0x800, 0, 1}), 18446744073709551616.0);
  // 2**64 + 2**11 + 1: just above halfway, rounds up.
  EXPECT_EQ(BigToDouble({0x801, 0, 1}), 18446744073709555712.0);
  // 2**64 + 3 * 2**11: halfway with an odd mantissa below, rounds up to even.
  EXPECT_EQ(BigToDouble({0x1800, 0, 1}), 18446744073709559808.0);
  // A sticky bit far below the rounding point breaks the tie.
  EXPECT_EQ(BigToDouble({1, 0, 0x800, 0, 1}), std::ldexp(1.0, 128) + std::ldexp(1.0, 76));
  EXPECT_EQ(BigToDouble({0, 0, 0x800, 0, 1}, /*negative=*/true), -std::ldexp(1.0, 128));
}

TEST(PickleIntTest, BigIntToDoubleOverflowsLikePython) {
  // DBL_MAX = (2**53 - 1) * 2**971: bits 971..1023.
  std::vector<uint32_t> limbs(32, 0);
  limbs[31] = 0xffffffff;
  limbs[30] = 0xfffff800;
  double d = 0;
  ASSERT_TRUE(BigIntToDouble(limbs.data(), limbs.size(), false, &d));
  EXPECT_EQ(d, std::numeric_limits<double>::max());
  // DBL_MAX + 2**970 - 1 is below halfway to 2**1024 and rounds down.
  std::fill(limbs.begin(), limbs.begin() + 30, 0xffffffff);
  limbs[30] = 0xfffffbff;
  ASSERT_TRUE(BigIntToDouble(limbs.data(), limbs.size(), false, &d));
  EXPECT_EQ(d, std::numeric_limits<double>::max());
  // DBL_MAX + 2**970 is halfway and rounds to even, 2**1024: OverflowError in Python.
  std::fill(limbs.begin(), limbs.begin() + 30, 0);
  limbs[30] = 0xfffffc00;
  EXPECT_FALSE(BigIntToDouble(limbs.data(), limbs.size(), true, &d));
  std::vector<uint32_t> huge(40, 1);
  EXPECT_FALSE(BigIntToDouble(huge.data(), huge.size(), false, &d));
}

TEST(PickleIntTest, TwosComplement) {
  std::vector<uint32_t> limbs;
  EXPECT_EQ(IntFromTwosComplement(nullptr, 0, &limbs).small, 0);
  const uint8_t minus_one[] = {0xff};
  EXPECT_EQ(IntFromTwosComplement(minus_one, 1, &limbs).small, -1);
  const uint8_t padded_one[] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  const PickleInt one = IntFromTwosComplement(padded_one, sizeof(padded_one), &limbs);
  EXPECT_FALSE(one.big);
  EXPECT_EQ(one.small, 1);
  // -2**63 in 9 bytes still fits an int64.
  const uint8_t min64[] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff};
  EXPECT_EQ(IntFromTwosComplement(min64, sizeof(min64), &limbs).small,
            std::numeric_limits<int64_t>::min());
  // -2**64.
  const uint8_t minus_2_64[] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff};
  const PickleInt big = IntFromTwosComplement(minus_2_64, sizeof(minus_2_64), &limbs);
  ASSERT_TRUE(big.big);
  EXPECT_TRUE(big.negative);
  ASSERT_EQ(big.limb_count, 3u);
  EXPECT_EQ(limbs[big.limb_begin + 2], 1u);
  EXPECT_TRUE(limbs.size() == big.limb_begin + 3u);
}

TEST(PickleIntTest, DoubleToMagnitude) {
  uint32_t limbs[kMaxDoubleLimbs];
  ASSERT_EQ(DoubleToMagnitude(std::ldexp(1.0, 64), limbs), 3u);
  EXPECT_EQ(limbs[0], 0u);
  EXPECT_EQ(limbs[1], 0u);
  EXPECT_EQ(limbs[2], 1u);
  ASSERT_EQ(DoubleToMagnitude(-std::numeric_limits<double>::max(), limbs), 32u);
  EXPECT_EQ(limbs[31], 0xffffffffu);
  EXPECT_EQ(limbs[30], 0xfffff800u);
}

}  // namespace
}  // namespace fullerene::codec::internal
