#include "core/base/python_float.h"

#include <charconv>
#include <cmath>
#include <random>
#include <string>
#include <limits>

#include "gtest/gtest.h"

namespace fullerene::core {
namespace {

double Parse(absl::string_view text) {
  double v = -12345.678;
  EXPECT_TRUE(ParsePythonFloat(text, &v)) << "'" << text << "' should parse";
  return v;
}

void ExpectRejected(absl::string_view text) {
  double v = 0;
  EXPECT_FALSE(ParsePythonFloat(text, &v)) << "'" << text << "' should be rejected";
}

TEST(PythonFloatTest, AcceptsWhatPythonAccepts) {
  EXPECT_EQ(Parse("1"), 1.0);
  EXPECT_EQ(Parse("-1.5"), -1.5);
  EXPECT_EQ(Parse("+.5"), 0.5);
  EXPECT_EQ(Parse("5."), 5.0);
  EXPECT_EQ(Parse("1e3"), 1000.0);
  EXPECT_EQ(Parse("1E-3"), 0.001);
  EXPECT_EQ(Parse("1_000.000_1"), 1000.0001);
  EXPECT_EQ(Parse("1_0e1_0"), 1e11);
  EXPECT_EQ(Parse(" 2 "), 2.0);
  EXPECT_EQ(Parse("\t7\r\n"), 7.0);
  EXPECT_EQ(Parse("\v3\f"), 3.0);
  EXPECT_EQ(Parse("0001"), 1.0);
  EXPECT_EQ(Parse("1700000000.9"), 1700000000.9);
  EXPECT_EQ(Parse("0.30000000000000004"), 0.30000000000000004);
  EXPECT_EQ(Parse("123456789.12345679"), 123456789.12345679);
}

TEST(PythonFloatTest, SpecialValues) {
  EXPECT_EQ(Parse("inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(Parse("-Infinity"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Parse("+INF"), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(Parse("nan")));
  EXPECT_TRUE(std::isnan(Parse("-NaN")));
}

TEST(PythonFloatTest, OutOfRangeSaturatesLikePython) {
  EXPECT_EQ(Parse("1e400"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(Parse("-1e400"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Parse("1e-400"), 0.0);
  EXPECT_TRUE(std::signbit(Parse("-1e-400")));
  EXPECT_EQ(Parse("4.9e-324"), 4.9e-324);
  EXPECT_EQ(Parse("2.5e-320"), 2.5e-320);
}

TEST(PythonFloatTest, RejectsWhatPythonRejects) {
  ExpectRejected("");
  ExpectRejected("   ");
  ExpectRejected("0x10");
  ExpectRejected("1,5");
  ExpectRejected("1e");
  ExpectRejected("1e+");
  ExpectRejected("_1");
  ExpectRejected("1_");
  ExpectRejected("1__0");
  ExpectRejected("1._5");
  ExpectRejected("1_.5");
  ExpectRejected("1e_5");
  ExpectRejected(".");
  ExpectRejected("-");
  ExpectRejected("+-1");
  ExpectRejected("nan(1)");
  ExpectRejected("infinit");
  ExpectRejected("in f");
  ExpectRejected("1 2");
  ExpectRejected("abc");
  ExpectRejected("1.5x");
  ExpectRejected("\x1c" "3");  // str.split() separates on it, float() does not strip it
  ExpectRejected("3\x1f");
  ExpectRejected(absl::string_view("1\0", 2));
}

}  // namespace
}  // namespace fullerene::core

namespace fullerene::core {
namespace {

// The fast path for plain decimals must give exactly what the general path (from_chars, the
// correctly rounded reference) gives. Underscores force the general path for the same digits.
TEST(PythonFloatTest, FastPathAgreesWithGeneralPath) {
  std::mt19937_64 random(12345);
  for (int i = 0; i < 200000; ++i) {
    const int int_digits = static_cast<int>(random() % 9);
    const int frac_digits = static_cast<int>(random() % 8);
    std::string text;
    std::string with_underscore;
    for (int d = 0; d < int_digits; ++d) {
      text += static_cast<char>('0' + random() % 10);
    }
    if (text.empty()) {
      text = "0";
    }
    with_underscore = text.substr(0, 1) + "_" + text.substr(1);
    if (text.size() == 1) {
      with_underscore = text;
    }
    if (frac_digits > 0) {
      std::string fraction;
      for (int d = 0; d < frac_digits; ++d) {
        fraction += static_cast<char>('0' + random() % 10);
      }
      text += "." + fraction;
      with_underscore += "." + fraction;
    }
    double fast = 0;
    double general = 0;
    ASSERT_TRUE(ParsePythonFloat(text, &fast)) << text;
    ASSERT_TRUE(ParsePythonFloat(with_underscore, &general)) << with_underscore;
    double reference = 0;
    std::from_chars(text.data(), text.data() + text.size(), reference);
    ASSERT_EQ(fast, reference) << text;
    ASSERT_EQ(general, reference) << with_underscore;
  }
}

}  // namespace
}  // namespace fullerene::core
