// Tests for the configparser emulation. Expected values were produced by CPython 3.11's
// configparser.ConfigParser() reading the same bytes from a file.
#include "core/config/config_parser.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::core {
namespace {

using ::fullerene::testing::IsOk;
using ::fullerene::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<ConfigParser> Parse(absl::string_view text) {
  return ConfigParser::ReadString(text, "t.conf");
}

std::string GetOrDie(const ConfigParser& parser, absl::string_view section,
                     absl::string_view option) {
  absl::StatusOr<std::string> value = parser.Get(section, option);
  EXPECT_THAT(value, IsOk());
  return value.ok() ? *value : "<error>";
}

std::vector<std::string> BracketNames(const ConfigParser& parser) {
  std::vector<std::string> names;
  for (const ConfigParser::BracketLine& line : parser.BracketLines()) {
    names.push_back(absl::StrCat(line.name, "@", line.line));
  }
  return names;
}

TEST(ConfigParserTest, SectionsKeysAndSeparators) {
  // The first key of a section may be indented: nothing is there to continue.
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[relay]\n"
                                                  "  Pickle_Receiver_Port:2014  \n"
                                                  "LINE_RECEIVER_PORT = 2013\n"
                                                  "k : v = w\n"
                                                  "x = a:b\n"
                                                  "empty =\n"
                                                  "[cache]\n"
                                                  "k=1\n"));
  EXPECT_THAT(parser.Sections(), ElementsAre("relay", "cache"));
  EXPECT_TRUE(parser.HasSection("relay"));
  EXPECT_FALSE(parser.HasSection("Relay"));  // section names are case-sensitive
  EXPECT_EQ(GetOrDie(parser, "relay", "line_receiver_port"), "2013");
  EXPECT_EQ(GetOrDie(parser, "relay", "LINE_RECEIVER_PORT"), "2013");  // optionxform
  EXPECT_EQ(GetOrDie(parser, "relay", "pickle_receiver_port"), "2014");
  EXPECT_EQ(GetOrDie(parser, "relay", "k"), "v = w");  // the first separator wins
  EXPECT_EQ(GetOrDie(parser, "relay", "x"), "a:b");
  EXPECT_EQ(GetOrDie(parser, "relay", "empty"), "");
  EXPECT_THAT(parser.OptionNames("relay"),
              ElementsAre("pickle_receiver_port", "line_receiver_port", "k", "x", "empty"));
  EXPECT_EQ(parser.OptionLine("relay", "k"), 4);
  EXPECT_EQ(parser.SectionLine("cache"), 7);
  EXPECT_EQ(GetOrDie(parser, "cache", "k"), "1");
}

TEST(ConfigParserTest, HeaderRunsToTheLastBracket) {
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[relay] # not a comment, ignored\n"
                                                  "a = 1\n"
                                                  "[a]b]\n"
                                                  "b = 2\n"
                                                  "[x]  \t\n"
                                                  "c = 3\n"
                                                  "  [y]\n"));  // a continuation line
  EXPECT_THAT(parser.Sections(), ElementsAre("relay", "a]b", "x"));
  EXPECT_EQ(GetOrDie(parser, "x", "c"), "3\n[y]");
}

TEST(ConfigParserTest, CommentsAreWholeLinesOnly) {
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("# comment\n"
                                                  "; comment\n"
                                                  "[relay]\n"
                                                  "   # indented comment\n"
                                                  "\t; indented comment\n"
                                                  "DESTINATIONS = a:1 # x\n"
                                                  "b = 2 ; y\n"));
  EXPECT_EQ(GetOrDie(parser, "relay", "destinations"), "a:1 # x");
  EXPECT_EQ(GetOrDie(parser, "relay", "b"), "2 ; y");
  EXPECT_THAT(parser.OptionNames("relay"), ElementsAre("destinations", "b"));
}

TEST(ConfigParserTest, ContinuationLines) {
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[a]\n"
                                                  "k = v\n"
                                                  "  cont\n"
                                                  "\n"
                                                  "  more\n"
                                                  "\n"
                                                  "x=1\n"
                                                  "t = 1\n"
                                                  "\t\tc\n"
                                                  "  d\n"
                                                  "m = 1\n"
                                                  "\n"
                                                  "#c\n"
                                                  "\n"
                                                  "  z\n"
                                                  "n = 1\n"
                                                  "  # comment inside a value\n"
                                                  "  w\n"));
  EXPECT_EQ(GetOrDie(parser, "a", "k"), "v\ncont\n\nmore");  // trailing blank lines dropped
  EXPECT_EQ(GetOrDie(parser, "a", "x"), "1");
  EXPECT_EQ(GetOrDie(parser, "a", "t"), "1\nc\nd");
  EXPECT_EQ(GetOrDie(parser, "a", "m"), "1\n\n\nz");  // blank lines kept, comment skipped
  EXPECT_EQ(GetOrDie(parser, "a", "n"), "1\nw");
}

