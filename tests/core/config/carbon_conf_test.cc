// carbon.conf's [relay] settings: typing as carbon 1.1.7's Settings.readFrom does it
// (expected values taken from running it) and the mapping into Config.
#include "core/config/carbon_conf.h"

#include <stdlib.h>

#include <limits>
#include <string>

#include "core/base/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace fullerene::core {
namespace {

using ::fullerene::testing::IsOk;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kPath[] = "/etc/carbon/carbon.conf";

absl::StatusOr<CarbonSettings> Read(absl::string_view text, absl::string_view instance = "a") {
  FULLERENE_ASSIGN_OR_RETURN(ConfigParser parser, ConfigParser::ReadString(text, kPath));
  return CarbonSettings::Read(parser, instance);
}

absl::StatusOr<Config> Apply(absl::string_view text, absl::string_view instance = "a") {
  FULLERENE_ASSIGN_OR_RETURN(CarbonSettings settings, Read(text, instance));
  Config config;
  config.config_path = kPath;
  config.instance = std::string(instance);
  FULLERENE_RETURN_IF_ERROR(ApplyCarbonSettings(settings, &config));
  return config;
}

// The message Apply() fails with, or "" when it succeeds.
std::string ErrorOf(absl::string_view text) {
  absl::StatusOr<Config> config = Apply(text);
  EXPECT_FALSE(config.ok()) << text;
  return config.ok() ? "" : std::string(config.status().message());
}

// relay_rules_path for an empty carbon.conf at `config_path`.
std::string RulesPathFor(const std::string& config_path) {
  absl::StatusOr<ConfigParser> parser = ConfigParser::ReadString("", config_path);
  EXPECT_THAT(parser, IsOk());
  absl::StatusOr<CarbonSettings> settings = CarbonSettings::Read(*parser, "a");
  EXPECT_THAT(settings, IsOk());
  Config config;
  config.config_path = config_path;
  EXPECT_THAT(ApplyCarbonSettings(*settings, &config), IsOk());
  return config.relay_rules_path;
}

TEST(CarbonConfigSettingsTest, TypesValuesLikeCarbon) {
  ASSERT_OK_AND_ASSIGN(CarbonSettings settings, Read("[relay]\n"
                                                     "MAX_QUEUE_SIZE = 1e3\n"
                                                     "MAX_RECEIVER_CONNECTIONS = inf\n"
                                                     "REPLICATION_FACTOR = 0x10\n"
                                                     "CARBON_METRIC_PREFIX = 007\n"
                                                     "RELAY_METHOD = 1e3\n"
                                                     "DESTINATIONS = a:1, b:2 ,\n"
                                                     "ENABLE_UDP_LISTENER = YES\n"
                                                     "foo = bar\n"
                                                     "BIG = 99999999999999999999\n"));
  const CarbonSetting* queue = settings.Find("MAX_QUEUE_SIZE");
  ASSERT_NE(queue, nullptr);
  EXPECT_EQ(queue->value.type, CarbonValue::Type::kFloat);
  EXPECT_EQ(queue->value.float_value, 1000.0);
  EXPECT_EQ(queue->value.str, "1000.0");
  EXPECT_EQ(queue->text, "1e3");
  EXPECT_EQ(queue->line, 2);
  EXPECT_EQ(queue->section, "relay");
  EXPECT_EQ(settings.Find("MAX_RECEIVER_CONNECTIONS")->value.float_value,
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(settings.Find("REPLICATION_FACTOR")->value.type, CarbonValue::Type::kString);
  EXPECT_EQ(settings.Find("REPLICATION_FACTOR")->value.str, "0x10");
  EXPECT_EQ(settings.Find("CARBON_METRIC_PREFIX")->value.type, CarbonValue::Type::kInt);
  EXPECT_EQ(settings.Find("CARBON_METRIC_PREFIX")->value.str, "7");
  EXPECT_EQ(settings.Find("RELAY_METHOD")->value.str, "1000.0");
  EXPECT_THAT(settings.Find("DESTINATIONS")->value.list_value, ElementsAre("a:1", "b:2", ""));
  EXPECT_TRUE(settings.Find("ENABLE_UDP_LISTENER")->value.bool_value);
  EXPECT_EQ(settings.Find("FOO")->value.str, "bar");  // keys are upper-cased
  EXPECT_EQ(settings.Find("BIG")->value.type, CarbonValue::Type::kInt);
  EXPECT_FALSE(settings.Find("BIG")->value.int_value.has_value());
  EXPECT_EQ(settings.Find("BIG")->value.str, "99999999999999999999");
  EXPECT_EQ(settings.Find("NOSUCH"), nullptr);
}

TEST(CarbonConfigSettingsTest, InstanceSectionOverridesAndDefaultIsReapplied) {
  const char* text =
      "[DEFAULT]\n"
      "MAX_QUEUE_SIZE = 7\n"
      "[relay]\n"
      "MAX_QUEUE_SIZE = 1e3\n"
      "USER = relay\n"
      "LINE_RECEIVER_PORT = 2013\n"
      "[relay:a]\n"
      "USER = 1_0\n"
      "[relay:b]\n"
      "LINE_RECEIVER_PORT = 2113\n";
  ASSERT_OK_AND_ASSIGN(Config a, Apply(text, "a"));
  // carbon's second readFrom() sees DEFAULT's MAX_QUEUE_SIZE again: 7, not 1000.
  EXPECT_EQ(a.max_queue_size, 7);
  EXPECT_EQ(a.user, "10");
  EXPECT_EQ(a.line_receiver.port, 2013);
  ASSERT_OK_AND_ASSIGN(Config b, Apply(text, "b"));
  EXPECT_EQ(b.user, "relay");
  EXPECT_EQ(b.line_receiver.port, 2113);
  ASSERT_OK_AND_ASSIGN(Config none, Apply(text, ""));
  EXPECT_EQ(none.max_queue_size, 1000);
  EXPECT_EQ(none.line_receiver.port, 2013);
  ASSERT_OK_AND_ASSIGN(CarbonSettings settings, Read(text, "a"));
  EXPECT_EQ(settings.Find("USER")->section, "relay:a");
  EXPECT_EQ(settings.Find("USER")->line, 8);
  EXPECT_EQ(settings.Find("MAX_QUEUE_SIZE")->line, 2);
}

TEST(CarbonConfigSettingsTest, InstanceSectionWithoutRelaySection) {
  ASSERT_OK_AND_ASSIGN(Config config, Apply("[relay:a]\nLINE_RECEIVER_PORT = 2113\n"));
  EXPECT_EQ(config.line_receiver.port, 2113);
}

TEST(CarbonConfigSettingsTest, MissingRelaySectionMeansDefaults) {
  ASSERT_OK_AND_ASSIGN(Config config, Apply("[cache]\nLINE_RECEIVER_PORT = 2003\n"));
  const Config defaults;
  EXPECT_EQ(config.line_receiver.interface, "0.0.0.0");
  EXPECT_EQ(config.line_receiver.port, 2003);
  EXPECT_EQ(config.pickle_receiver.port, 2004);
  EXPECT_EQ(config.relay_method, RelayMethod::kRules);
  EXPECT_EQ(config.hash_type, HashType::kCarbonCh);
  EXPECT_EQ(config.max_queue_size, defaults.max_queue_size);
  EXPECT_TRUE(config.destinations.empty());
  EXPECT_THAT(config.warnings, ElementsAre(HasSubstr("DESTINATIONS is not set")));
}

TEST(CarbonConfigSettingsTest, DecoySectionsAreIgnoredEntirely) {
  ASSERT_OK_AND_ASSIGN(Config config, Apply("[cache]\n"
                                            "ENABLE_UDP_LISTENER = maybe\n"
                                            "LINE_RECEIVER_PORT = 99999\n"
                                            "bare = 100%\n"
                                            "[relay]\n"
                                            "DESTINATIONS = 127.0.0.1:2004\n"
                                            "[aggregator]\n"
                                            "REPLICATION_FACTOR = two\n"
                                            "RELAY_METHOD = bogus\n"
                                            "DESTINATIONS = ,,\n"));
  EXPECT_EQ(config.line_receiver.port, 2003);
  EXPECT_EQ(config.replication_factor, 1);
  EXPECT_THAT(config.warnings, IsEmpty());
}

TEST(CarbonConfigSettingsTest, InterpolationErrorsInRelayAreFatal) {
  EXPECT_THAT(ErrorOf("[relay]\nCARBON_METRIC_PREFIX = 100%\n"),
              AllOf(HasSubstr("carbon.conf:2:"), HasSubstr("InterpolationSyntaxError")));
  // [DEFAULT] is read through [relay].
  EXPECT_THAT(ErrorOf("[DEFAULT]\nX = %(nosuch)s\n[relay]\n"),
              AllOf(HasSubstr("carbon.conf:2:"), HasSubstr("InterpolationMissingOptionError")));
  ASSERT_OK_AND_ASSIGN(Config config,
                       Apply("[DEFAULT]\nroot = /srv\n[relay]\nPID_DIR = %(root)s/run\n"
                             "DESTINATIONS = h:1\n"));
  EXPECT_EQ(config.pid_dir, "/srv/run");
  EXPECT_THAT(config.warnings, ElementsAre(HasSubstr("unknown key ROOT")));
}

TEST(CarbonConfigSettingsTest, BooleansGoThroughGetboolean) {
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATIONS = h:1\nENABLE_UDP_LISTENER = maybe\n"),
              AllOf(HasSubstr("/etc/carbon/carbon.conf:3: ENABLE_UDP_LISTENER = maybe"),
                    HasSubstr("Not a boolean: maybe")));
  // Carbon types every key it knows, even ones the relay ignores, and fails the same way.
  EXPECT_THAT(ErrorOf("[relay]\nLOG_UPDATES = sometimes\n"), HasSubstr("Not a boolean: sometimes"));
  ASSERT_OK_AND_ASSIGN(Config config, Apply("[relay]\n"
                                            "ENABLE_UDP_LISTENER = On\n"
                                            "DIVERSE_REPLICAS = 0\n"
                                            "USE_FLOW_CONTROL = no\n"
                                            "LOG_LISTENER_CONN_SUCCESS = FALSE\n"
                                            "TCP_KEEPALIVE = off\n"
                                            "DESTINATIONS = h:1\n"));
  EXPECT_TRUE(config.enable_udp_listener);
  EXPECT_FALSE(config.diverse_replicas);
  EXPECT_FALSE(config.use_flow_control);
  EXPECT_FALSE(config.log_listener_conn_success);
  EXPECT_FALSE(config.tcp_keepalive);
}

TEST(CarbonConfigSettingsTest, IntegerSettings) {
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATIONS = h:1\nREPLICATION_FACTOR = two\n"),
              HasSubstr("/etc/carbon/carbon.conf:3: REPLICATION_FACTOR = two: not an integer"));
  EXPECT_THAT(ErrorOf("[relay]\nREPLICATION_FACTOR = 0x10\n"),
              HasSubstr("REPLICATION_FACTOR = 0x10: not an integer"));
  EXPECT_THAT(ErrorOf("[relay]\nREPLICATION_FACTOR = 2.5\n"),
              HasSubstr("REPLICATION_FACTOR = 2.5: not a whole number"));
  EXPECT_THAT(ErrorOf("[relay]\nREPLICATION_FACTOR = -1\n"),
              HasSubstr("REPLICATION_FACTOR = -1: must be at least 0"));
  EXPECT_THAT(ErrorOf("[relay]\nMAX_QUEUE_SIZE = 0\n"),
              HasSubstr("MAX_QUEUE_SIZE = 0: must be at least 1"));
  EXPECT_THAT(ErrorOf("[relay]\nMAX_QUEUE_SIZE = inf\n"),
              HasSubstr("MAX_QUEUE_SIZE = inf: not a finite integer"));
  EXPECT_THAT(ErrorOf("[relay]\nMAX_QUEUE_SIZE = nan\n"), HasSubstr("not a finite integer"));
  EXPECT_THAT(ErrorOf("[relay]\nMAX_QUEUE_SIZE = 99999999999999999999\n"),
              HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf("[relay]\nMAX_DATAPOINTS_PER_MESSAGE = 0\n"),
              HasSubstr("must be at least 1"));
  EXPECT_THAT(ErrorOf("[relay]\nPICKLE_RECEIVER_MAX_LENGTH = 0\n"),
              HasSubstr("must be at least 1"));
  EXPECT_THAT(ErrorOf("[relay]\nMAX_RECEIVER_CONNECTIONS = 0\n"), HasSubstr("must be at least 1"));
  EXPECT_THAT(ErrorOf("[relay]\nLINE_RECEIVER_PORT = 70000\n"),
              HasSubstr("LINE_RECEIVER_PORT = 70000: must be at most 65535"));
  EXPECT_THAT(ErrorOf("[relay]\nUDP_RECEIVER_PORT = -1\n"), HasSubstr("must be at least 0"));
  EXPECT_THAT(ErrorOf("[relay]\nTCP_KEEPCNT = 200\n"), HasSubstr("must be at most 127"));
  EXPECT_THAT(ErrorOf("[relay]\nTCP_KEEPIDLE = 0\n"), HasSubstr("must be at least 1"));
  EXPECT_THAT(ErrorOf("[relay]\nWORKERS = -1\n"), HasSubstr("must be at least 0"));
  EXPECT_THAT(ErrorOf("[relay]\nMIN_TIMESTAMP_RESOLUTION = -5\n"), HasSubstr("must be at least 0"));
  EXPECT_THAT(ErrorOf("[relay]\nQUEUE_LOW_WATERMARK_PCT = high\n"), HasSubstr("not a number"));
  EXPECT_THAT(ErrorOf("[relay]\nCARBON_METRIC_INTERVAL = inf\n"),
              HasSubstr("must be a finite number"));
}

