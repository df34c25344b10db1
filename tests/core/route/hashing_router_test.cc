#include "core/route/hashing_router.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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

using ::fullerene::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr absl::string_view kUnicodeMetric = "\u00fcn\u00efcode.metric";  // ünïcode.metric

DestinationSpec Destination(std::string server, int64_t port, std::optional<std::string> instance) {
  DestinationSpec spec;
  spec.server = std::move(server);
  spec.port = port;
  spec.instance = std::move(instance);
  return spec;
}

// Destination ids 0..3 are a..d of COMPAT §1.9 A.
constexpr DestinationId kA = 0;
constexpr DestinationId kB = 1;
constexpr DestinationId kC = 2;
constexpr DestinationId kD = 3;

Config Inst4Config(RelayMethod method, HashType type, int64_t rf, bool diverse) {
  Config config;
  config.relay_method = method;
  config.hash_type = type;
  config.replication_factor = rf;
  config.diverse_replicas = diverse;
  config.destinations = {Destination("127.0.0.1", 2104, "a"), Destination("127.0.0.1", 2204, "b"),
                         Destination("127.0.0.1", 2304, "c"), Destination("127.0.0.1", 2404, "d")};
  return config;
}

// COMPAT §1.9 B: three hosts, no instances.
Config ThreeHostConfig(RelayMethod method, HashType type, int64_t rf) {
  Config config;
  config.relay_method = method;
  config.hash_type = type;
  config.replication_factor = rf;
  config.destinations = {Destination("127.0.0.1", 2104, std::nullopt),
                         Destination("127.0.0.2", 2204, std::nullopt),
                         Destination("127.0.0.3", 2304, std::nullopt)};
  return config;
}

DestinationSet RouteOf(const Router& router, absl::string_view metric) {
  DestinationSet out = {99, 98};  // Route() replaces whatever was there
  router.Route(metric, &out);
  return out;
}

TEST(HashingRouterTest, ConsistentHashingMatchesCompatTableA) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> carbon_ch,
                       CreateConsistentHashingRouter(Inst4Config(RelayMethod::kConsistentHashing,
                                                                 HashType::kCarbonCh, 2, false)));
  EXPECT_THAT(RouteOf(*carbon_ch, "foo.bar"), ElementsAre(kD, kC));
  EXPECT_THAT(RouteOf(*carbon_ch, "servers.web01.cpu.user"), ElementsAre(kD, kA));
  EXPECT_THAT(RouteOf(*carbon_ch, "a"), ElementsAre(kA, kC));
  EXPECT_THAT(RouteOf(*carbon_ch, ""), ElementsAre(kD, kA));
  EXPECT_THAT(RouteOf(*carbon_ch, kUnicodeMetric), ElementsAre(kA, kB));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> fnv1a_ch,
                       CreateConsistentHashingRouter(Inst4Config(RelayMethod::kConsistentHashing,
                                                                 HashType::kFnv1aCh, 2, false)));
  EXPECT_THAT(RouteOf(*fnv1a_ch, "foo.bar"), ElementsAre(kC, kD));
  EXPECT_THAT(RouteOf(*fnv1a_ch, ""), ElementsAre(kB, kA));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> mmh3_ch,
                       CreateConsistentHashingRouter(Inst4Config(RelayMethod::kConsistentHashing,
                                                                 HashType::kMmh3Ch, 2, false)));
  EXPECT_THAT(RouteOf(*mmh3_ch, "foo.bar"), ElementsAre(kC, kB));
  EXPECT_THAT(RouteOf(*mmh3_ch, kUnicodeMetric), ElementsAre(kD, kC));
}

TEST(HashingRouterTest, CollisionVectorsFollowTheProbe) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router,
                       CreateConsistentHashingRouter(Inst4Config(RelayMethod::kConsistentHashing,
                                                                 HashType::kCarbonCh, 1, true)));
  // COMPAT §1.8/§1.9: collide.108384 goes to d in carbon 1.1.7 (carbon-c-relay sends it to a).
  EXPECT_THAT(RouteOf(*router, "collide.29498"), ElementsAre(kB));
  EXPECT_THAT(RouteOf(*router, "collide.108384"), ElementsAre(kD));
}

TEST(HashingRouterTest, DiverseReplicasCompareServerStrings) {
  // COMPAT §1.5: all four destinations are on 127.0.0.1, so RF 2 diverse yields one.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router,
                       CreateConsistentHashingRouter(Inst4Config(RelayMethod::kConsistentHashing,
                                                                 HashType::kCarbonCh, 2, true)));
  EXPECT_THAT(RouteOf(*router, "foo.bar"), ElementsAre(kD));
  EXPECT_THAT(RouteOf(*router, "a"), ElementsAre(kA));

  // localhost and 127.0.0.1 are different servers: no resolution (COMPAT §1.1). With c on
  // "localhost", RF 2 diverse is the first node of the ring order plus the first node after it
  // on the other server.
  Config config = Inst4Config(RelayMethod::kConsistentHashing, HashType::kCarbonCh, 4, false);
  config.destinations[kC].server = "localhost";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> order, CreateConsistentHashingRouter(config));
  config.replication_factor = 2;
  config.diverse_replicas = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> mixed, CreateConsistentHashingRouter(config));
  for (int i = 0; i < 100; ++i) {
    const std::string metric = absl::StrCat("metric.", i);
    const DestinationSet all = RouteOf(*order, metric);
    ASSERT_EQ(all.size(), 4u);
    DestinationId second = kC;
    if (all[0] == kC) {
      second = all[1];
    }
    EXPECT_THAT(RouteOf(*mixed, metric), ElementsAre(all[0], second)) << metric;
  }
}

