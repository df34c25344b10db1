// relay-rules.conf as carbon 1.1.7's relayrules.loadRelayRules reads it (COMPAT §2.4, §2.5).
#include "core/config/relay_rules.h"

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
using ::testing::IsEmpty;

std::vector<DestinationSpec> Destinations(const std::vector<std::string>& items) {
  std::vector<DestinationSpec> specs;
  for (const std::string& item : items) {
    absl::StatusOr<DestinationSpec> spec = ParseDestination(item, WireProtocol::kPickle);
    EXPECT_THAT(spec, IsOk()) << item;
    if (spec.ok()) {
      specs.push_back(*spec);
    }
  }
  return specs;
}

struct Parsed {
  absl::StatusOr<std::vector<RelayRule>> rules;
  std::vector<std::string> warnings;
};

Parsed ParseRules(absl::string_view text, const std::vector<std::string>& destinations) {
  Parsed parsed{absl::UnknownError("not run"), {}};
  absl::StatusOr<ConfigParser> parser = ConfigParser::ReadString(text, "rules.conf");
  if (!parser.ok()) {
    parsed.rules = parser.status();
    return parsed;
  }
  parsed.rules = ParseRelayRules(*parser, Destinations(destinations), &parsed.warnings);
  return parsed;
}

std::string ErrorOf(absl::string_view text,
                    const std::vector<std::string>& destinations = {"h:1", "h:2"}) {
  Parsed parsed = ParseRules(text, destinations);
  EXPECT_FALSE(parsed.rules.ok()) << text;
  return parsed.rules.ok() ? "" : std::string(parsed.rules.status().message());
}

TEST(RelayRulesTest, PatternRulesInFileOrderThenTheDefault) {
  Parsed parsed = ParseRules(
      "# comment\n"
      "[default]\n"
      "default = true\n"
      "destinations = h:1\n"
      "\n"
      "[web]\n"
      "pattern = ^servers\\.web\n"
      "destinations = h:2, h:1\n"
      "continue = true\n"
      "\n"
      "[off]\n"
      "default = false\n"
      "destinations = h:2\n"
      "[neither]\n"
      "destinations = h:2\n"
      "[cpu]\n"
      "pattern = CPU\n"
      "destinations = h:3:x\n",
      {"h:1", "h:2", "h:3:x"});
  ASSERT_THAT(parsed.rules, IsOk());
  EXPECT_THAT(parsed.warnings, IsEmpty());
  const std::vector<RelayRule>& rules = *parsed.rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].name, "web");
  EXPECT_EQ(rules[0].pattern, "^servers\\.web");
  EXPECT_FALSE(rules[0].is_default);
  EXPECT_TRUE(rules[0].continue_matching);
  EXPECT_THAT(rules[0].destinations, ElementsAre(1u, 0u));
  EXPECT_EQ(rules[0].file, "rules.conf");
  EXPECT_EQ(rules[0].line, 6);
  EXPECT_EQ(rules[1].name, "cpu");
  EXPECT_FALSE(rules[1].continue_matching);
  EXPECT_THAT(rules[1].destinations, ElementsAre(2u));
  EXPECT_EQ(rules[2].name, "default");
  EXPECT_TRUE(rules[2].is_default);
  EXPECT_EQ(rules[2].pattern, "");
  EXPECT_THAT(rules[2].destinations, ElementsAre(0u));
  EXPECT_EQ(rules[2].line, 2);
}

TEST(RelayRulesTest, ContinueIsABoolean) {
  Parsed parsed = ParseRules(
      "[a]\npattern = a\ndestinations = h:1\ncontinue = off\n"
      "[b]\npattern = b\ndestinations = h:1\ncontinue = 1\n"
      "[d]\ndefault = YES\ndestinations = h:1\ncontinue = maybe\n",  // ignored on a default
      {"h:1"});
  ASSERT_THAT(parsed.rules, IsOk());
  EXPECT_FALSE((*parsed.rules)[0].continue_matching);
  EXPECT_TRUE((*parsed.rules)[1].continue_matching);
  EXPECT_THAT(ErrorOf("[a]\npattern = a\ndestinations = h:1\ncontinue = maybe\n"
                      "[d]\ndefault = true\ndestinations = h:1\n"),
              AllOf(HasSubstr("rules.conf:4:"), HasSubstr("Not a boolean: maybe")));
  EXPECT_THAT(ErrorOf("[d]\ndefault = sure\ndestinations = h:1\n"),
              AllOf(HasSubstr("rules.conf:2:"), HasSubstr("Not a boolean: sure")));
}

