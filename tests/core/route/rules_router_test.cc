#include "core/route/rules_router.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/config/config.h"
#include "core/route/router.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace fullerene::core {
namespace {

using ::fullerene::testing::IsOk;
using ::fullerene::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace std::string_view_literals;

RelayRule PatternRule(std::string name, std::string pattern, std::vector<uint32_t> destinations,
                      bool continue_matching = false) {
  RelayRule rule;
  rule.name = std::move(name);
  rule.pattern = std::move(pattern);
  rule.destinations = std::move(destinations);
  rule.continue_matching = continue_matching;
  rule.file = "/etc/carbon/relay-rules.conf";
  rule.line = 7;
  return rule;
}

RelayRule DefaultRule(std::vector<uint32_t> destinations) {
  RelayRule rule;
  rule.name = "default";
  rule.is_default = true;
  rule.destinations = std::move(destinations);
  rule.file = "/etc/carbon/relay-rules.conf";
  rule.line = 20;
  return rule;
}

Config RulesConfig(std::vector<RelayRule> rules, int destination_count = 4) {
  Config config;
  config.relay_method = RelayMethod::kRules;
  for (int i = 0; i < destination_count; ++i) {
    DestinationSpec spec;
    spec.server = "127.0.0.1";
    spec.port = 2104 + 100 * i;
    config.destinations.push_back(spec);
  }
  config.rules = std::move(rules);
  return config;
}

DestinationSet RouteOf(const Router& router, absl::string_view metric) {
  DestinationSet out = {99};  // Route() replaces whatever was there
  router.Route(metric, &out);
  return out;
}

// COMPAT §2.4's example, run with the real router: [web] pattern=^servers\.web continue=true,
// [cpu] pattern=CPU, then a default. Destinations: 0 = web, 1 = cpu, 2 = default.
TEST(RulesRouterTest, MatchesTheCompatExample) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Router> router,
      CreateRulesRouter(RulesConfig({PatternRule("web", R"(^servers\.web)", {0}, true),
                                     PatternRule("cpu", "CPU", {1}), DefaultRule({2})})));
  // web continues, cpu matches and stops before the default.
  EXPECT_THAT(RouteOf(*router, "servers.web01.cpu"), ElementsAre(0, 1));
  // Case-insensitive: web matches, cpu does not, the default does.
  EXPECT_THAT(RouteOf(*router, "SERVERS.WEB01.mem"), ElementsAre(0, 2));
  EXPECT_THAT(RouteOf(*router, "db01.Cpu"), ElementsAre(1));
  EXPECT_THAT(RouteOf(*router, "db01.mem"), ElementsAre(2));
}

TEST(RulesRouterTest, DefaultIsEvaluatedLastWhereverItIs) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router,
                       CreateRulesRouter(RulesConfig({DefaultRule({2}), PatternRule("a", "^a", {0}),
                                                      PatternRule("b", "^b", {1})})));
  EXPECT_THAT(RouteOf(*router, "a.x"), ElementsAre(0));
  EXPECT_THAT(RouteOf(*router, "b.x"), ElementsAre(1));
  EXPECT_THAT(RouteOf(*router, "c.x"), ElementsAre(2));
}

TEST(RulesRouterTest, DefaultNeverContinuesAndMatchesEverything) {
  RelayRule default_rule = DefaultRule({2});
  default_rule.continue_matching = true;  // carbon builds the default rule without it
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router,
                       CreateRulesRouter(RulesConfig({default_rule, PatternRule("a", "^a", {0})})));
  EXPECT_THAT(RouteOf(*router, ""), ElementsAre(2));
  EXPECT_THAT(RouteOf(*router, "a"), ElementsAre(0));
}

TEST(RulesRouterTest, DestinationsAreDeduplicatedInFirstYieldOrder) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router,
                       CreateRulesRouter(RulesConfig({PatternRule("one", "x", {3, 1, 3}, true),
                                                      PatternRule("two", "x", {2, 1, 0}, true),
                                                      DefaultRule({0, 3})})));
  EXPECT_THAT(RouteOf(*router, "x"), ElementsAre(3, 1, 2, 0));
  EXPECT_THAT(RouteOf(*router, "y"), ElementsAre(0, 3));
}