TEST(HashingRouterTest, ReplicationFactorZero) {
  // COMPAT §1.5: diverse checks the count only after the first yield, non-diverse before.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> diverse,
                       CreateConsistentHashingRouter(Inst4Config(RelayMethod::kConsistentHashing,
                                                                 HashType::kCarbonCh, 0, true)));
  EXPECT_THAT(RouteOf(*diverse, "foo.bar"), ElementsAre(kD));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> plain,
                       CreateConsistentHashingRouter(Inst4Config(RelayMethod::kConsistentHashing,
                                                                 HashType::kCarbonCh, 0, false)));
  EXPECT_THAT(RouteOf(*plain, "foo.bar"), IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> fast_diverse,
                       CreateFastHashingRouter(
                           Inst4Config(RelayMethod::kFastHashing, HashType::kCarbonCh, 0, true)));
  EXPECT_THAT(RouteOf(*fast_diverse, "foo.bar"), ElementsAre(kD));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> fast_plain,
                       CreateFastHashingRouter(
                           Inst4Config(RelayMethod::kFastHashing, HashType::kCarbonCh, 0, false)));
  EXPECT_THAT(RouteOf(*fast_plain, "foo.bar"), IsEmpty());
}

TEST(HashingRouterTest, ReplicationFactorAboveWhatExistsYieldsWhatExists) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> plain,
                       CreateConsistentHashingRouter(Inst4Config(RelayMethod::kConsistentHashing,
                                                                 HashType::kCarbonCh, 10, false)));
  EXPECT_THAT(RouteOf(*plain, "foo.bar"), ElementsAre(kD, kC, kB, kA));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> diverse,
                       CreateConsistentHashingRouter(ThreeHostConfig(
                           RelayMethod::kConsistentHashing, HashType::kCarbonCh, 10)));
  EXPECT_THAT(RouteOf(*diverse, "foo.bar"), ElementsAre(1, 2, 0));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> fast,
                       CreateFastHashingRouter(
                           Inst4Config(RelayMethod::kFastHashing, HashType::kCarbonCh, 10, false)));
  EXPECT_THAT(RouteOf(*fast, "foo.bar"), ElementsAre(kD, kB, kC, kA));
}

TEST(HashingRouterTest, Fnv1aWithoutInstancesSendsEverythingToTheFirstNode) {
  // COMPAT §1.9 B, the degenerate fnv1a_ch column.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router,
                       CreateConsistentHashingRouter(ThreeHostConfig(
                           RelayMethod::kConsistentHashing, HashType::kFnv1aCh, 2)));
  for (absl::string_view metric :
       {absl::string_view("foo.bar"), absl::string_view("servers.web01.cpu.user"),
        absl::string_view("a"), absl::string_view(""), kUnicodeMetric}) {
    EXPECT_THAT(RouteOf(*router, metric), ElementsAre(0, 1)) << metric;
  }
}

TEST(HashingRouterTest, FastHashingMatchesCompatTableC) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> carbon_ch,
                       CreateFastHashingRouter(
                           Inst4Config(RelayMethod::kFastHashing, HashType::kCarbonCh, 2, false)));
  EXPECT_THAT(RouteOf(*carbon_ch, "foo.bar"), ElementsAre(kD, kB));
  EXPECT_THAT(RouteOf(*carbon_ch, kUnicodeMetric), ElementsAre(kA, kD));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> fnv1a_ch,
                       CreateFastHashingRouter(
                           Inst4Config(RelayMethod::kFastHashing, HashType::kFnv1aCh, 2, false)));
  EXPECT_THAT(RouteOf(*fnv1a_ch, "foo.bar"), ElementsAre(kA, kC));
  EXPECT_THAT(RouteOf(*fnv1a_ch, "servers.web01.cpu.user"), ElementsAre(kB, kA));
  EXPECT_THAT(RouteOf(*fnv1a_ch, ""), ElementsAre(kC, kD));
  EXPECT_THAT(RouteOf(*fnv1a_ch, kUnicodeMetric), ElementsAre(kD, kB));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Router> mmh3_ch,
      CreateFastHashingRouter(Inst4Config(RelayMethod::kFastHashing, HashType::kMmh3Ch, 2, false)));
  EXPECT_THAT(RouteOf(*mmh3_ch, "foo.bar"), ElementsAre(kB, kC));
  EXPECT_THAT(RouteOf(*mmh3_ch, "a"), ElementsAre(kA, kB));
  EXPECT_THAT(RouteOf(*mmh3_ch, ""), ElementsAre(kC, kD));
  // RF 1 of the same table.
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Router> rf1,
      CreateFastHashingRouter(Inst4Config(RelayMethod::kFastHashing, HashType::kMmh3Ch, 1, true)));
  EXPECT_THAT(RouteOf(*rf1, "servers.web01.cpu.user"), ElementsAre(kB));
}

