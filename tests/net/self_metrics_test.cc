#include "net/self_metrics.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/net/relay_state_fixture.h"

namespace fullerene::net {
namespace {

using ::testing::Contains;
using ::testing::Key;
using ::testing::Not;

std::map<std::string, double> Collect(SelfMetrics& metrics, absl::Time now) {
  std::map<std::string, double> out;
  metrics.Collect(now, [&](absl::string_view name, double value) {
    out[std::string(name)] = value;
  });
  return out;
}

TEST(SelfMetricsTest, EmitsCarbonsNamesPerInterval) {
  core::Config config;
  config.carbon_metric_prefix = "carbon";
  config.instance = "a";
  config.destinations.push_back(
      TestDestination("127.0.0.1", 2004, "a", core::WireProtocol::kPickle));
  auto state = MakeRelayState(std::move(config), /*workers=*/2);
  const absl::Time start = absl::FromUnixSeconds(1800000000);
  SelfMetrics metrics(*state, start);
  EXPECT_EQ(metrics.next_due(), start + absl::Seconds(60));

  state->stats[0]->worker.metrics_received.Add(7);
  state->stats[1]->worker.metrics_received.Add(3);
  state->stats[0]->destinations[0].attempted_relays.Add(10);
  state->stats[1]->destinations[0].sent.Add(4);
  state->stats[1]->destinations[0].max_queue_length.Max(9);
  state->stats[0]->worker.active_connections.Set(2);

  const std::string base = "carbon.relays." + CarbonHostName() + "-a.";
  const std::string dest = base + "destinations.127_0_0_1:2004:a.";
  std::map<std::string, double> first = Collect(metrics, start + absl::Seconds(60));
  EXPECT_EQ(first[base + "metricsReceived"], 10);
  EXPECT_EQ(first[base + "activeConnections"], 2);
  EXPECT_EQ(first[dest + "attemptedRelays"], 10);
  EXPECT_EQ(first[dest + "sent"], 4);
  EXPECT_EQ(first[dest + "relayMaxQueueLength"], 9);
  EXPECT_THAT(first, Not(Contains(Key(dest + "fullQueueDrops"))));  // not touched
  EXPECT_THAT(first, Contains(Key(base + "cpuUsage")));
  // fullerene's own figures.
  EXPECT_EQ(first[dest + "queued"], 0);
  EXPECT_EQ(first[dest + "dropped"], 0);
  EXPECT_EQ(first[base + "workers.0.received"], 7);
  EXPECT_EQ(first[base + "workers.1.received"], 3);
  EXPECT_THAT(first, Contains(Key(base + "workers.1.parseErrors")));
  EXPECT_GT(first[base + "memUsage"], 0);

  // Counters are per interval: nothing new, nothing but the always-emitted figures.
  state->stats[1]->worker.lines_invalid.Add(2);
  state->stats[0]->destinations[0].full_queue_drops.Add(5);
  state->destinations[0]->queued.store(42);
  std::map<std::string, double> second = Collect(metrics, start + absl::Seconds(120));
  EXPECT_EQ(second[base + "metricsReceived"], 0);
  EXPECT_EQ(second[base + "workers.1.parseErrors"], 2);
  EXPECT_EQ(second[base + "workers.0.received"], 0);
  EXPECT_EQ(second[dest + "dropped"], 5);
  EXPECT_EQ(second[dest + "fullQueueDrops"], 5);
  EXPECT_EQ(second[dest + "queued"], 42);
  EXPECT_THAT(second, Not(Contains(Key(dest + "attemptedRelays"))));
  EXPECT_EQ(metrics.next_due(), start + absl::Seconds(180));
}

TEST(SelfMetricsTest, HostNameHasNoDots) {
  EXPECT_EQ(CarbonHostName().find('.'), std::string::npos);
}

}  // namespace
}  // namespace fullerene::net