TEST(RulesRouterTest, RuleWithoutConfiguredDestinationsYieldsNothing) {
  // The loader drops rule destinations that are not in DESTINATIONS; a rule left with none
  // still stops evaluation, and the datapoint goes nowhere (COMPAT §2.4).
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Router> router,
      CreateRulesRouter(RulesConfig({PatternRule("none", "^x", {}), DefaultRule({1})})));
  EXPECT_THAT(RouteOf(*router, "x.y"), IsEmpty());
  EXPECT_THAT(RouteOf(*router, "y"), ElementsAre(1));
}

TEST(RulesRouterTest, WithoutADefaultUnmatchedMetricsGoNowhere) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router,
                       CreateRulesRouter(RulesConfig({PatternRule("a", "^a", {0})})));
  EXPECT_THAT(RouteOf(*router, "b"), IsEmpty());
}

TEST(RulesRouterTest, RefusesADestinationIndexOutsideDestinations) {
  EXPECT_THAT(CreateRulesRouter(RulesConfig({PatternRule("a", "^a", {4}), DefaultRule({0})})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("/etc/carbon/relay-rules.conf:7: [a] pattern = ^a: destination "
                                 "index 4 is not in DESTINATIONS (4 entries)")));
}

TEST(RulesRouterTest, RouteReusesTheOutput) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Router> router,
      CreateRulesRouter(RulesConfig({PatternRule("a", "a", {0, 1}, true), DefaultRule({2, 3})})));
  DestinationSet out;
  for (int i = 0; i < 100; ++i) {
    router->Route(absl::StrCat("a.", i), &out);
    ASSERT_THAT(out, ElementsAre(0, 1, 2, 3));
  }
  EXPECT_EQ(out.capacity(), 4u);
}

TEST(RulesRouterTranslateTest, RewritesPythonSpellings) {
  const std::pair<absl::string_view, absl::string_view> kCases[] = {
      {R"(^servers\.web)", R"(^servers\.web)"},
      {R"(cpu\Z)", R"(cpu\z)"},
      {"cpu$", R"(cpu(?:\n?\z))"},
      {"(?m)cpu$", "(?m)cpu$"},
      {"(?m:a$)b$", R"((?m:a$)b(?:\n?\z))"},
      {R"(\d\D)", R"(\p{Nd}\P{Nd})"},
      {R"(\w\W)", R"([\p{L}\p{N}_][^\p{L}\p{N}_])"},
      {R"([\w.])", R"([\p{L}\p{N}_\x{2E}])"},
      {R"([a\W])", R"((?:[a]|[^\p{L}\p{N}_]))"},
      {R"([^\W])", R"([\p{L}\p{N}_])"},
      {R"([^\W\d_])", R"([\p{L}\p{Nl}\p{No}])"},
      {R"([^\W\D])", R"([\p{Nd}])"},
      {R"([^\W\w])", R"([^\x{0}-\x{10FFFF}])"},
      {"x{,3}", "x{0,3}"},
      {"x{,}", "x{0,}"},
      {"x{2,}?", "x{2,}?"},
      {"a{", R"(a\{)"},
      {"a{x}", R"(a\{x\})"},
      {"{}", R"(\{\})"},
      {R"(\u00e9\x41\101\0)", R"(\x{E9}AA\x{0})"},
      {R"([\b])", R"([\x{8}])"},
      {"[[:alpha:]]", R"([\x{5B}\x{3A}alpha\x{3A}]\])"},
      {"(?P<host>web)", "(web)"},
      {"(?#note)a", "a"},
      {"(?x) a b # c\n d", "abd"},
      {R"((?x)a\ b[ ])", R"(a\ b[\x{20}])"},
      {"(?x:a b)c d", R"((?:ab)c\ d)"},
      {"(?u)a(?u:b)", "a(?:b)"},
      {"(?s)a.(?-s:.)", "(?s)a.(?-s:.)"},
      {"(?i-m:a)", "(?i-m:a)"},
      {R"(\é)", R"(\x{E9})"},
      {R"(\bcpu\B)", R"(\bcpu\B)"},
      {"", ""},
  };
  for (const auto& [python, re2] : kCases) {
    EXPECT_THAT(TranslatePythonRegex(python), IsOk()) << python;
    EXPECT_EQ(TranslatePythonRegex(python).value_or("<error>"), re2) << python;
  }
}