TEST(ConfigParserTest, ContinuationMustBeDeeperThanTheKey) {
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[a]\n"
                                                  "  k = 1\n"
                                                  "    deeper\n"
                                                  "  j = 2\n"));
  EXPECT_EQ(GetOrDie(parser, "a", "k"), "1\ndeeper");
  EXPECT_EQ(GetOrDie(parser, "a", "j"), "2");
  // As deep as the key is not a continuation: " c" is a line of its own, and not key=value.
  EXPECT_THAT(Parse("[a]\n  k=1\n c\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:3:"), HasSubstr("ParsingError"))));
}

TEST(ConfigParserTest, IndentIsCountedInCharacters) {
  // U+00A0 is one character of whitespace but two bytes: the key sits at indent 1, so the
  // two-space line below it is deeper.
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[a]\n\xc2\xa0k=1\n  c\n"));
  EXPECT_EQ(GetOrDie(parser, "a", "k"), "1\nc");
  ASSERT_OK_AND_ASSIGN(ConfigParser nbsp, Parse("[a]\nk\xc2\xa0=\xc2\xa0v\xc2\xa0\n"));
  EXPECT_EQ(GetOrDie(nbsp, "a", "k"), "v");
}

TEST(ConfigParserTest, UniversalNewlines) {
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[a]\r\nk=v\r\n  c\r\nj=1\rl=2"));
  EXPECT_EQ(GetOrDie(parser, "a", "k"), "v\nc");
  EXPECT_EQ(GetOrDie(parser, "a", "j"), "1");
  EXPECT_EQ(GetOrDie(parser, "a", "l"), "2");
  EXPECT_EQ(parser.OptionLine("a", "l"), 5);
}

TEST(ConfigParserTest, DefaultIsInherited) {
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[DEFAULT]\n"
                                                  "root = /srv\n"
                                                  "x = default\n"
                                                  "[relay]\n"
                                                  "x = own\n"
                                                  "y = 1\n"
                                                  "[DEFAULT]\n"
                                                  "z = again\n"));
  EXPECT_THAT(parser.Sections(), ElementsAre("relay"));
  EXPECT_FALSE(parser.HasSection("DEFAULT"));
  EXPECT_TRUE(parser.HasOption("relay", "root"));
  EXPECT_TRUE(parser.HasOption("DEFAULT", "z"));
  EXPECT_TRUE(parser.HasOption("", "z"));
  EXPECT_FALSE(parser.HasOption("DEFAULT", "y"));
  EXPECT_FALSE(parser.HasOption("nosuch", "root"));
  EXPECT_EQ(GetOrDie(parser, "relay", "x"), "own");
  EXPECT_EQ(GetOrDie(parser, "relay", "root"), "/srv");
  EXPECT_EQ(GetOrDie(parser, "DEFAULT", "x"), "default");
  EXPECT_THAT(parser.OptionNames("relay"), ElementsAre("root", "x", "z", "y"));
  EXPECT_EQ(parser.OptionLine("relay", "x"), 5);
  EXPECT_EQ(parser.OptionLine("relay", "root"), 2);
  EXPECT_EQ(parser.SectionLine("DEFAULT"), 1);
  EXPECT_THAT(parser.Get("nosuch", "root"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("No section: 'nosuch'")));
  EXPECT_THAT(parser.Get("relay", "nosuch"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("No option 'nosuch'")));
}

TEST(ConfigParserTest, MissingSectionHeader) {
  EXPECT_THAT(Parse("DESTINATIONS = 127.0.0.1:2004\n[relay]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:1:"), HasSubstr("MissingSectionHeaderError"),
                             HasSubstr("DESTINATIONS = 127.0.0.1:2004"))));
  EXPECT_THAT(Parse("# comment\n\n  ; comment\nk = v\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("t.conf:4:")));
  // "[]" is not a header: an empty name does not match configparser's SECTCRE.
  EXPECT_THAT(Parse("[]\nk=v\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:1:"), HasSubstr("MissingSectionHeaderError"))));
  // A byte order mark is not whitespace for Python either.
  EXPECT_THAT(Parse("\xef\xbb\xbf[relay]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:1:"), HasSubstr("byte order mark"))));
}