TEST(RelayRulesTest, StartupErrorsUseCarbonsWording) {
  EXPECT_THAT(ErrorOf("[a]\npattern = a\ndestinations = h:1\n"),
              HasSubstr("rules.conf: No default rule defined. You must specify exactly one rule "
                        "with 'default = true' instead of a pattern."));
  EXPECT_THAT(ErrorOf("[d]\ndefault = true\ndestinations = h:1\n[x]\npattern = a\n"),
              HasSubstr("rules.conf:4: Rules file rules.conf section x does not define a "
                        "'destinations' list"));
  EXPECT_THAT(ErrorOf("[d]\ndefault = true\npattern = a\ndestinations = h:1\n"),
              HasSubstr("rules.conf:1: Section d contains both 'pattern' and 'default'. You must "
                        "use one or the other."));
  EXPECT_THAT(ErrorOf("[d]\ndefault = true\ndestinations = h:1\n"
                      "[e]\ndefault = true\ndestinations = h:2\n"),
              AllOf(HasSubstr("rules.conf:4: Only one default rule can be specified"),
                    HasSubstr("d on line 1")));
  EXPECT_THAT(ErrorOf("[d]\ndefault = true\ndestinations = h:1,\n"),
              AllOf(HasSubstr("rules.conf:3: section d: destinations: empty destination")));
  EXPECT_THAT(ErrorOf("[d]\ndefault = true\ndestinations = localhost\n"),
              HasSubstr("invalid literal for int() with base 10: 'localhost'"));
  EXPECT_THAT(ErrorOf("[a]\npattern = 100%\ndestinations = h:1\n[d]\ndefault = true\n"
                      "destinations = h:1\n"),
              AllOf(HasSubstr("rules.conf:2:"), HasSubstr("InterpolationSyntaxError")));
  // Destinations are parsed before anything else is checked, even in an ignored section.
  EXPECT_THAT(ErrorOf("[off]\ndefault = false\ndestinations = nope\n"
                      "[d]\ndefault = true\ndestinations = h:1\n"),
              HasSubstr("rules.conf:3: section off"));
}

TEST(RelayRulesTest, PatternIsInterpolatedButNotCompiled) {
  Parsed parsed = ParseRules(
      "[a]\npattern = ^(unclosed\\.%%d\ndestinations = h:1\n[d]\ndefault = true\n"
      "destinations = h:1\n[e]\npattern =\ndestinations = h:1\n",
      {"h:1"});
  ASSERT_THAT(parsed.rules, IsOk());
  EXPECT_EQ((*parsed.rules)[0].pattern, "^(unclosed\\.%d");
  EXPECT_EQ((*parsed.rules)[1].pattern, "");
  EXPECT_FALSE((*parsed.rules)[1].is_default);
}

TEST(RelayRulesTest, UnknownDestinationsAreDroppedWithAWarning) {
  Parsed parsed = ParseRules(
      "[a]\npattern = a\ndestinations = h:1, h:9, h:1:x, h:1\n"
      "[d]\ndefault = true\ndestinations = 127.0.0.1:2004:a, 127.0.0.1:2104:b\n",
      {"h:1", "127.0.0.1:2004"});
  ASSERT_THAT(parsed.rules, IsOk());
  EXPECT_THAT((*parsed.rules)[0].destinations, ElementsAre(0u));
  EXPECT_THAT((*parsed.rules)[1].destinations, IsEmpty());
  EXPECT_THAT(parsed.warnings,
              ElementsAre(AllOf(HasSubstr("rules.conf:3: rule a sends to h:9"),
                                HasSubstr("not in DESTINATIONS")),
                          HasSubstr("rules.conf:3: rule a sends to h:1:x"),
                          HasSubstr("rules.conf:6: rule d sends to 127.0.0.1:2004:a"),
                          HasSubstr("rules.conf:6: rule d sends to 127.0.0.1:2104:b")));
}