// Each row is a pattern, a metric and whether Python 3.11's re.search(pattern, metric, re.I)
// finds it, as computed with python3 (Debian 12's carbon runs on 3.11).
struct PythonVerdict {
  std::string_view pattern;
  std::string_view metric;
  bool python_matches;
};

constexpr PythonVerdict kPythonVerdicts[] = {
    {"^servers\\.web"sv, "servers.web01.cpu"sv, true},
    {"^servers\\.web"sv, "SERVERS.WEB01.mem"sv, true},
    {"^servers\\.web"sv, "xservers.web01"sv, false},
    {"^servers\\.web"sv, "servers_web"sv, false},
    {"CPU"sv, "servers.web01.cpu"sv, true},
    {"CPU"sv, "a.Cpu.b"sv, true},
    {"CPU"sv, "c.p.u"sv, false},
    {"cpu$"sv, "a.cpu"sv, true},
    {"cpu$"sv, "a.cpu\012"sv, true},
    {"cpu$"sv, "a.cpu.x"sv, false},
    {"cpu$"sv, "a.cpu\012\012"sv, false},
    {"cpu\\Z"sv, "a.cpu"sv, true},
    {"cpu\\Z"sv, "a.cpu\012"sv, false},
    {"(?m)cpu$"sv, "a.cpu\012b"sv, true},
    {"(?m)cpu$"sv, "a.cpux\012b"sv, false},
    {"^b"sv, "a\012b"sv, false},
    {"(?m)^b"sv, "a\012b"sv, true},
    {"(?m)^b"sv, "ab"sv, false},
    {"\\d+\\.\\d"sv, "a.12.3"sv, true},
    {"\\d+\\.\\d"sv, "a.\331\243\331\244.\331\245"sv, true},
    {"\\d+\\.\\d"sv, "a.b.c"sv, false},
    {"\\d+\\.\\d"sv, "a.\302\262.1"sv, false},
    {"^\\w+$"sv, "abc_1"sv, true},
    {"^\\w+$"sv, "ab-c"sv, false},
    {"^\\w+$"sv, "\303\251t\303\251"sv, true},
    {"^\\w+$"sv, "\344\270\255\346\226\207"sv, true},
    {"^\\w+$"sv, "x\302\262"sv, true},
    {"^\\w+$"sv, "\342\205\243"sv, true},
    {"\\W"sv, "abc"sv, false},
    {"\\W"sv, "a.b"sv, true},
    {"\\W"sv, "\303\251"sv, false},
    {"\\W"sv, "\303\251-"sv, true},
    {"\\s"sv, "a b"sv, true},
    {"\\s"sv, "a\302\240b"sv, true},
    {"\\s"sv, "a\342\200\203b"sv, true},
    {"\\s"sv, "ab"sv, false},
    {"\\s"sv, "a\034b"sv, true},
    {"\\s"sv, "a\342\200\213b"sv, false},
    {"^\\S+$"sv, "ab"sv, true},
    {"^\\S+$"sv, "a b"sv, false},
    {"^\\S+$"sv, "a\343\200\200b"sv, false},
    {"^\\S+$"sv, "a\342\200\213b"sv, true},
    {"[\\w.]+\\.count$"sv, "a.b.count"sv, true},
    {"[\\w.]+\\.count$"sv, "\303\251.count"sv, true},
    {"[\\w.]+\\.count$"sv, " .count"sv, false},
    {"^[^\\W\\d]"sv, "abc"sv, true},
    {"^[^\\W\\d]"sv, "1abc"sv, false},
    {"^[^\\W\\d]"sv, "_x"sv, true},
    {"^[^\\W\\d]"sv, ".x"sv, false},
    {"[\\W]"sv, "abc"sv, false},
    {"[\\W]"sv, "a.b"sv, true},
    {"[^\\W]"sv, "..."sv, false},
    {"[^\\W]"sv, "..a"sv, true},
    {"^[^\\W_]+$"sv, "abc1"sv, true},
    {"^[^\\W_]+$"sv, "a_b"sv, false},
    {"^[^\\W_]+$"sv, "\303\251\331\243"sv, true},
    {"^[^\\W\\d_]+$"sv, "abc"sv, true},
    {"^[^\\W\\d_]+$"sv, "ab1"sv, false},
    {"^[^\\W\\d_]+$"sv, "a_b"sv, false},
    {"^[^\\W\\d_]+$"sv, "\303\251\342\205\243"sv, true},
    {"^[^\\W.]+$"sv, "ab_1"sv, true},
    {"^[^\\W.]+$"sv, "a.b"sv, false},
    {"^[^\\W\\s-]+$"sv, "ab_1"sv, true},
    {"^[^\\W\\s-]+$"sv, "a-b"sv, false},
    {"[^\\W\\D]"sv, "abc"sv, false},
    {"[^\\W\\D]"sv, "ab1"sv, true},
    {"[^\\W\\D]"sv, "a\331\243"sv, true},
    {"[^\\W\\S]"sv, "a b"sv, false},
    {"[^\\W\\S]"sv, "ab"sv, false},
    {"[^\\W\\w]"sv, "a b"sv, false},
    {"[^\\W\\w]"sv, "ab."sv, false},
    {"[a\\W]"sv, "bcd"sv, false},
    {"[a\\W]"sv, "a"sv, true},
    {"[a\\W]"sv, "b.c"sv, true},
    {"[\\s]x"sv, "a x"sv, true},
    {"[\\s]x"sv, "ax"sv, false},
    {"[^\\s]"sv, "   "sv, false},
    {"[^\\s]"sv, " a "sv, true},
    {"[\\S]"sv, "   "sv, false},
    {"[\\S]"sv, " a "sv, true},
    {"[\\D]"sv, "123"sv, false},
    {"[\\D]"sv, "12a"sv, true},
    {"x{,2}y"sv, "y"sv, true},
    {"x{,2}y"sv, "xxy"sv, true},
    {"x{,2}y"sv, "xxxy"sv, true},
    {"^x{,2}y"sv, "y"sv, true},
    {"^x{,2}y"sv, "xxy"sv, true},
    {"^x{,2}y"sv, "xxxy"sv, false},
    {"^x{2,}$"sv, "x"sv, false},
    {"^x{2,}$"sv, "xx"sv, true},
    {"^x{2,}$"sv, "xxxx"sv, true},
    {"^x{2}$"sv, "x"sv, false},
    {"^x{2}$"sv, "xx"sv, true},
    {"^x{2}$"sv, "xxx"sv, false},
    {"^x{1,2}$"sv, "x"sv, true},
    {"^x{1,2}$"sv, "xx"sv, true},
    {"^x{1,2}$"sv, "xxx"sv, false},
    {"^x{,}$"sv, ""sv, true},
    {"^x{,}$"sv, "xxxxx"sv, true},
    {"a{"sv, "a{"sv, true},
    {"a{"sv, "a"sv, false},
    {"a{x}"sv, "a{x}"sv, true},
    {"a{x}"sv, "ax"sv, false},
    {"a{1,2"sv, "a{1,2"sv, true},
    {"a{1,2"sv, "a"sv, false},
    {"{}"sv, "{}"sv, true},
    {"{}"sv, "x"sv, false},
    {"a{ 1}"sv, "a{ 1}"sv, true},
    {"a{ 1}"sv, "a"sv, false},
    {"[[:alpha:]]"sv, "x"sv, false},
    {"[[:alpha:]]"sv, ":]"sv, true},
    {"[[:alpha:]]"sv, "a]"sv, true},
    {"[[:alpha:]]"sv, "p]"sv, true},
    {"[]a]"sv, "]"sv, true},
    {"[]a]"sv, "a"sv, true},
    {"[]a]"sv, "b"sv, false},
    {"[^]a]"sv, "]a"sv, false},
    {"[^]a]"sv, "b"sv, true},
    {"[a-]"sv, "-"sv, true},
    {"[a-]"sv, "b"sv, false},
    {"[-a]"sv, "-"sv, true},
    {"[-a]"sv, "b"sv, false},
    {"[a-c-e]"sv, "-"sv, true},
    {"[a-c-e]"sv, "b"sv, true},
    {"[a-c-e]"sv, "d"sv, false},
    {"[a-c-e]"sv, "e"sv, true},
    {"[\\x41-\\x43]"sv, "b"sv, true},
    {"[\\x41-\\x43]"sv, "d"sv, false},
    {"\\x41\\u00e9\\U0001F600"sv, "a\303\211\360\237\230\200"sv, true},
    {"\\x41\\u00e9\\U0001F600"sv, "a\303\251"sv, false},
    {"\\101\\0"sv, "A\000"sv, true},
    {"\\101\\0"sv, "A0"sv, false},
    {"[\\101-\\103]"sv, "b"sv, true},
    {"[\\101-\\103]"sv, "d"sv, false},
    {"[\\b]"sv, "\010"sv, true},
    {"[\\b]"sv, "b"sv, false},
    {"a\\tb"sv, "a\011b"sv, true},
    {"a\\tb"sv, "atb"sv, false},
    {"(?P<host>web\\d+)\\.cpu"sv, "web01.cpu"sv, true},
    {"(?P<host>web\\d+)\\.cpu"sv, "db01.cpu"sv, false},
    {"(?#a comment)web"sv, "web"sv, true},
    {"(?#a comment)web"sv, "comment"sv, false},
    {"(?x) web \\d+ # trailing comment"sv, "web01"sv, true},
    {"(?x) web \\d+ # trailing comment"sv, "web 01"sv, false},
    {"(?x) web\\ \\d+ [ ] x"sv, "web 01 x"sv, true},
    {"(?x) web\\ \\d+ [ ] x"sv, "web01x"sv, false},
    {"(?x:a b)c d"sv, "abc d"sv, true},
    {"(?x:a b)c d"sv, "abcd"sv, false},
    {"(?s:a.b)"sv, "a\012b"sv, true},
    {"a.b"sv, "a\012b"sv, false},
    {"a.b"sv, "a.b"sv, true},
    {"(?s)a.b"sv, "a\012b"sv, true},
    {"(?-i:CPU)"sv, "cpu"sv, false},
    {"(?-i:CPU)"sv, "CPU"sv, true},
    {"(?i:x)(?-i:Y)"sv, "XY"sv, true},
    {"(?i:x)(?-i:Y)"sv, "Xy"sv, false},
    {"(?u)\\w"sv, "\303\251"sv, true},
    {"\\."sv, "a.b"sv, true},
    {"\\."sv, "ab"sv, false},
    {"\\%\\&\\~\\ \\#"sv, "%&~ #"sv, true},
    {"\\\\"sv, "a\\b"sv, true},
    {"\\\\"sv, "ab"sv, false},
    {"\\\303\251"sv, "\303\251"sv, true},
    {"\\\303\251"sv, "\303\211"sv, true},
    {"stra\\u00dfe"sv, "STRASSE"sv, false},
    {"stra\\u00dfe"sv, "Stra\303\237e"sv, true},
    {"k"sv, "\342\204\252"sv, true},
    {"\\bcpu\\b"sv, "a.cpu.b"sv, true},
    {"\\bcpu\\b"sv, "acpub"sv, false},
    {"\\Bpu"sv, "cpu"sv, true},
    {"\\Bpu"sv, "pu"sv, false},
    {"\\Aa"sv, "ab"sv, true},
    {"\\Aa"sv, "ba"sv, false},
    {"a|b|"sv, "x"sv, true},
    {"(a|b)*c"sv, "aabbc"sv, true},
    {"(a|b)*c"sv, "d"sv, false},
    {"a*?b+?c??"sv, "b"sv, true},
    {"x{2}?"sv, "xx"sv, true},
    {"\\$"sv, "a$"sv, true},
    {"\\$"sv, "a"sv, false},
    {"a$|b"sv, "ab"sv, true},
    {"a$|b"sv, "a\012"sv, true},
    {"^$"sv, ""sv, true},
    {"^$"sv, "\012"sv, true},
    {"^$"sv, "a"sv, false},
    {"carbon\\.agents\\.[^.]+\\.(cpu|mem)Usage$"sv, "carbon.agents.host-a.cpuUsage"sv, true},
    {"carbon\\.agents\\.[^.]+\\.(cpu|mem)Usage$"sv, "carbon.agents.a.b.cpuUsage"sv, false},
    {""sv, "anything"sv, true},
    {""sv, ""sv, true},
    {"#x"sv, "#x"sv, true},
    {"#x"sv, "x"sv, false},
};

