// Configurations the relay must refuse at start-up (COMPAT §2.3, §2.5, §1.1, DESIGN
// "Compatibility is a feature"): the real binary exits with status 1 before it runs, and its
// message names the file, the key (or section) and the offending value. An unknown key only
// warns, and `--workers 0` is refused.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/config_text.h"
#include "tests/integration/relay_process.h"
#include "tests/testing/loopback.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDestination[] = "127.0.0.1:2104:a";
constexpr char kDefaultRule[] = "[default]\ndefault = true\ndestinations = 127.0.0.1:2104:a\n";

struct StartupError {
  std::string name;
  // [relay] keys after the (disabled) listeners.
  std::vector<std::pair<std::string, std::string>> settings;
  // relay-rules.conf; nullopt writes none.
  std::optional<std::string> rules;
  // Substrings of stderr; "$DIR" stands for the directory holding carbon.conf.
  std::vector<std::string> expected;
};

// gtest prints a failing case by its name, not as a byte dump.
void PrintTo(const StartupError& c, std::ostream* os) { *os << c.name; }

std::vector<StartupError> Cases() {
  using Settings = std::vector<std::pair<std::string, std::string>>;
  const Settings rules_method = {{"RELAY_METHOD", "rules"}, {"DESTINATIONS", kDestination}};
  const auto with = [&](Settings more) {
    Settings all = rules_method;
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  return {
      // COMPAT §2.5, one row each.
      {"MissingRelayRules",
       rules_method,
       std::nullopt,
       {"Missing config file or wrong perms on $DIR/relay-rules.conf"}},
      {"NoDefaultRule",
       rules_method,
       "[web]\npattern = ^web\ndestinations = 127.0.0.1:2104:a\n",
       {"$DIR/relay-rules.conf", "No default rule defined"}},
      {"SectionWithoutDestinations",
       rules_method,
       absl::StrCat("[x]\npattern = foo\n\n", kDefaultRule),
       {"Rules file $DIR/relay-rules.conf section x does not define a 'destinations' list"}},
      {"PatternAndDefault",
       rules_method,
       "[d]\npattern = foo\ndefault = true\ndestinations = 127.0.0.1:2104:a\n",
       {"$DIR/relay-rules.conf",
        "Section d contains both 'pattern' and 'default'. You must use one or the other."}},
      {"TwoDefaults",
       rules_method,
       absl::StrCat(kDefaultRule, "\n[other]\ndefault = true\ndestinations = 127.0.0.1:2104:a\n"),
       {"$DIR/relay-rules.conf", "Only one default rule can be specified"}},
      {"BadRegex",
       rules_method,
       absl::StrCat("[broken]\npattern = foo(bar\ndestinations = 127.0.0.1:2104:a\n\n",
                    kDefaultRule),
       {"$DIR/relay-rules.conf", "[broken] pattern = foo(bar"}},
      {"BarePercentInRules",  // configparser interpolation, as in carbon
       rules_method,
       absl::StrCat("[pct]\npattern = 100%\ndestinations = 127.0.0.1:2104:a\n\n", kDefaultRule),
       {"$DIR/relay-rules.conf:", "pattern", "'%'"}},
      {"BarePercentInCarbonConf",
       with({{"CARBON_METRIC_PREFIX", "100%x"}}),
       kDefaultRule,
       {"$DIR/carbon.conf:", "carbon_metric_prefix", "'%x'"}},
      {"LookaheadRegex",  // legal in Python, impossible in RE2: refused, not mistranslated
       rules_method,
       absl::StrCat("[ahead]\npattern = ^foo(?=bar)\ndestinations = 127.0.0.1:2104:a\n\n",
                    kDefaultRule),
       {"$DIR/relay-rules.conf", "[ahead] pattern = ^foo(?=bar)"}},
      {"DestinationProtocolUdp",
       with({{"DESTINATION_PROTOCOL", "udp"}}),
       kDefaultRule,
       {"$DIR/carbon.conf:",
        "In carbon.conf, DESTINATION_PROTOCOL must be one of pickle, line. Invalid value: 'udp'"}},
      // COMPAT §2.3.
      {"RelayMethodBogus",
       {{"RELAY_METHOD", "bogus"}, {"DESTINATIONS", kDestination}},
       kDefaultRule,
       {"$DIR/carbon.conf:",
        "In carbon.conf, RELAY_METHOD must be one of rules, consistent-hashing, "
        "aggregated-consistent-hashing, fast-hashing, fast-aggregated-hashing. Invalid value: "
        "'bogus'"}},
      // COMPAT §2.1, §2.2, §1.1.
      {"ReplicationFactorTwo",
       with({{"REPLICATION_FACTOR", "two"}}),
       kDefaultRule,
       {"$DIR/carbon.conf:", "REPLICATION_FACTOR = two"}},
      {"DestinationWithoutPort",
       {{"RELAY_METHOD", "rules"}, {"DESTINATIONS", "localhost"}},
       kDefaultRule,
       {"$DIR/carbon.conf:", "DESTINATIONS", "'localhost'"}},
      {"DuplicateServerAndInstanceWithHashing",
       {{"RELAY_METHOD", "consistent-hashing"},
        {"DESTINATIONS", "127.0.0.1:2104:a, 127.0.0.1:2204:a"}},
       std::nullopt,
       {"$DIR/carbon.conf:", "DESTINATIONS",
        "destination instance (127.0.0.1, a) already configured"}},
      {"DuplicateServerWithoutInstanceWithHashing",
       {{"RELAY_METHOD", "consistent-hashing"}, {"DESTINATIONS", "127.0.0.1:2104, 127.0.0.1:2204"}},
       std::nullopt,
       {"$DIR/carbon.conf:", "DESTINATIONS",
        "destination instance (127.0.0.1, None) already configured"}},
      {"DuplicateKey",
       with({{"MAX_QUEUE_SIZE", "10"}, {"MAX_QUEUE_SIZE", "20"}}),
       kDefaultRule,
       {"$DIR/carbon.conf", "max_queue_size"}},
      // Keys carbon knows that fullerene does not support (yet): refused, never ignored.
      {"DestinationTransportSsl",
       with({{"DESTINATION_TRANSPORT", "ssl"}}),
       kDefaultRule,
       {"$DIR/carbon.conf:", "DESTINATION_TRANSPORT = ssl"}},
      {"UseWhitelist",
       with({{"USE_WHITELIST", "True"}}),
       kDefaultRule,
       {"$DIR/carbon.conf:", "USE_WHITELIST = True"}},
      {"DynamicRouter",
       with({{"DYNAMIC_ROUTER", "true"}}),
       kDefaultRule,
       {"$DIR/carbon.conf:", "DYNAMIC_ROUTER = true"}},
      {"InsecureUnpickler",
       with({{"USE_INSECURE_UNPICKLER", "yes"}}),
       kDefaultRule,
       {"$DIR/carbon.conf:", "USE_INSECURE_UNPICKLER = yes"}},
      {"IdleTimeout",
       with({{"METRIC_CLIENT_IDLE_TIMEOUT", "60"}}),
       kDefaultRule,
       {"$DIR/carbon.conf:", "METRIC_CLIENT_IDLE_TIMEOUT = 60"}},
  };
}

// The line of `log` that holds `needle` (the whole line, for checking what else it says), or
// "" when none does.
std::string LineWith(const std::string& log, const std::string& needle) {
  const size_t at = log.rfind(needle);
  if (at == std::string::npos) {
    return "";
  }
  const size_t begin = log.rfind('\n', at);
  const size_t end = log.find('\n', at);
  return log.substr(begin == std::string::npos ? 0 : begin + 1,
                    end == std::string::npos ? std::string::npos : end - begin - 1);
}

// The relay's last word before exiting 1: its "fullerene: <message>" line.
std::string FatalLine(const std::string& log) { return LineWith(log, "fullerene: "); }

class StartupErrorTest : public ::testing::TestWithParam<StartupError> {};

TEST_P(StartupErrorTest, ExitsWithStatusOneNamingFileKeyAndValue) {
  const StartupError& c = GetParam();
  TempDir dir;
  CarbonConf conf;
  conf.Listen(0, 0);  // should it start after all, it binds nothing
  for (const auto& [key, value] : c.settings) {
    conf.Set(key, value);
  }
  const std::string path = dir.Write("carbon.conf", conf.Text());
  if (c.rules.has_value()) {
    dir.Write("relay-rules.conf", *c.rules);
  }
  const ExitResult result = RunRelayToExit({"--config", path, "--workers", "2"}, absl::Seconds(20));
  EXPECT_EQ(result.status, 1) << result.stderr_text;
  EXPECT_THAT(result.stderr_text, Not(HasSubstr("fullerene running")));
  const std::string fatal = FatalLine(result.stderr_text);
  for (const std::string& expected : c.expected) {
    EXPECT_THAT(fatal, HasSubstr(absl::StrReplaceAll(expected, {{"$DIR", dir.path()}})))
        << result.stderr_text;
  }
}

INSTANTIATE_TEST_SUITE_P(All, StartupErrorTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<StartupError>& info) {
                           return info.param.name;
                         });

