#include "net/ingest.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "codec/line/line_decoder.h"
#include "core/route/router.h"
#include "gtest/gtest.h"
#include "tests/net/relay_state_fixture.h"

namespace fullerene::net {
namespace {

struct Line {
  std::string name;
  double value;
  double timestamp;
};

struct LineCollector {
  std::vector<Line> lines;
  void OnMetric(const core::MetricView& m) {
    lines.push_back(Line{std::string(m.name), m.value, m.timestamp});
  }
  void OnBadLine(codec::LineStatus, absl::string_view line) {
    ADD_FAILURE() << "relay wrote a bad line: " << line;
  }
};

// A relay with line destinations (so batches are easy to read back) and a default rule to
// `rule_destinations`.
class IngestTest : public ::testing::Test {
 protected:
  void Build(std::vector<uint32_t> rule_destinations, int64_t max_queue_size = 1000,
             int64_t resolution = 0) {
    core::Config config;
    config.max_queue_size = max_queue_size;
    config.min_timestamp_resolution = resolution;
    config.destinations.push_back(
        TestDestination("127.0.0.1", 2004, "a", core::WireProtocol::kLine));
    config.destinations.push_back(
        TestDestination("127.0.0.1", 2104, "b", core::WireProtocol::kLine));
    core::RelayRule rule;
    rule.name = "default";
    rule.is_default = true;
    rule.destinations = std::move(rule_destinations);
    config.rules.push_back(rule);
    state_ = MakeRelayState(std::move(config));
    auto router = core::Router::Create(state_->config);
    ASSERT_TRUE(router.ok()) << router.status();
    router_ = *std::move(router);
    builder_ = std::make_unique<BatchBuilder>(*state_, pool_);
    ingest_ = std::make_unique<Ingest>(*state_, *router_, *builder_, *state_->stats[0]);
    ingest_->SetNow(1800000000.25);
  }

  void Send(absl::string_view name, double timestamp, double value) {
    ingest_->OnMetric(core::MetricView{name, timestamp, value});
  }

  // What was encoded for `destination`, decoded back.
  std::vector<Line> Sent(uint32_t destination) {
    builder_->CloseAll();
    LineCollector collector;
    codec::LineStreamDecoder decoder;
    for (Batch* batch : builder_->closed()) {
      if (batch->destination == destination) {
        EXPECT_TRUE(decoder.Feed(batch->bytes.view(), collector));
      }
    }
    return collector.lines;
  }

  WorkerStats& worker() { return state_->stats[0]->worker; }
  DestinationStats& destination(int d) { return state_->stats[0]->destinations[d]; }

  void TearDown() override {
    if (builder_ != nullptr) {
      builder_->CloseAll();
      for (Batch* batch : builder_->closed()) {
        pool_.Put(batch);
      }
    }
  }

  std::unique_ptr<RelayState> state_;
  std::unique_ptr<core::Router> router_;
  BatchPool pool_;
  std::unique_ptr<BatchBuilder> builder_;
  std::unique_ptr<Ingest> ingest_;
};

TEST_F(IngestTest, RoutesToEveryDestinationOfTheRuleAndCounts) {
  Build({0, 1});
  Send("a.b", 1700000000, 2.5);
  EXPECT_EQ(worker().metrics_received.Get(), 1u);
  EXPECT_EQ(destination(0).attempted_relays.Get(), 1u);
  EXPECT_EQ(destination(1).attempted_relays.Get(), 1u);
  ASSERT_EQ(Sent(0).size(), 1u);
  EXPECT_EQ(Sent(1).size(), 1u);
}

TEST_F(IngestTest, DropsNanValuesAndCountsThem) {
  Build({0});
  Send("a.b", 1700000000, std::nan(""));
  EXPECT_EQ(worker().nan_values.Get(), 1u);
  EXPECT_EQ(worker().metrics_received.Get(), 0u);
  EXPECT_TRUE(Sent(0).empty());
}

TEST_F(IngestTest, DropsNonFiniteTimestampsAndCountsThem) {
  Build({0});
  Send("a.b", std::numeric_limits<double>::infinity(), 1);
  Send("a.b", std::nan(""), 1);
  EXPECT_EQ(worker().bad_timestamps.Get(), 2u);
  EXPECT_TRUE(Sent(0).empty());
}

TEST_F(IngestTest, MinusOneMeansNowAsCarbonTruncates) {
  Build({0});
  Send("minus.one", -1, 1);
  Send("minus.one.and.a.half", -1.5, 2);
  Send("minus.two", -2, 3);
  const std::vector<Line> sent = Sent(0);
  ASSERT_EQ(sent.size(), 3u);
  // Line output truncates the timestamp: now (1800000000.25) is written as 1800000000.
  EXPECT_EQ(sent[0].timestamp, 1800000000);
  EXPECT_EQ(sent[1].timestamp, 1800000000);
  EXPECT_EQ(sent[2].timestamp, -2);
}

TEST_F(IngestTest, MinTimestampResolutionFloorsLikePython) {
  Build({0}, 1000, /*resolution=*/60);
  Send("a", 1700000059.9, 1);
  Send("b", -61, 1);
  const std::vector<Line> sent = Sent(0);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].timestamp, 1700000040);
  EXPECT_EQ(sent[1].timestamp, -120);  // int(-61) // 60 * 60 in Python
}