TEST(RulesRouterTranslateTest, MatchesLikePythonRe) {
  for (const PythonVerdict& v : kPythonVerdicts) {
    const std::string pattern(v.pattern);
    ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<Router> router,
        CreateRulesRouter(RulesConfig({PatternRule("p", pattern, {0}), DefaultRule({1})})));
    const absl::string_view metric(v.metric.data(), v.metric.size());
    EXPECT_THAT(RouteOf(*router, metric), ElementsAre(v.python_matches ? 0 : 1))
        << "pattern " << pattern << " (RE2: " << TranslatePythonRegex(pattern).value_or("?")
        << ") on " << v.metric;
  }
}

TEST(RulesRouterTranslateTest, MatchesLikePythonReWithEveryPatternInOneRouter) {
  // One rule per distinct pattern, all with `continue`, so each metric is looked up in the
  // router's tree of RE2::Sets (more than a leaf's worth of rules) instead of rule by rule.
  std::vector<std::string> patterns;
  for (const PythonVerdict& v : kPythonVerdicts) {
    if (patterns.empty() || patterns.back() != v.pattern) {
      patterns.emplace_back(v.pattern);
    }
  }
  std::vector<RelayRule> rules;
  for (size_t i = 0; i < patterns.size(); ++i) {
    rules.push_back(PatternRule(absl::StrCat("p", i), patterns[i], {static_cast<uint32_t>(i)},
                                /*continue_matching=*/true));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router,
                       CreateRulesRouter(RulesConfig(rules, static_cast<int>(patterns.size()))));
  size_t index = 0;
  for (const PythonVerdict& v : kPythonVerdicts) {
    while (patterns[index] != v.pattern) {
      ++index;
    }
    const DestinationSet out =
        RouteOf(*router, absl::string_view(v.metric.data(), v.metric.size()));
    const bool matched = std::find(out.begin(), out.end(), index) != out.end();
    EXPECT_EQ(matched, v.python_matches) << "pattern " << patterns[index] << " on " << v.metric;
  }
}