TEST(RelayRulesTest, UrlOptionsMustMatchDestinations) {
  const std::vector<std::string> destinations = {"h:1?prefix=dc1.&protocol=line", "h:2", "file:-"};
  Parsed parsed = ParseRules(
      "[d]\ndefault = true\n"
      "destinations = h:1, h:1?prefix=dc1., h:1?protocol=line, h:2?protocol=pickle, file:-\n",
      destinations);
  ASSERT_THAT(parsed.rules, IsOk());
  EXPECT_THAT((*parsed.rules)[0].destinations, ElementsAre(0u, 1u, 2u));
  EXPECT_THAT(parsed.warnings, IsEmpty());
  EXPECT_THAT(ErrorOf("[d]\ndefault = true\ndestinations = h:1?prefix=dc2.\n", destinations),
              AllOf(HasSubstr("rules.conf:3: section d: destination h:1?prefix=dc2."),
                    HasSubstr("different prefix")));
  EXPECT_THAT(ErrorOf("[d]\ndefault = true\ndestinations = h:1?protocol=pickle\n", destinations),
              HasSubstr("different protocol"));
  EXPECT_THAT(ErrorOf("[d]\ndefault = true\ndestinations = h:2?protocol=line\n", destinations),
              HasSubstr("different protocol"));
}

TEST(RelayRulesTest, DefaultSectionIsARuleToo) {
  // carbon's OrderedConfigParser lists [DEFAULT] among the sections, and every section
  // inherits its keys.
  Parsed parsed = ParseRules(
      "[DEFAULT]\ndestinations = h:1\ndefault = true\n"
      "[a]\npattern = a\n",
      {"h:1"});
  EXPECT_THAT(parsed.rules.status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Section a contains both 'pattern' and 'default'")));
  Parsed inherited = ParseRules("[DEFAULT]\ndestinations = h:1\n[d]\ndefault = true\n", {"h:1"});
  ASSERT_THAT(inherited.rules, IsOk());
  ASSERT_EQ(inherited.rules->size(), 1u);
  EXPECT_EQ((*inherited.rules)[0].name, "d");
  EXPECT_THAT((*inherited.rules)[0].destinations, ElementsAre(0u));
}

TEST(RelayRulesTest, BracketedContinuationLineIsASectionForCarbon) {
  EXPECT_THAT(ErrorOf("[d]\ndefault = true\ndestinations = h:1\nnote = see\n  [x]\n"),
              HasSubstr("rules.conf:5: Rules file rules.conf section x does not define"));
}

TEST(RelayRulesTest, ReadsFilesLikeCarbon) {
  fullerene::testing::TempDir dir;
  std::vector<std::string> warnings;
  const std::string missing = dir.Join("relay-rules.conf");
  EXPECT_THAT(ReadRelayRules(missing, Destinations({"h:1"}), &warnings),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("Error: Missing config file or wrong perms on " + missing)));
  // The Debian example, verbatim apart from its long comment.
  const std::string path = dir.Write("relay-rules.conf",
                                     "# You must have exactly one section with 'default = true'\n"
                                     "# Note that all destinations listed must also exist in "
                                     "carbon.conf\n"
                                     "# in the DESTINATIONS setting in the [relay] section\n"
                                     "[default]\n"
                                     "default = true\n"
                                     "destinations = 127.0.0.1:2004:a, 127.0.0.1:2104:b\n");
  ASSERT_OK_AND_ASSIGN(
      std::vector<RelayRule> rules,
      ReadRelayRules(path, Destinations({"127.0.0.1:2004:a", "127.0.0.1:2104:b"}), &warnings));
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].file, path);
  EXPECT_EQ(rules[0].line, 4);
  EXPECT_THAT(rules[0].destinations, ElementsAre(0u, 1u));
  EXPECT_THAT(warnings, IsEmpty());
  EXPECT_THAT(ReadRelayRules(dir.Write("bad.conf", "[d]\ndefault = true\n[d]\n"),
                             Destinations({"h:1"}), &warnings),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("DuplicateSectionError")));
}

}  // namespace
}  // namespace fullerene::core