TEST(ConfigParserTest, DuplicateSection) {
  EXPECT_THAT(Parse("[relay]\nk=v\n\n[relay]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:4:"), HasSubstr("section 'relay' already exists"),
                             HasSubstr("DuplicateSectionError"), HasSubstr("line 1"))));
}

TEST(ConfigParserTest, DuplicateOption) {
  EXPECT_THAT(Parse("[relay]\nDESTINATIONS = a:1\nx = 1\ndestinations = b:2\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:4:"),
                             HasSubstr("option 'destinations' in section 'relay' already exists"),
                             HasSubstr("DuplicateOptionError"), HasSubstr("line 2"))));
  // The same key in two [DEFAULT] blocks is a duplicate too.
  EXPECT_THAT(Parse("[DEFAULT]\nx=1\n[DEFAULT]\nX=2\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:4:"),
                             HasSubstr("option 'x' in section 'DEFAULT' already exists"))));
  // The same key in different sections is fine.
  EXPECT_THAT(Parse("[a]\nx=1\n[b]\nx=2\n"), IsOk());
}

TEST(ConfigParserTest, ParsingErrorsAreCollectedToTheEnd) {
  EXPECT_THAT(Parse("[relay]\nk = 1\nLINE_RECEIVER_PORT 2003\nj = 2\nbogus\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:3:"), HasSubstr("'LINE_RECEIVER_PORT 2003'"),
                             HasSubstr("ParsingError"), HasSubstr("lines 5 cannot be parsed"))));
  EXPECT_THAT(Parse("[relay]\n= value\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:2:"), HasSubstr("key"), HasSubstr("ParsingError"))));
  // Python stores the empty key anyway, so a second one is a DuplicateOptionError, which
  // is raised at once and wins over the collected ParsingError.
  EXPECT_THAT(Parse("[a]\n= x\n= y\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:3:"), HasSubstr("DuplicateOptionError"))));
  // A later fatal error wins over an earlier collected one, as in Python.
  EXPECT_THAT(Parse("[a]\nbogus\n[a]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:3:"), HasSubstr("DuplicateSectionError"))));
}

TEST(ConfigParserTest, InvalidUtf8) {
  EXPECT_THAT(Parse("[relay]\nk=1\nv=\xff\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:3:"), HasSubstr("UTF-8"))));
  EXPECT_THAT(Parse("[relay]\nv=\xed\xa0\x80\n"),  // an encoded surrogate
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("t.conf:2:")));
  EXPECT_THAT(Parse("[relay]\nv=\xc3\xbc\n"), IsOk());
}

TEST(ConfigParserTest, Interpolation) {
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[DEFAULT]\n"
                                                  "root = /srv/%(sub)s\n"
                                                  "sub = graphite\n"
                                                  "[relay]\n"
                                                  "pct = 100%%\n"
                                                  "dir = %(ROOT)s/conf\n"
                                                  "sub = carbon\n"
                                                  "twice = %(a)s%(a)s\n"
                                                  "a = x%%y\n"
                                                  "unused = %(nosuch)s\n"
                                                  "[other]\n"
                                                  "dir = %(root)s\n"));
  EXPECT_EQ(GetOrDie(parser, "relay", "pct"), "100%");
  // Recursive, and references resolve in the section asking (relay's sub, not DEFAULT's).
  EXPECT_EQ(GetOrDie(parser, "relay", "dir"), "/srv/carbon/conf");
  EXPECT_EQ(GetOrDie(parser, "other", "dir"), "/srv/graphite");
  EXPECT_EQ(GetOrDie(parser, "relay", "twice"), "x%yx%y");
  EXPECT_EQ(parser.GetRaw("relay", "pct").value_or(""), "100%%");
}

