#include "core/route/router.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/config/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace fullerene::core {
namespace {

using ::fullerene::testing::IsOk;
using ::fullerene::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// COMPAT §1.9 B: 127.0.0.1:2104, 127.0.0.2:2204, 127.0.0.3:2304, carbon_ch, RF 1.
Config ThreeHostConfig(RelayMethod method) {
  Config config;
  config.config_path = "/etc/carbon/carbon.conf";
  config.relay_method = method;
  for (int i = 1; i <= 3; ++i) {
    DestinationSpec spec;
    spec.server = absl::StrCat("127.0.0.", i);
    spec.port = 2004 + 100 * i;
    config.destinations.push_back(spec);
  }
  return config;
}

TEST(RouterTest, CreateDispatchesOnRelayMethod) {
  Config rules = ThreeHostConfig(RelayMethod::kRules);
  RelayRule default_rule;
  default_rule.name = "default";
  default_rule.is_default = true;
  default_rule.destinations = {1};
  rules.rules = {default_rule};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> by_rules, Router::Create(rules));
  DestinationSet out;
  by_rules->Route("foo.bar", &out);
  EXPECT_THAT(out, ElementsAre(1));

  // foo.bar goes to 127.0.0.2 by consistent hashing and to 127.0.0.3 by fast hashing
  // (tests/testdata/compat/vectors.json, noinst_3hosts carbon_ch rf1).
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> consistent,
                       Router::Create(ThreeHostConfig(RelayMethod::kConsistentHashing)));
  consistent->Route("foo.bar", &out);
  EXPECT_THAT(out, ElementsAre(1));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> fast,
                       Router::Create(ThreeHostConfig(RelayMethod::kFastHashing)));
  fast->Route("foo.bar", &out);
  EXPECT_THAT(out, ElementsAre(2));
}

TEST(RouterTest, HashingMethodsRefuseRepeatedNodes) {
  Config config = ThreeHostConfig(RelayMethod::kConsistentHashing);
  config.destinations[1].server = "127.0.0.1";
  EXPECT_THAT(Router::Create(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("destination instance (127.0.0.1, None) already configured")));
  // The rules method keeps whole triples and accepts the same list (COMPAT §1.1).
  config.relay_method = RelayMethod::kRules;
  EXPECT_THAT(Router::Create(config), IsOk());
}

TEST(RouterTest, AggregatedMethodsAreNotSupportedYet) {
  EXPECT_THAT(Router::Create(ThreeHostConfig(RelayMethod::kAggregatedConsistentHashing)),
              StatusIs(absl::StatusCode::kUnimplemented,
                       "/etc/carbon/carbon.conf: RELAY_METHOD = aggregated-consistent-hashing "
                       "is not supported yet"));
  EXPECT_THAT(Router::Create(ThreeHostConfig(RelayMethod::kFastAggregatedHashing)),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("RELAY_METHOD = fast-aggregated-hashing is not supported yet")));
}

}  // namespace
}  // namespace fullerene::core