TEST(CarbonConfigSettingsTest, EveryRelayKeyIsMapped) {
  ASSERT_OK_AND_ASSIGN(Config config, Apply("[relay]\n"
                                            "LINE_RECEIVER_INTERFACE = 127.0.0.1\n"
                                            "LINE_RECEIVER_PORT = 2013\n"
                                            "PICKLE_RECEIVER_INTERFACE = ::1\n"
                                            "PICKLE_RECEIVER_PORT = 0\n"
                                            "ENABLE_UDP_LISTENER = True\n"
                                            "UDP_RECEIVER_INTERFACE = 10.0.0.1\n"
                                            "UDP_RECEIVER_PORT = 2_003\n"
                                            "PICKLE_RECEIVER_MAX_LENGTH = 2e6\n"
                                            "MAX_RECEIVER_CONNECTIONS = inf\n"
                                            "RELAY_METHOD = consistent-hashing\n"
                                            "ROUTER_HASH_TYPE = fnv1a_ch\n"
                                            "REPLICATION_FACTOR = 0\n"
                                            "DIVERSE_REPLICAS = False\n"
                                            "DESTINATIONS = 127.0.0.1:2104:a, [::1]:2204:b\n"
                                            "DESTINATION_PROTOCOL = line\n"
                                            "MAX_QUEUE_SIZE = 1e3\n"
                                            "QUEUE_LOW_WATERMARK_PCT = 0.5\n"
                                            "MAX_DATAPOINTS_PER_MESSAGE = 100\n"
                                            "USE_FLOW_CONTROL = False\n"
                                            "CARBON_METRIC_PREFIX = carbon.dc1\n"
                                            "CARBON_METRIC_INTERVAL = 0.5\n"
                                            "LOG_LISTENER_CONN_SUCCESS = False\n"
                                            "MIN_TIMESTAMP_RESOLUTION = 10\n"
                                            "TCP_KEEPALIVE = False\n"
                                            "TCP_KEEPIDLE = 11\n"
                                            "TCP_KEEPINTVL = 31\n"
                                            "TCP_KEEPCNT = 3\n"
                                            "USER = _graphite\n"
                                            "PID_DIR = /var/run/\n"
                                            "WORKERS = 4\n"
                                            "RELAY_RULES = /srv/rules.conf\n"
                                            "AGGREGATION_RULES = agg.conf\n"));
  EXPECT_THAT(config.warnings, IsEmpty());
  EXPECT_EQ(config.line_receiver.interface, "127.0.0.1");
  EXPECT_EQ(config.line_receiver.port, 2013);
  EXPECT_EQ(config.pickle_receiver.interface, "::1");
  EXPECT_EQ(config.pickle_receiver.port, 0);
  EXPECT_TRUE(config.enable_udp_listener);
  EXPECT_EQ(config.udp_receiver.interface, "10.0.0.1");
  EXPECT_EQ(config.udp_receiver.port, 2003);
  EXPECT_EQ(config.pickle_receiver_max_length, 2000000);
  EXPECT_EQ(config.max_receiver_connections, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(config.relay_method, RelayMethod::kConsistentHashing);
  EXPECT_EQ(config.hash_type, HashType::kFnv1aCh);
  EXPECT_EQ(config.replication_factor, 0);
  EXPECT_FALSE(config.diverse_replicas);
  ASSERT_EQ(config.destinations.size(), 2u);
  EXPECT_EQ(config.destinations[0].server, "127.0.0.1");
  EXPECT_EQ(config.destinations[0].port, 2104);
  EXPECT_EQ(config.destinations[0].instance, "a");
  EXPECT_EQ(config.destinations[0].protocol, WireProtocol::kLine);
  EXPECT_EQ(config.destinations[1].server, "::1");
  EXPECT_EQ(config.destinations[1].text, "[::1]:2204:b");
  EXPECT_EQ(config.max_queue_size, 1000);
  EXPECT_EQ(config.queue_low_watermark_pct, 0.5);
  EXPECT_EQ(config.max_datapoints_per_message, 100);
  EXPECT_FALSE(config.use_flow_control);
  EXPECT_EQ(config.carbon_metric_prefix, "carbon.dc1");
  EXPECT_EQ(config.carbon_metric_interval, 0.5);
  EXPECT_FALSE(config.log_listener_conn_success);
  EXPECT_EQ(config.min_timestamp_resolution, 10);
  EXPECT_FALSE(config.tcp_keepalive);
  EXPECT_EQ(config.tcp_keepidle, 11);
  EXPECT_EQ(config.tcp_keepintvl, 31);
  EXPECT_EQ(config.tcp_keepcnt, 3);
  EXPECT_EQ(config.user, "_graphite");
  EXPECT_EQ(config.pid_dir, "/var/run/");
  EXPECT_EQ(config.workers, 4);
  EXPECT_EQ(config.conf_dir, "/etc/carbon");
  EXPECT_EQ(config.relay_rules_path, "/srv/rules.conf");
  EXPECT_EQ(config.aggregation_rules_path, "/etc/carbon/agg.conf");
}

TEST(CarbonConfigSettingsTest, RelayMethod) {
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATIONS = h:1\nRELAY_METHOD = bogus\n"),
              HasSubstr("/etc/carbon/carbon.conf:3: In carbon.conf, RELAY_METHOD must be one of "
                        "rules, consistent-hashing, aggregated-consistent-hashing, fast-hashing, "
                        "fast-aggregated-hashing. Invalid value: 'bogus'"));
  EXPECT_THAT(ErrorOf("[relay]\nRELAY_METHOD = 1e3\n"), HasSubstr("Invalid value: '1000.0'"));
  EXPECT_THAT(ErrorOf("[relay]\nRELAY_METHOD = Rules\n"), HasSubstr("Invalid value: 'Rules'"));
  for (const char* method : {"aggregated-consistent-hashing", "fast-aggregated-hashing"}) {
    EXPECT_THAT(ErrorOf(absl::StrCat("[relay]\n\nRELAY_METHOD = ", method, "\n")),
                AllOf(HasSubstr("/etc/carbon/carbon.conf:3: RELAY_METHOD = "), HasSubstr(method),
                      HasSubstr("not support yet")));
  }
  ASSERT_OK_AND_ASSIGN(Config fast, Apply("[relay]\nRELAY_METHOD = fast-hashing\n"
                                          "DESTINATIONS = h:1\n"));
  EXPECT_EQ(fast.relay_method, RelayMethod::kFastHashing);
}