TEST(HashingRouterTest, SingleDestinationTakesEverything) {
  Config config = ThreeHostConfig(RelayMethod::kConsistentHashing, HashType::kCarbonCh, 2);
  config.destinations.resize(1);
  for (bool diverse : {true, false}) {
    config.diverse_replicas = diverse;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router, CreateConsistentHashingRouter(config));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> fast, CreateFastHashingRouter(config));
    for (absl::string_view metric : {"foo.bar", "a", "", "x.y.z"}) {
      // carbon yields the only node twice (COMPAT §1.4); each destination counts once.
      EXPECT_THAT(RouteOf(*router, metric), ElementsAre(0)) << metric;
      EXPECT_THAT(RouteOf(*fast, metric), ElementsAre(0)) << metric;
    }
  }
}

TEST(HashingRouterTest, NoDestinationsRoutesNowhere) {
  Config config = ThreeHostConfig(RelayMethod::kConsistentHashing, HashType::kCarbonCh, 1);
  config.destinations.clear();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router, CreateConsistentHashingRouter(config));
  EXPECT_THAT(RouteOf(*router, "foo.bar"), IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> fast, CreateFastHashingRouter(config));
  EXPECT_THAT(RouteOf(*fast, "foo.bar"), IsEmpty());
}

TEST(HashingRouterTest, RepeatedServerAndInstanceIsRefusedWithCarbonsText) {
  // COMPAT §1.1: the port is not part of the node key.
  Config config = ThreeHostConfig(RelayMethod::kConsistentHashing, HashType::kCarbonCh, 1);
  config.config_path = "/etc/carbon/carbon.conf";
  config.destinations = {Destination("127.0.0.1", 2104, std::nullopt),
                         Destination("127.0.0.1", 2204, std::nullopt)};
  const std::string expected =
      "/etc/carbon/carbon.conf: DESTINATIONS: destination instance (127.0.0.1, None) already "
      "configured";
  EXPECT_THAT(CreateConsistentHashingRouter(config),
              StatusIs(absl::StatusCode::kInvalidArgument, expected));
  EXPECT_THAT(CreateFastHashingRouter(config),
              StatusIs(absl::StatusCode::kInvalidArgument, expected));

  config.destinations = {Destination("h", 1, "a"), Destination("h", 2, "b"),
                         Destination("h", 3, "a")};
  EXPECT_THAT(CreateConsistentHashingRouter(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("destination instance (h, a) already configured")));
  // An empty instance is not None: ('h', '') and ('h', None) are different nodes.
  config.destinations = {Destination("h", 1, ""), Destination("h", 2, std::nullopt)};
  EXPECT_THAT(CreateConsistentHashingRouter(config), ::fullerene::testing::IsOk());
  config.destinations.push_back(Destination("h", 3, ""));
  EXPECT_THAT(CreateConsistentHashingRouter(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("destination instance (h, ) already configured")));
}

TEST(HashingRouterTest, RouteReusesTheOutputWithoutGrowingIt) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router,
                       CreateConsistentHashingRouter(Inst4Config(RelayMethod::kConsistentHashing,
                                                                 HashType::kCarbonCh, 4, false)));
  DestinationSet out;
  for (int i = 0; i < 1000; ++i) {
    router->Route(absl::StrCat("metric.", i), &out);
    ASSERT_EQ(out.size(), 4u);
  }
  // Four destinations fit the inline storage: nothing went to the heap.
  EXPECT_EQ(out.capacity(), 4u);
}

TEST(HashingRouterTest, RouteKeepsAGrownOutputBuffer) {
  Config config = ThreeHostConfig(RelayMethod::kConsistentHashing, HashType::kCarbonCh, 8);
  config.destinations.clear();
  for (int i = 0; i < 8; ++i) {
    config.destinations.push_back(Destination(absl::StrCat("10.0.0.", i), 2004, std::nullopt));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router, CreateConsistentHashingRouter(config));
  DestinationSet out;
  router->Route("foo.bar", &out);
  ASSERT_EQ(out.size(), 8u);
  const DestinationId* buffer = out.data();
  for (int i = 0; i < 100; ++i) {
    router->Route(absl::StrCat("metric.", i), &out);
    ASSERT_EQ(out.size(), 8u);
    EXPECT_EQ(out.data(), buffer);  // the heap buffer is reused, not freed and allocated again
  }
}

}  // namespace
}  // namespace fullerene::core
