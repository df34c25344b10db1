// fullerene chained with a real carbon-relay (Debian's graphite-carbon), both ways, over
// pickle:
//
//   test --line--> carbon-relay --pickle--> fullerene --pickle--> Sink
//   test --line--> fullerene --pickle--> carbon-relay --pickle--> Sink
//
// Every datapoint must come out exactly as it went in: the same name (non-ASCII included),
// the same timestamp (carbon keeps fractional timestamps as floats over pickle, COMPAT §4.2)
// and the same value, bit for bit, infinities included. carbon-relay's own self-metrics
// (carbon.relays.<host>-a.*, every CARBON_METRIC_INTERVAL seconds) travel the same path and
// are tolerated, not counted.
#include <cmath>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/carbon_peer.h"
#include "tests/integration/relay_process.h"
#include "tests/integration/sink.h"
#include "tests/testing/loopback.h"

namespace fullerene::testing {
namespace {

constexpr size_t kDatapoints = 3000;

bool IsSelfMetric(const std::string& name) { return absl::StartsWith(name, "carbon."); }

// kDatapoints distinct names with timestamps (some fractional) and values (negative, tiny,
// huge, infinite) from a fixed seed.
std::vector<Received> MakeDatapoints(absl::string_view prefix) {
  std::mt19937_64 random(20240611);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-30, 30);
  std::vector<Received> out;
  for (size_t i = 0; i < kDatapoints; ++i) {
    Received d;
    d.name = absl::StrFormat("%s.%s.m%04d", prefix, i % 5 == 0 ? "ünïcode" : "plain", i);
    d.timestamp = 1700000000.0 + static_cast<double>(i) + (i % 7 == 0 ? 0.5 : 0.0);
    switch (i % 10) {
      case 0:
        d.value = static_cast<double>(i);
        break;
      case 1:
        d.value = -0.25 * static_cast<double>(i);
        break;
      default:
        d.value = mantissa(random) * std::pow(10.0, exponent(random));
    }
    out.push_back(d);
  }
  out[17].value = INFINITY;
  out[18].value = -INFINITY;
  out[19].value = 1.0 / 3;
  out[20].value = 5e-324;
  return out;
}

// What a Python client would write: %.17g round-trips through float().
std::string AsLines(const std::vector<Received>& datapoints) {
  std::string text;
  for (const Received& d : datapoints) {
    absl::StrAppend(&text, d.name, " ", absl::StrFormat("%.17g", d.value), " ",
                    absl::StrFormat("%.17g", d.timestamp), "\n");
  }
  return text;
}

size_t CountNonSelf(Sink& sink) {
  size_t n = 0;
  for (const Received& r : sink.Snapshot()) {
    n += IsSelfMetric(r.name) ? 0 : 1;
  }
  return n;
}

bool WaitForNonSelf(Sink& sink, size_t n, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (CountNonSelf(sink) < n && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  return CountNonSelf(sink) >= n;
}

// Everything sent arrived once, exactly; anything else is a carbon self-metric.
void ExpectExactlyDelivered(const std::vector<Received>& sent,
                            const std::vector<Received>& received) {
  std::map<std::string, const Received*> expected;
  for (const Received& d : sent) {
    expected[d.name] = &d;
  }
  std::map<std::string, int> seen;
  size_t self_metrics = 0;
  for (const Received& r : received) {
    if (IsSelfMetric(r.name)) {
      EXPECT_TRUE(absl::StartsWith(r.name, "carbon.relays.")) << r.name;
      ++self_metrics;
      continue;
    }
    auto it = expected.find(r.name);
    if (it == expected.end()) {
      ADD_FAILURE() << "unexpected datapoint " << r.name;
      continue;
    }
    if (++seen[r.name] > 1) {
      ADD_FAILURE() << "duplicate datapoint " << r.name;
    }
    EXPECT_EQ(r.timestamp, it->second->timestamp)
        << r.name << absl::StrFormat(": got %.17g, sent %.17g", r.timestamp, it->second->timestamp);
    EXPECT_EQ(r.value, it->second->value)
        << r.name << absl::StrFormat(": got %.17g, sent %.17g", r.value, it->second->value);
  }
  EXPECT_EQ(seen.size(), expected.size()) << "datapoints missing";
  std::cerr << "(" << self_metrics << " carbon self-metrics tolerated)\n";
}

std::string FullereneConf(int line_port, int pickle_port, int destination_port) {
  return absl::Substitute(
      "[relay]\n"
      "LINE_RECEIVER_INTERFACE = 127.0.0.1\n"
      "LINE_RECEIVER_PORT = $0\n"
      "PICKLE_RECEIVER_INTERFACE = 127.0.0.1\n"
      "PICKLE_RECEIVER_PORT = $1\n"
      "RELAY_METHOD = rules\n"
      "DESTINATIONS = 127.0.0.1:$2\n"
      "DESTINATION_PROTOCOL = pickle\n"
      "MAX_QUEUE_SIZE = 100000\n"
      "CARBON_METRIC_INTERVAL = 0\n",
      line_port, pickle_port, destination_port);
}

std::string RulesTo(int destination_port) {
  return absl::Substitute("[default]\ndefault = true\ndestinations = 127.0.0.1:$0\n",
                          destination_port);
}

// carbon-relay with one rules destination; its receivers on `line_port` / `pickle_port`
// (0 disables one).
CarbonPeer::Options CarbonRelayOptions(int line_port, int pickle_port, int destination_port) {
  CarbonPeer::Options options;
  // Self-metrics every second, so that they can show up among the test's datapoints.
  options.settings = absl::Substitute(
      "LINE_RECEIVER_INTERFACE = 127.0.0.1\n"
      "LINE_RECEIVER_PORT = $0\n"
      "PICKLE_RECEIVER_INTERFACE = 127.0.0.1\n"
      "PICKLE_RECEIVER_PORT = $1\n"
      "ENABLE_UDP_LISTENER = False\n"
      "RELAY_METHOD = rules\n"
      "DESTINATIONS = 127.0.0.1:$2\n"
      "DESTINATION_PROTOCOL = pickle\n"
      "MAX_QUEUE_SIZE = 100000\n"
      "CARBON_METRIC_INTERVAL = 1\n",
      line_port, pickle_port, destination_port);
  options.relay_rules = RulesTo(destination_port);
  for (int port : {line_port, pickle_port}) {
    if (port != 0) {
      options.wait_ports.push_back(port);
    }
  }
  return options;
}

class CarbonRelayUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = CarbonPeer::Unavailable(CarbonPeer::Kind::kRelay); !why.empty()) {
      GTEST_SKIP() << why;
    }
  }
};