TEST(CarbonConfigSettingsTest, RouterHashType) {
  struct Case {
    const char* lines;
    HashType want;
    bool warns;
  };
  const Case cases[] = {
      {"", HashType::kCarbonCh, false},
      {"RELAY_METHOD = consistent-hashing\n", HashType::kCarbonCh, false},
      {"RELAY_METHOD = fast-hashing\n", HashType::kMmh3Ch, false},
      {"RELAY_METHOD = fast-hashing\nROUTER_HASH_TYPE = carbon_ch\n", HashType::kCarbonCh, false},
      {"ROUTER_HASH_TYPE = mmh3_ch\n", HashType::kMmh3Ch, false},
      {"ROUTER_HASH_TYPE = fnv1a_ch\n", HashType::kFnv1aCh, false},
      // Falsy in Python, so the method's default applies.
      {"RELAY_METHOD = fast-hashing\nROUTER_HASH_TYPE =\n", HashType::kMmh3Ch, false},
      {"RELAY_METHOD = fast-hashing\nROUTER_HASH_TYPE = 0\n", HashType::kMmh3Ch, false},
      {"RELAY_METHOD = fast-hashing\nROUTER_HASH_TYPE = 0.0\n", HashType::kMmh3Ch, false},
      // Anything else is carbon_ch, whatever the method.
      {"ROUTER_HASH_TYPE = jump_fnv1a_ch\n", HashType::kCarbonCh, true},
      {"RELAY_METHOD = fast-hashing\nROUTER_HASH_TYPE = FNV1A_CH\n", HashType::kCarbonCh, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.lines);
    ASSERT_OK_AND_ASSIGN(Config config,
                         Apply(absl::StrCat("[relay]\nDESTINATIONS = h:1\n", c.lines)));
    EXPECT_EQ(config.hash_type, c.want);
    if (c.warns) {
      EXPECT_THAT(config.warnings,
                  ElementsAre(AllOf(HasSubstr("carbon.conf:"), HasSubstr("ROUTER_HASH_TYPE"),
                                    HasSubstr("carbon_ch"))));
    } else {
      EXPECT_THAT(config.warnings, IsEmpty());
    }
  }
}