TEST(RulesRouterTest, ManyRulesStopAtTheFirstMatchInOrder) {
  // 40 rules "^m<i>\." without continue (each to destination i % 4) plus continue rules
  // every 7th: the first match in file order wins, past the continue rules before it.
  std::vector<RelayRule> rules;
  for (int i = 0; i < 40; ++i) {
    const bool keep_going = i % 7 == 0;
    rules.push_back(PatternRule(
        absl::StrCat("r", i), keep_going ? absl::StrCat("m", i % 10) : absl::StrCat("^m", i, "\\."),
        {static_cast<uint32_t>(i % 4)}, keep_going));
  }
  rules.push_back(DefaultRule({3}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router, CreateRulesRouter(RulesConfig(rules)));
  // Continue rules: r0 "m0", r7 "m7", r14 "m4", r21 "m1", r28 "m8", r35 "m5".
  EXPECT_THAT(RouteOf(*router, "m13.x"), ElementsAre(1));  // r13 stops
  EXPECT_THAT(RouteOf(*router, "m1.x"), ElementsAre(1));   // r1 stops before r21 is reached
  // r21 ("m1", destination 1) continues, then r39 (destination 3) stops.
  EXPECT_THAT(RouteOf(*router, "m39.m1"), ElementsAre(1, 3));
  // r14 ("m4", destination 2) continues, nothing else matches, the default adds 3.
  EXPECT_THAT(RouteOf(*router, "m4x"), ElementsAre(2, 3));
  EXPECT_THAT(RouteOf(*router, "zzz"), ElementsAre(3));
}

TEST(RulesRouterTranslateTest, RefusesWhatRe2CannotDo) {
  const std::pair<absl::string_view, absl::string_view> kCases[] = {
      {R"((a)\1)", R"(backreference \1 at offset 3 is not supported)"},
      {R"((a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10)", R"(backreference \10)"},
      {"(?P<x>a)(?P=x)", "backreference (?P=name) at offset 8 is not supported"},
      {"^(?=web)", "lookahead (?=...) at offset 1 is not supported"},
      {"^(?!test)", "negative lookahead (?!...) at offset 1 is not supported"},
      {"(?<=a)b", "lookbehind (?<=...) at offset 0 is not supported"},
      {"(?<!a)b", "negative lookbehind (?<!...) at offset 0 is not supported"},
      {"(a)(?(1)b|c)", "conditional (?(...)...|...) at offset 3 is not supported"},
      {"(?>a+)b", "atomic group (?>...) at offset 0 is not supported"},
      {"a*+", "possessive quantifier *+ at offset 1 is not supported"},
      {"a++", "possessive quantifier ++"},
      {"a?+", "possessive quantifier ?+"},
      {"a{1,2}+", "possessive quantifier {1,2}+"},
      {R"((?a)\w)", "ASCII-only matching (?a) at offset 0 is not supported"},
      {"(?a:x)", "ASCII-only matching (?a)"},
      {"(?t)x", "template flag (?t)"},
      {R"(\N{DIGIT ONE})", R"(named character escape \N{...} at offset 0 is not supported)"},
      {R"([^a\W])", R"(\W in a negated character set together with letters, digits or non-ASCII)"},
      {R"([^\W\u00e9])", R"(\W in a negated character set)"},
      {"a{1001}", "repeat count above 1000"},
      {"a{2,1001}", "repeat count above 1000"},
  };
  for (const auto& [python, reason] : kCases) {
    EXPECT_THAT(TranslatePythonRegex(python),
                StatusIs(absl::StatusCode::kUnimplemented, HasSubstr(reason)))
        << python;
  }
}

TEST(RulesRouterTranslateTest, RefusesWhatPythonRefuses) {
  // Each of these stops carbon at start-up with re.error.
  const std::pair<absl::string_view, absl::string_view> kCases[] = {
      {R"(\e)", R"(bad escape \e at offset 0)"},
      {R"(\z)", R"(bad escape \z)"},
      {R"([\A])", R"(bad escape \A)"},
      {R"([\8])", R"(bad escape \8)"},
      {"\\", "bad escape (end of pattern)"},
      {"*a", "nothing to repeat at offset 0"},
      {"a|*", "nothing to repeat at offset 2"},
      {"^*", "nothing to repeat"},
      {"$*", "nothing to repeat"},
      {R"(\b+)", "nothing to repeat"},
      {"{1}", "nothing to repeat"},
      {"a**", "multiple repeat at offset 2"},
      {"a{2}{3}", "multiple repeat"},
      {"a*?+", "multiple repeat"},
      {"a{3,2}", "min repeat greater than max repeat"},
      {"a{4294967295}", "the repetition number is too large"},
      {"(a", "missing ), unterminated subpattern at offset 2"},
      {"a)", "unbalanced parenthesis at offset 1"},
      {"[a", "unterminated character set at offset 0"},
      {"[a-", "unterminated character set"},
      {"[z-a]", "bad character range at offset 1"},
      {R"([a-\d])", "bad character range"},
      {R"([\d-z])", "bad character range"},
      {R"(\x4)", "incomplete escape"},
      {R"(\u12)", "incomplete escape"},
      {R"(\U00110000)", "bad escape (code point above U+10FFFF)"},
      {R"(\400)", "octal escape value outside of range 0-0o377"},
      {"a(?i)b", "global flags not at the start of the expression at offset 1"},
      {"(?L)a", "cannot use 'L' flag with a str pattern"},
      {"(?au)a", "flags 'a', 'u' and 'L' are incompatible"},
      {"(?-u:a)", "cannot turn off flags 'a', 'u' and 'L'"},
      {"(?i-i:a)", "flag turned on and off"},
      {"(?-t:a)", "cannot turn off global flag"},
      {"(?t:a)", "cannot turn on global flag"},
      {"(?z)", "unknown extension"},
      {"(?iz)", "unknown flag"},
      {"(?i", "missing -, : or )"},
      {"(?-", "missing flag"},
      {"(?-i", "missing :"},
      {"(?", "unexpected end of pattern"},
      {"(?P<1a>x)", "bad character in group name '1a'"},
      {"(?P<>x)", "missing group name"},
      {"(?P<a", "missing >, unterminated name"},
      {"(?P<a>x)(?P<a>y)", "redefinition of group name 'a'"},
      {"(?Px)", "unknown extension ?P"},
      {"(?<x>a)", "unknown extension ?<"},
      {"(?#never closed", "missing ), unterminated comment"},
      {"\xff", "invalid UTF-8"},
  };
  for (const auto& [python, reason] : kCases) {
    EXPECT_THAT(TranslatePythonRegex(python),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(reason)))
        << python;
  }
}