// A listening socket without SO_REUSEPORT holds the line port: the relay cannot share it and
// must say which setting and which address.
TEST(StartupErrorsTest, ListenerPortTakenWithoutReusePort) {
  const int holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(holder, 8), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);

  TempDir dir;
  CarbonConf conf;
  conf.Listen(port, 0).Method("rules").Destination(kDestination);
  const std::string path = dir.Write("carbon.conf", conf.Text());
  dir.Write("relay-rules.conf", kDefaultRule);
  const ExitResult result = RunRelayToExit({"--config", path, "--workers", "2"}, absl::Seconds(20));
  close(holder);
  EXPECT_EQ(result.status, 1) << result.stderr_text;
  const std::string fatal = FatalLine(result.stderr_text);
  EXPECT_THAT(fatal, HasSubstr("LINE_RECEIVER_PORT"));
  EXPECT_THAT(fatal, HasSubstr(absl::StrCat("127.0.0.1:", port)));
  EXPECT_THAT(fatal, HasSubstr("Address already in use"));
  EXPECT_THAT(fatal, HasSubstr(path)) << "the message does not say which file set the port";
}

TEST(StartupErrorsTest, WorkersZeroIsRefused) {
  TempDir dir;
  CarbonConf conf;
  conf.Listen(0, 0).Method("rules").Destination(kDestination);
  const std::string path = dir.Write("carbon.conf", conf.Text());
  dir.Write("relay-rules.conf", kDefaultRule);
  const ExitResult result = RunRelayToExit({"--config", path, "--workers", "0"});
  EXPECT_EQ(result.status, 1) << result.stderr_text;
  EXPECT_THAT(FatalLine(result.stderr_text), HasSubstr("--workers 0"));
}

