#include "codec/number/python_float.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace fullerene::codec {
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
  EXPECT_EQ(Parse("\x1c" "3\x1f"), 3.0);
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
  ExpectRejected(absl::string_view("1\0", 2));
}

}  // namespace
}  // namespace fullerene::codec
