// Destinations that are down (COMPAT §4.1, §4.5): datapoints wait in the destination's queue,
// up to MAX_QUEUE_SIZE, and are delivered once it is reachable again: exactly once, while the
// other destinations carry on. A destination is "down" here either because nothing listens on
// its port (a PortReservation: bound, not listening, so connects are refused) or because its
// Sink was stopped.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/config_text.h"
#include "tests/integration/relay_process.h"
#include "tests/integration/sink.h"
#include "tests/testing/loopback.h"

namespace fullerene::testing {
namespace {

using ::testing::HasSubstr;

std::vector<Datapoint> Numbered(absl::string_view prefix, int n) {
  std::vector<Datapoint> datapoints;
  for (int i = 0; i < n; ++i) {
    datapoints.push_back({absl::StrFormat("%s%04d", prefix, i), 1700000000.0 + i, i + 0.5});
  }
  return datapoints;
}

void SendLines(int port, const std::vector<Datapoint>& datapoints) {
  Client client(port);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(LineText(datapoints)));
  ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20)));
}

// Every datapoint of `expected` arrived at `sink` exactly once, with its value, and nothing
// else did.
void ExpectExactlyOnce(Sink& sink, const std::vector<Datapoint>& expected) {
  std::map<std::string, std::vector<Received>> arrived;
  for (const Received& r : sink.Snapshot()) {
    arrived[r.name].push_back(r);
  }
  size_t missing = 0;
  size_t duplicated = 0;
  size_t changed = 0;
  for (const Datapoint& d : expected) {
    const auto it = arrived.find(d.name);
    if (it == arrived.end()) {
      ++missing;
      continue;
    }
    duplicated += it->second.size() - 1;
    if (it->second[0].value != d.value || it->second[0].timestamp != d.timestamp) {
      ++changed;
    }
    arrived.erase(it);
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicated, 0u);
  EXPECT_EQ(changed, 0u);
  EXPECT_EQ(arrived.size(), 0u) << "unexpected names, e.g. "
                                << (arrived.empty() ? "" : arrived.begin()->first);
  EXPECT_EQ(sink.errors(), 0u);
}