TEST_F(IngestTest, FullQueueDropsTheNewestAndCountsThem) {
  Build({0}, /*max_queue_size=*/3);
  for (int i = 0; i < 5; ++i) {
    Send("q." + std::to_string(i), 1700000000, i);
  }
  EXPECT_EQ(destination(0).full_queue_drops.Get(), 2u);
  EXPECT_EQ(destination(0).attempted_relays.Get(), 5u);
  EXPECT_EQ(destination(0).max_queue_length.Get(), 3u);
  const std::vector<Line> sent = Sent(0);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].name, "q.0");
  EXPECT_EQ(sent[2].name, "q.2");
}

TEST_F(IngestTest, TheSharedQueueCountsAgainstTheLimitToo) {
  Build({0}, /*max_queue_size=*/3);
  state_->destinations[0]->queued.store(2);  // queued by other workers
  Send("a", 1700000000, 1);
  Send("b", 1700000000, 1);
  EXPECT_EQ(destination(0).full_queue_drops.Get(), 1u);
}

TEST_F(IngestTest, CountsDatapointsQueuedWhileNotConnected) {
  Build({0, 1});
  state_->destinations[1]->connected.store(true);
  Send("a", 1700000000, 1);
  EXPECT_EQ(destination(0).queued_until_connected.Get(), 1u);
  EXPECT_EQ(destination(1).queued_until_connected.Get(), 0u);
}

TEST_F(IngestTest, UnroutableDatapointsAreDroppedAndCounted) {
  Build({});
  Send("nowhere", 1700000000, 1);
  EXPECT_EQ(worker().unroutable.Get(), 1u);
  EXPECT_EQ(worker().metrics_received.Get(), 1u);
}

TEST_F(IngestTest, SelfMetricsAreRelayedButNotCountedAsReceived) {
  Build({0});
  ingest_->RelaySelfMetric("carbon.relays.h-a.metricsReceived", 42);
  EXPECT_EQ(worker().metrics_received.Get(), 0u);
  EXPECT_EQ(destination(0).attempted_relays.Get(), 1u);
  const std::vector<Line> sent = Sent(0);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].value, 42);
  EXPECT_EQ(sent[0].timestamp, 1800000000);
}

TEST_F(IngestTest, BadLinesAreCountedByKind) {
  Build({0});
  ingest_->OnBadLine(codec::LineStatus::kFieldCount, "a b");
  ingest_->OnBadLine(codec::LineStatus::kBadUtf8, "\xff 1 2");
  EXPECT_EQ(worker().lines_invalid.Get(), 2u);
  EXPECT_EQ(worker().lines_bad_utf8.Get(), 1u);
  ingest_->OnBadItem(codec::PickleItemError::kNotPair);
  EXPECT_EQ(worker().pickle_items_invalid.Get(), 1u);
}

}  // namespace
}  // namespace fullerene::net