TEST(RulesRouterTest, RefusalNamesFileLineSectionPatternAndReason) {
  EXPECT_THAT(
      CreateRulesRouter(RulesConfig({PatternRule("web", "^(?!test)", {0}), DefaultRule({1})})),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "/etc/carbon/relay-rules.conf:7: [web] pattern = ^(?!test): negative lookahead "
               "(?!...) at offset 1 is not supported; fullerene matches relay rules with RE2, "
               "which does not support Python's backreferences or lookaround (nor conditionals, "
               "atomic groups or possessive quantifiers); rewrite the pattern without them"));
  EXPECT_THAT(
      CreateRulesRouter(RulesConfig({PatternRule("dup", R"((\w+)\.\1)", {0}), DefaultRule({1})})),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("/etc/carbon/relay-rules.conf:7: [dup] pattern = (\\w+)\\.\\1: "
                         "backreference \\1 at offset 7 is not supported; fullerene matches "
                         "relay rules with RE2, which does not support Python's backreferences "
                         "or lookaround")));
  EXPECT_THAT(
      CreateRulesRouter(RulesConfig({PatternRule("bad", "a)", {0}), DefaultRule({1})})),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "/etc/carbon/relay-rules.conf:7: [bad] pattern = a): not a valid Python regular "
               "expression (carbon refuses it too): unbalanced parenthesis at offset 1"));
}

TEST(RulesRouterTest, ReportsRe2sOwnReason) {
  // Python takes nested repeats of any size; RE2 refuses a product above 1000.
  EXPECT_THAT(
      CreateRulesRouter(RulesConfig({PatternRule("big", "(a{50}){50}", {0}), DefaultRule({1})})),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "/etc/carbon/relay-rules.conf:7: [big] pattern = (a{50}){50}: RE2 cannot compile "
               "it (as (a{50}){50}): invalid repetition size: {50}; fullerene matches relay rules "
               "with RE2, which does not support Python's backreferences or lookaround (nor "
               "conditionals, atomic groups or possessive quantifiers); rewrite the pattern "
               "without them"));
}

}  // namespace
}  // namespace fullerene::core