TEST(CarbonConfigSettingsTest, DestinationProtocol) {
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATION_PROTOCOL = udp\nDESTINATIONS = h:1\n"),
              HasSubstr("/etc/carbon/carbon.conf:2: In carbon.conf, DESTINATION_PROTOCOL must be "
                        "one of pickle, line. Invalid value: 'udp'"));
  ASSERT_OK_AND_ASSIGN(Config config,
                       Apply("[relay]\nDESTINATION_PROTOCOL = line\n"
                             "DESTINATIONS = a:1, b:2?protocol=pickle, c:3?prefix=x.\n"));
  ASSERT_EQ(config.destinations.size(), 3u);
  EXPECT_EQ(config.destinations[0].protocol, WireProtocol::kLine);
  EXPECT_EQ(config.destinations[1].protocol, WireProtocol::kPickle);
  EXPECT_EQ(config.destinations[2].protocol, WireProtocol::kLine);
  EXPECT_EQ(config.destinations[2].prefix, "x.");
  ASSERT_OK_AND_ASSIGN(Config pickle, Apply("[relay]\nDESTINATIONS = a:1\n"));
  EXPECT_EQ(pickle.destinations[0].protocol, WireProtocol::kPickle);
}

TEST(CarbonConfigSettingsTest, DestinationErrors) {
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATIONS = a:1,\n"),
              AllOf(HasSubstr("/etc/carbon/carbon.conf:2: DESTINATIONS: empty destination"),
                    HasSubstr("trailing comma")));
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATIONS =\n"), HasSubstr("empty destination"));
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATIONS = localhost\n"),
              HasSubstr("invalid literal for int() with base 10: 'localhost'"));
  // No inline comments: the comment becomes part of the port.
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATIONS = a:1 # x\n"),
              AllOf(HasSubstr("carbon.conf:2: DESTINATIONS:"), HasSubstr("'a:1 # x'"),
                    HasSubstr("invalid literal for int() with base 10: '1 # x'")));
  // Multi-line DESTINATIONS: the line is where the key starts.
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATIONS = a:1,\n  b:2,\n  c\n"),
              AllOf(HasSubstr("carbon.conf:2:"), HasSubstr("'c'")));
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATIONS = tls://h:1\n"), HasSubstr("not supported yet"));
}