TEST_F(CarbonRelayUpstreamTest, CarbonRelayPickleIntoFullerene) {
  Sink sink(Sink::Protocol::kPickle);

  PortReservation line;
  PortReservation pickle;
  RelayProcess relay;
  ASSERT_TRUE(relay
                  .Start(FullereneConf(line.port(), pickle.port(), sink.port()),
                         RulesTo(sink.port()), {"--workers", "2"})
                  .ok())
      << relay.Stderr();
  line.Release();
  pickle.Release();

  PortReservation carbon_line;
  CarbonPeer carbon(CarbonPeer::Kind::kRelay);
  ASSERT_TRUE(carbon.Start(CarbonRelayOptions(carbon_line.port(), 0, pickle.port())).ok())
      << carbon.Output();
  carbon_line.Release();

  const std::vector<Received> sent = MakeDatapoints("itest.upstream.carbon_to_fullerene");
  {
    Client client(carbon_line.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(AsLines(sent)));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(10)));
  }
  EXPECT_TRUE(WaitForNonSelf(sink, sent.size(), absl::Seconds(60)))
      << CountNonSelf(sink) << " of " << sent.size() << "\ncarbon-relay:\n"
      << carbon.Output() << "\nfullerene:\n"
      << relay.Stderr();
  EXPECT_EQ(carbon.Stop(), 0) << carbon.Output();
  EXPECT_EQ(relay.Stop(), 0) << relay.Stderr();

  EXPECT_EQ(sink.errors(), 0u);
  ExpectExactlyDelivered(sent, sink.Snapshot());
}

TEST_F(CarbonRelayUpstreamTest, FullerenePickleIntoCarbonRelay) {
  Sink sink(Sink::Protocol::kPickle);

  PortReservation carbon_pickle;
  CarbonPeer carbon(CarbonPeer::Kind::kRelay);
  ASSERT_TRUE(carbon.Start(CarbonRelayOptions(0, carbon_pickle.port(), sink.port())).ok())
      << carbon.Output();
  carbon_pickle.Release();

  PortReservation line;
  PortReservation pickle;
  RelayProcess relay;
  ASSERT_TRUE(relay
                  .Start(FullereneConf(line.port(), pickle.port(), carbon_pickle.port()),
                         RulesTo(carbon_pickle.port()), {"--workers", "2"})
                  .ok())
      << relay.Stderr();
  line.Release();
  pickle.Release();

  const std::vector<Received> sent = MakeDatapoints("itest.upstream.fullerene_to_carbon");
  {
    Client client(line.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(AsLines(sent)));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(10)));
  }
  EXPECT_TRUE(WaitForNonSelf(sink, sent.size(), absl::Seconds(60)))
      << CountNonSelf(sink) << " of " << sent.size() << "\ncarbon-relay:\n"
      << carbon.Output() << "\nfullerene:\n"
      << relay.Stderr();
  EXPECT_EQ(relay.Stop(), 0) << relay.Stderr();
  EXPECT_EQ(carbon.Stop(), 0) << carbon.Output();

  EXPECT_EQ(sink.errors(), 0u);
  ExpectExactlyDelivered(sent, sink.Snapshot());
}

}  // namespace
}  // namespace fullerene::testing