// COMPAT §2.1: carbon accepts unknown keys silently; fullerene warns (naming file, line and
// key) and runs.
TEST(StartupErrorsTest, UnknownKeyOnlyWarns) {
  ReservedListeners ports;
  PortReservation destination;  // refuses connections; nothing is sent anyway
  CarbonConf conf;
  conf.Listen(ports)
      .Method("rules")
      .Destination(DestinationAt(destination.port()))
      .Set("NO_SUCH_SETTING", "42");
  RulesConf rules;
  rules.Default({DestinationAt(destination.port())});
  RelayProcess relay;
  ASSERT_TRUE(relay.Start(conf.Text(), rules.Text(), {"--workers", "2"}).ok()) << relay.Stderr();
  ports.Release();
  EXPECT_THAT(LineWith(relay.Stderr(), "unknown key NO_SUCH_SETTING"),
              HasSubstr(absl::StrCat(relay.dir().Join("carbon.conf"), ":")));
  EXPECT_EQ(relay.WaitExit(absl::ZeroDuration()), -1) << "not running";
  EXPECT_EQ(relay.Stop(), 0);
}

// COMPAT §2.5: a rule destination that is not in DESTINATIONS is skipped; carbon says
// nothing, fullerene warns (naming the rules file) and runs.
TEST(StartupErrorsTest, RuleDestinationNotInDestinationsOnlyWarns) {
  ReservedListeners ports;
  PortReservation destination;
  CarbonConf conf;
  conf.Listen(ports).Method("rules").Destination(DestinationAt(destination.port()));
  RulesConf rules;
  rules.Rule("elsewhere", "^web\\.", {"127.0.0.1:1:zz"})
      .Default({DestinationAt(destination.port())});
  RelayProcess relay;
  ASSERT_TRUE(relay.Start(conf.Text(), rules.Text(), {"--workers", "2"}).ok()) << relay.Stderr();
  ports.Release();
  EXPECT_THAT(LineWith(relay.Stderr(), "127.0.0.1:1:zz"),
              HasSubstr(absl::StrCat(relay.dir().Join("relay-rules.conf"), ":")));
  EXPECT_EQ(relay.WaitExit(absl::ZeroDuration()), -1) << "not running";
  EXPECT_EQ(relay.Stop(), 0);
}

}  // namespace
}  // namespace fullerene::testing