TEST(CarbonConfigSettingsTest, DuplicateDestinations) {
  EXPECT_THAT(ErrorOf("[relay]\nRELAY_METHOD = consistent-hashing\n"
                      "DESTINATIONS = 127.0.0.1:2104, 127.0.0.1:2204\n"),
              HasSubstr("/etc/carbon/carbon.conf:3: DESTINATIONS: destination instance "
                        "(127.0.0.1, None) already configured"));
  EXPECT_THAT(ErrorOf("[relay]\nRELAY_METHOD = fast-hashing\n"
                      "DESTINATIONS = h:1:a, h:2:a\n"),
              HasSubstr("destination instance (h, a) already configured"));
  ASSERT_OK_AND_ASSIGN(Config distinct, Apply("[relay]\nRELAY_METHOD = consistent-hashing\n"
                                              "DESTINATIONS = h:1:a, h:1:b, h:1, g:1\n"));
  EXPECT_EQ(distinct.destinations.size(), 4u);
  // The rules method keeps whole triples, and carbon connects to a repeated one once.
  ASSERT_OK_AND_ASSIGN(Config rules,
                       Apply("[relay]\nDESTINATIONS = 127.0.0.1:2104, 127.0.0.1:2204, "
                             "127.0.0.1:2104\n"));
  ASSERT_EQ(rules.destinations.size(), 2u);
  EXPECT_THAT(rules.warnings,
              ElementsAre(AllOf(HasSubstr("carbon.conf:2:"), HasSubstr("127.0.0.1:2104 twice"))));
  EXPECT_THAT(ErrorOf("[relay]\nDESTINATIONS = h:1?prefix=a., h:1?prefix=b.\n"),
              HasSubstr("same destination with different options"));
}