std::vector<Datapoint> Concat(std::vector<Datapoint> a, const std::vector<Datapoint>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class DestinationDownTest : public ::testing::Test {
 protected:
  // The relay with a default rule to `destinations`.
  void StartRelay(CarbonConf conf, const std::vector<std::string>& destinations,
                  const std::string& workers = "2") {
    conf.Listen(ports_);
    for (const std::string& d : destinations) {
      conf.Destination(d);
    }
    RulesConf rules;
    rules.Default(destinations);
    ASSERT_TRUE(relay_.Start(conf.Text(), rules.Text(), {"--workers", workers}).ok())
        << relay_.Stderr();
    ports_.Release();
  }

  ReservedListeners ports_;
  RelayProcess relay_;
};

TEST_F(DestinationDownTest, DownAtStartGetsEverythingQueuedWhenItComesUp) {
  PortReservation down;  // refuses connections until the Sink takes the port
  const std::string destination = DestinationAt(down.port());
  CarbonConf conf;
  conf.Set("MAX_QUEUE_SIZE", "100000");
  const absl::Time start = absl::Now();
  StartRelay(conf, {destination});
  const std::vector<Datapoint> datapoints = Numbered("early.", 5000);
  SendLines(ports_.line.port(), datapoints);
  ASSERT_TRUE(
      relay_.WaitForLog(absl::StrCat("cannot reach destination ", destination), absl::Seconds(20)))
      << relay_.Stderr();
  // The scenario itself: the destination stays down for about three seconds.
  absl::SleepFor(start + absl::Seconds(3) - absl::Now());
  down.Release();
  Sink sink(Sink::Protocol::kPickle, down.port());
  EXPECT_TRUE(sink.WaitForCount(datapoints.size(), absl::Seconds(20)))
      << sink.Count() << " of " << datapoints.size() << "\n"
      << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  ExpectExactlyOnce(sink, datapoints);
  EXPECT_THAT(relay_.Stderr(), HasSubstr(absl::StrCat("connected to destination ", destination)));
  EXPECT_THAT(relay_.Stderr(),
              HasSubstr(absl::StrCat("destination ", destination, ": 5000 datapoints delivered")));
}

TEST_F(DestinationDownTest, DownMidStreamGetsWhatItMissedExactlyOnceWhileOthersCarryOn) {
  Sink flaky(Sink::Protocol::kPickle);
  Sink steady(Sink::Protocol::kPickle);
  StartRelay(CarbonConf(), {SinkAt(flaky), SinkAt(steady)});

  const std::vector<Datapoint> before = Numbered("before.", 1000);
  SendLines(ports_.line.port(), before);
  ASSERT_TRUE(flaky.WaitForCount(before.size(), absl::Seconds(20))) << relay_.Stderr();
  ASSERT_TRUE(steady.WaitForCount(before.size(), absl::Seconds(20))) << relay_.Stderr();

  flaky.Stop();
  // Only once the relay knows the connection is gone is every later datapoint sure to be
  // queued rather than written into a dead socket (carbon loses those too).
  ASSERT_TRUE(relay_.WaitForLog(absl::StrCat("lost connection to destination ", SinkAt(flaky)),
                                absl::Seconds(20)))
      << relay_.Stderr();
  const std::vector<Datapoint> during = Numbered("during.", 1000);
  SendLines(ports_.line.port(), during);
  EXPECT_TRUE(steady.WaitForCount(before.size() + during.size(), absl::Seconds(20)))
      << "the healthy destination stalled: " << steady.Count() << "\n"
      << relay_.Stderr();
  EXPECT_EQ(flaky.Count(), before.size());

  flaky.Start();  // the same port
  EXPECT_TRUE(flaky.WaitForCount(before.size() + during.size(), absl::Seconds(20)))
      << flaky.Count() << "\n"
      << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  ExpectExactlyOnce(flaky, Concat(before, during));
  ExpectExactlyOnce(steady, Concat(before, during));
}

// COMPAT §4.1, verified with carbon: MAX_QUEUE_SIZE = 100 and the destination down, 1000
// datapoints give exactly the first 100 once it comes up; the newest are dropped. That is the
// drop policy (USE_FLOW_CONTROL = False). One worker, so that "first" is the order of the one
// connection they came on.
TEST_F(DestinationDownTest, FullQueueKeepsTheFirstMaxQueueSizeDatapoints) {
  PortReservation down;
  const std::string destination = DestinationAt(down.port());
  CarbonConf conf;
  conf.Set("MAX_QUEUE_SIZE", "100").Set("USE_FLOW_CONTROL", "False");
  StartRelay(conf, {destination}, /*workers=*/"1");
  const std::vector<Datapoint> datapoints = Numbered("q.", 1000);
  SendLines(ports_.line.port(), datapoints);
  down.Release();
  Sink sink(Sink::Protocol::kPickle, down.port());
  EXPECT_TRUE(sink.WaitForCount(100, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  ExpectExactlyOnce(sink, std::vector<Datapoint>(datapoints.begin(), datapoints.begin() + 100));
  EXPECT_THAT(relay_.Stderr(),
              HasSubstr(absl::StrCat("send queue of ", destination, " is full (100 datapoints)")));
  EXPECT_THAT(relay_.Stderr(),
              HasSubstr(absl::StrCat("destination ", destination,
                                     ": 100 datapoints delivered, 0 given up at shutdown, 900 "
                                     "dropped on a full queue")));
}

// The default policy (USE_FLOW_CONTROL = True) is block: the relay stops reading from the
// client while the queue is full and loses nothing, where carbon-relay drops beyond the
// queue.
TEST_F(DestinationDownTest, FullQueueWithDefaultsPausesTheClientAndLosesNothing) {
  PortReservation down;
  const std::string destination = DestinationAt(down.port());
  CarbonConf conf;
  conf.Set("MAX_QUEUE_SIZE", "100");
  StartRelay(conf, {destination}, /*workers=*/"1");
  const std::vector<Datapoint> datapoints = Numbered("q.", 5000);
  SendLines(ports_.line.port(), datapoints);
  EXPECT_TRUE(relay_.WaitForLog("pausing MetricLineReceiver client", absl::Seconds(10)));
  down.Release();
  Sink sink(Sink::Protocol::kPickle, down.port());
  EXPECT_TRUE(sink.WaitForCount(datapoints.size(), absl::Seconds(30))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  ExpectExactlyOnce(sink, datapoints);
  EXPECT_THAT(relay_.Stderr(),
              HasSubstr(absl::StrCat("destination ", destination,
                                     ": 5000 datapoints delivered, 0 given up at shutdown, 0 "
                                     "dropped on a full queue")));
}

}  // namespace
}  // namespace fullerene::testing