TEST(ConfigParserTest, InterpolationErrors) {
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[relay]\n"
                                                  "bare = 50%\n"
                                                  "pct = 50% off\n"
                                                  "paren = %(x)d\n"
                                                  "open = %(x\n"
                                                  "missing = a %(nosuch)s b\n"
                                                  "self = %(self)s\n"
                                                  "indirect = %(bare)s\n"));
  EXPECT_THAT(parser.Get("relay", "bare"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:2:"),
                             HasSubstr("'%' must be followed by '%' or '(', found: '%'"),
                             HasSubstr("InterpolationSyntaxError"))));
  EXPECT_THAT(parser.Get("relay", "pct"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:3:"), HasSubstr("found: '% off'"))));
  EXPECT_THAT(parser.Get("relay", "paren"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:4:"),
                             HasSubstr("bad interpolation variable reference '%(x)d'"))));
  EXPECT_THAT(parser.Get("relay", "open"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("t.conf:5:")));
  EXPECT_THAT(parser.Get("relay", "missing"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:6:"),
                             HasSubstr("Bad value substitution: option 'missing' in section "
                                       "'relay' contains an interpolation key 'nosuch'"),
                             HasSubstr("InterpolationMissingOptionError"))));
  EXPECT_THAT(parser.Get("relay", "self"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:7:"), HasSubstr("Recursion limit exceeded"))));
  // An error inside a referenced value is reported for the option asked for.
  EXPECT_THAT(parser.Get("relay", "indirect"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:8:"), HasSubstr("'indirect'"))));
}

TEST(ConfigParserTest, InterpolationBlowUpIsBounded) {
  std::string text = "[a]\nk0 = x\n";
  for (int level = 1; level <= 9; ++level) {
    absl::StrAppend(&text, "k", level, " = ");
    for (int i = 0; i < 40; ++i) {
      absl::StrAppend(&text, "%(k", level - 1, ")s");
    }
    absl::StrAppend(&text, "\n");
  }
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse(text));
  EXPECT_THAT(parser.Get("a", "k9"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expands beyond")));
  EXPECT_EQ(GetOrDie(parser, "a", "k2"), std::string(1600, 'x'));
}

TEST(ConfigParserTest, GetBoolean) {
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[a]\n"
                                                  "t1 = 1\nt2 = YES\nt3 = True\nt4 = on\n"
                                                  "f1 = 0\nf2 = no\nf3 = FALSE\nf4 = Off\n"
                                                  "bad = maybe\n"));
  for (const char* key : {"t1", "t2", "t3", "t4"}) {
    const absl::StatusOr<bool> value = parser.GetBoolean("a", key);
    EXPECT_TRUE(value.ok() && *value) << key;
  }
  for (const char* key : {"f1", "f2", "f3", "f4"}) {
    const absl::StatusOr<bool> value = parser.GetBoolean("a", key);
    EXPECT_TRUE(value.ok() && !*value) << key;
  }
  EXPECT_THAT(parser.GetBoolean("a", "bad"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t.conf:10:"), HasSubstr("Not a boolean: maybe"))));
}

TEST(ConfigParserTest, BracketLinesFollowCarbonsOrderedConfigParser) {
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, Parse("[DEFAULT]\n"
                                                  "x = 1\n"
                                                  "[b]\n"
                                                  "destinations = h:1\n"
                                                  "  [inside]\n"
                                                  "[a] # trailing text\n"
                                                  "#[commented]\n"
                                                  "[c]\n"));
  EXPECT_THAT(BracketNames(parser), ElementsAre("DEFAULT@1", "b@3", "inside@5", "c@8"));
  EXPECT_THAT(parser.Sections(), ElementsAre("b", "a", "c"));
  EXPECT_EQ(GetOrDie(parser, "b", "destinations"), "h:1\n[inside]");
}

TEST(ConfigParserTest, OptionXformLowerCasesLatin1) {
  EXPECT_EQ(ConfigParser::OptionXform("KEY_\xc3\x84"), "key_\xc3\xa4");
  EXPECT_EQ(ConfigParser::OptionXform("\xc3\x97"), "\xc3\x97");  // the multiplication sign
}

TEST(ConfigParserTest, ReadFile) {
  fullerene::testing::TempDir dir;
  const std::string path = dir.Write("carbon.conf", "[relay]\nk = v\n");
  ASSERT_OK_AND_ASSIGN(ConfigParser parser, ConfigParser::ReadFile(path));
  EXPECT_EQ(parser.source(), path);
  EXPECT_EQ(GetOrDie(parser, "relay", "k"), "v");
  EXPECT_THAT(ConfigParser::ReadFile(dir.Join("nosuch.conf")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nosuch.conf")));
  EXPECT_THAT(ConfigParser::ReadFile(dir.path()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(dir.path())));
}

TEST(ConfigPythonTextTest, Strip) {
  EXPECT_EQ(python::Strip(" \t a b \r\n"), "a b");
  EXPECT_EQ(python::Strip("\xc2\xa0x\xe3\x80\x80"), "x");  // NBSP, ideographic space
  EXPECT_EQ(python::Strip("\x1cx\x1f"), "x");
  EXPECT_EQ(python::LStrip("  x  "), "x  ");
  EXPECT_EQ(python::RStrip("  x  "), "  x");
  EXPECT_EQ(python::Strip("\xc3\xbc"), "\xc3\xbc");
  EXPECT_EQ(python::Strip(""), "");
}

TEST(ConfigPythonTextTest, ParseInt) {
  auto value = [](absl::string_view text) -> std::optional<int64_t> {
    const std::optional<python::PythonInt> parsed = python::ParseInt(text);
    return parsed.has_value() ? parsed->value : std::nullopt;
  };
  EXPECT_EQ(value("2004"), 2004);
  EXPECT_EQ(value(" +2004 "), 2004);
  EXPECT_EQ(value("2_004"), 2004);
  EXPECT_EQ(value("-0"), 0);
  EXPECT_EQ(value("007"), 7);
  EXPECT_EQ(value("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  for (const char* bad :
       {"", " ", "0x10", "1e3", "1.0", "_1", "1_", "1__0", "+-1", "1 2", "two", "\xd9\xa1"}) {
    EXPECT_FALSE(python::ParseInt(bad).has_value()) << bad;
  }
  const std::optional<python::PythonInt> big = python::ParseInt("-0099999999999999999999");
  ASSERT_TRUE(big.has_value());
  EXPECT_FALSE(big->value.has_value());
  EXPECT_EQ(big->decimal, "-99999999999999999999");
  EXPECT_EQ(python::ParseInt("+00_1")->decimal, "1");
}

TEST(ConfigPythonTextTest, ParseFloat) {
  EXPECT_EQ(python::ParseFloat("1e3"), 1000.0);
  EXPECT_EQ(python::ParseFloat(" 1_0.2_5 "), 10.25);
  EXPECT_EQ(python::ParseFloat(".5"), 0.5);
  EXPECT_EQ(python::ParseFloat("5."), 5.0);
  EXPECT_EQ(python::ParseFloat("-1E-3"), -0.001);
  // float() strips non-ASCII whitespace but not the ASCII separators str.strip() takes.
  EXPECT_EQ(python::ParseFloat("\xc2\xa0" "3\xe3\x80\x80"), 3.0);
  EXPECT_EQ(python::ParseFloat("\x1c" "3"), std::nullopt);
  EXPECT_EQ(python::ParseFloat("3 \x1f"), std::nullopt);
  EXPECT_EQ(python::ParseFloat("inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(python::ParseFloat("-Infinity"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(python::ParseFloat("1e400"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(python::ParseFloat("1e-400"), 0.0);
  EXPECT_TRUE(std::isnan(python::ParseFloat("NaN").value_or(0)));
  for (const char* bad :
       {"", ".", "0x10", "1,5", "1e", "e3", "_1", "1__0", "nan(1)", "in f", "infinit", "1e3.0"}) {
    EXPECT_FALSE(python::ParseFloat(bad).has_value()) << bad;
  }
}

TEST(ConfigPythonTextTest, FloatRepr) {
  EXPECT_EQ(python::FloatRepr(1000.0), "1000.0");
  EXPECT_EQ(python::FloatRepr(0.1), "0.1");
  EXPECT_EQ(python::FloatRepr(-0.0), "-0.0");
  EXPECT_EQ(python::FloatRepr(0.0001), "0.0001");
  EXPECT_EQ(python::FloatRepr(0.00001), "1e-05");
  EXPECT_EQ(python::FloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(python::FloatRepr(1e16), "1e+16");
  EXPECT_EQ(python::FloatRepr(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(python::FloatRepr(1.5e300), "1.5e+300");
  EXPECT_EQ(python::FloatRepr(2.5e-100), "2.5e-100");
  EXPECT_EQ(python::FloatRepr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(python::FloatRepr(std::nan("")), "nan");
}

TEST(ConfigPythonTextTest, Repr) {
  EXPECT_EQ(python::Repr("abc"), "'abc'");
  EXPECT_EQ(python::Repr("it's"), "\"it's\"");
  EXPECT_EQ(python::Repr("a'b\"c"), "'a\\'b\"c'");
  EXPECT_EQ(python::Repr("t\tn\n\x01\\"), "'t\\tn\\n\\x01\\\\'");
  EXPECT_EQ(python::Repr("\xc3\xbc"), "'\xc3\xbc'");
}

}  // namespace
}  // namespace fullerene::core