TEST(CarbonConfigSettingsTest, UnsupportedSettingsAreRefused) {
  struct Case {
    const char* line;
    const char* why;
  };
  const Case cases[] = {
      {"DESTINATION_TRANSPORT = ssl", "TLS to destinations is not supported yet"},
      {"DESTINATION_TRANSPORT = tls", "only none is supported"},
      {"DESTINATION_POOL_REPLICAS = True", "not supported yet"},
      {"DYNAMIC_ROUTER = yes", "not supported yet"},
      {"USE_INSECURE_UNPICKLER = True", "execute code"},
      {"USE_WHITELIST = 1", "not supported yet"},
      {"METRIC_CLIENT_IDLE_TIMEOUT = 30", "not supported yet"},
      {"TAG_RELAY_NORMALIZED = on", "not supported yet"},
      {"USE_RATIO_RESET = True", "not supported yet"},
      {"ENABLE_MANHOLE = True", "not supported"},
      {"ENABLE_AMQP = True", "AMQP"},
  };
  for (const Case& c : cases) {
    const std::string line = c.line;
    EXPECT_THAT(ErrorOf(absl::StrCat("[relay]\nDESTINATIONS = h:1\n", line, "\n")),
                AllOf(HasSubstr(absl::StrCat("/etc/carbon/carbon.conf:3: ", line, ": ")),
                      HasSubstr(c.why)));
  }
  ASSERT_OK_AND_ASSIGN(Config config, Apply("[relay]\nDESTINATIONS = h:1\n"
                                            "DESTINATION_TRANSPORT = none\n"
                                            "DESTINATION_POOL_REPLICAS = False\n"
                                            "DYNAMIC_ROUTER = False\n"
                                            "USE_INSECURE_UNPICKLER = False\n"
                                            "USE_WHITELIST = False\n"
                                            "TAG_RELAY_NORMALIZED = False\n"
                                            "USE_RATIO_RESET = False\n"
                                            "ENABLE_MANHOLE = False\n"
                                            "ENABLE_AMQP = False\n"));
  EXPECT_THAT(config.warnings, IsEmpty());
}

TEST(CarbonConfigSettingsTest, AcceptedWithoutEffect) {
  ASSERT_OK_AND_ASSIGN(Config config, Apply("[relay]\nDESTINATIONS = h:1\n"
                                            "TIME_TO_DEFER_SENDING = 0.0001\n"
                                            "DYNAMIC_ROUTER_MAX_RETRIES = 5\n"
                                            "DESTINATION_SSL_CA = /etc/ssl/ca.pem\n"
                                            "MIN_RESET_STAT_FLOW = 1000\n"
                                            "MIN_RESET_RATIO = 0.9\n"
                                            "MIN_RESET_INTERVAL = 121\n"
                                            "CACHE_METRIC_NAMES_MAX = 0\n"
                                            "CACHE_METRIC_NAMES_TTL = 0\n"
                                            "STORAGE_DIR = /var/lib/graphite/\n"
                                            "LOCAL_DATA_DIR = /var/lib/graphite/whisper/\n"
                                            "WHITELISTS_DIR = /var/lib/graphite/lists\n"
                                            "LOG_DIR = /var/log/carbon/\n"
                                            "ENABLE_LOGROTATION = False\n"
                                            "RAVEN_DSN = https://x@sentry/1\n"
                                            "MANHOLE_INTERFACE = 127.0.0.1\n"
                                            "MANHOLE_PORT = 7222\n"
                                            "MANHOLE_USER = admin\n"
                                            "MANHOLE_PUBLIC_KEY = ssh-rsa x\n"
                                            "MANHOLE_HOST_KEY_DIR = /etc\n"
                                            "DATABASE = whisper\n"
                                            "GRAPHITE_URL = http://127.0.0.1:80\n"
                                            "GRAPHITE_ROOT = /opt/graphite\n"));
  EXPECT_THAT(config.warnings, IsEmpty());
  EXPECT_EQ(config.pid_dir, "");  // carbon's default is STORAGE_DIR; we write no pid file
}

TEST(CarbonConfigSettingsTest, WarnsAboutForeignAndUnknownKeys) {
  ASSERT_OK_AND_ASSIGN(Config config, Apply("[relay]\n"
                                            "DESTINATIONS = h:1\n"
                                            "MAX_CACHE_SIZE = inf\n"
                                            "WHISPER_AUTOFLUSH = False\n"
                                            "ENABLE_TAGS = True\n"
                                            "BIND_PATTERNS = #\n"
                                            "CACHE_WRITE_STRATEGY = sorted\n"
                                            "REWRITE_RULES = rewrite-rules.conf\n"
                                            "DESTINATIONS_POOL_REPLICAS = False\n"));
  EXPECT_THAT(config.warnings,
              ElementsAre(HasSubstr("carbon.conf:3: MAX_CACHE_SIZE in [relay] is ignored: not a "
                                    "relay setting"),
                          HasSubstr("carbon.conf:4: WHISPER_AUTOFLUSH"),
                          HasSubstr("carbon.conf:5: ENABLE_TAGS"),
                          HasSubstr("carbon.conf:6: BIND_PATTERNS"),
                          HasSubstr("carbon.conf:7: CACHE_WRITE_STRATEGY"),
                          HasSubstr("carbon.conf:8: REWRITE_RULES"),
                          HasSubstr("carbon.conf:9: unknown key DESTINATIONS_POOL_REPLICAS in "
                                    "[relay] is ignored.")));
}

TEST(CarbonConfigSettingsTest, Paths) {
  ASSERT_OK_AND_ASSIGN(Config config, Apply("[relay]\nDESTINATIONS = h:1\n"));
  EXPECT_EQ(config.conf_dir, "/etc/carbon");
  EXPECT_EQ(config.relay_rules_path, "/etc/carbon/relay-rules.conf");
  EXPECT_EQ(config.aggregation_rules_path, "/etc/carbon/aggregation-rules.conf");

  ASSERT_OK_AND_ASSIGN(Config conf_dir, Apply("[relay]\nDESTINATIONS = h:1\nCONF_DIR = /srv/conf/\n"
                                              "RELAY_RULES = rules/relay.conf\n"));
  EXPECT_EQ(conf_dir.conf_dir, "/srv/conf/");
  EXPECT_EQ(conf_dir.relay_rules_path, "/srv/conf/rules/relay.conf");

  // CONF_DIR is os.path.dirname(os.path.normpath(config)), joined with os.path.join.
  EXPECT_EQ(RulesPathFor("carbon.conf"), "relay-rules.conf");
  EXPECT_EQ(RulesPathFor("/carbon.conf"), "/relay-rules.conf");
  EXPECT_EQ(RulesPathFor("conf//./x/../carbon.conf"), "conf/relay-rules.conf");
  EXPECT_EQ(RulesPathFor("//srv/carbon.conf"), "//srv/relay-rules.conf");
  EXPECT_EQ(RulesPathFor("../etc/carbon.conf"), "../etc/relay-rules.conf");
}

TEST(CarbonConfigSettingsTest, PidDirExpandsHome) {
  const char* old_home = getenv("HOME");
  const std::string saved = old_home == nullptr ? "" : old_home;
  setenv("HOME", "/home/graphite", 1);
  ASSERT_OK_AND_ASSIGN(Config config, Apply("[relay]\nDESTINATIONS = h:1\nPID_DIR = ~/run\n"));
  EXPECT_EQ(config.pid_dir, "/home/graphite/run");
  if (old_home == nullptr) {
    unsetenv("HOME");
  } else {
    setenv("HOME", saved.c_str(), 1);
  }
}

}  // namespace
}  // namespace fullerene::core
