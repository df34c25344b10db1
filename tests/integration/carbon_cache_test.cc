// fullerene in front of a real carbon-cache (Debian's graphite-carbon): what fullerene
// forwards, over pickle and over line, is what carbon-cache writes to whisper, value for
// value. Datapoints go into fullerene's line receiver, fullerene forwards them to
// carbon-cache's pickle (or line) receiver, carbon-cache writes whisper files in the test's
// temp dir, and python3-whisper reads them back.
//
// Over pickle every double must arrive bit for bit. Over line carbon formats values as
// ("%.10f" % v).rstrip('0').rstrip('.') and truncates timestamps (COMPAT §4.3), so the line
// case expects exactly what carbon-relay itself would have made of each value (0.3 for
// 0.30000000000000004, 0 for 1e-11).
//
// carbon-cache does not flush its cache on SIGTERM (its writer thread sleeps a second between
// passes and exits when it wakes), so the test waits for its "[updates] wrote" log lines to
// account for every datapoint before stopping it.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/carbon_peer.h"
#include "tests/integration/relay_process.h"
#include "tests/testing/loopback.h"

namespace fullerene::testing {
namespace {

constexpr int64_t kStep = 10;  // the whisper retention below: 10s:1d
constexpr int kTimestamps = 6;

// A value fullerene receives, and what carbon-cache must store for it.
struct ValueCase {
  double sent;
  double stored;
};

struct Point {
  std::string metric;
  double timestamp;  // as sent
  int64_t slot;      // the whisper slot it must land in
  double sent;
  double stored;
};

// Several metrics (one with a non-ASCII name) × kTimestamps slots aligned to the retention
// step, well inside the retention and in the past (whisper refuses future points). One
// timestamp per metric has a fraction, which carbon truncates to its slot. The values cycle
// through `values`.
std::vector<Point> MakePoints(absl::string_view prefix, const std::vector<ValueCase>& values,
                              int64_t base) {
  const std::vector<std::string> metrics = {
      absl::StrCat(prefix, ".m0"), absl::StrCat(prefix, ".m1"),
      absl::StrCat(prefix, ".deeper.path.m2"), absl::StrCat(prefix, ".m3"),
      absl::StrCat(prefix, ".ünïcode")};
  std::vector<Point> points;
  size_t next = 0;
  for (const std::string& metric : metrics) {
    for (int j = 0; j < kTimestamps; ++j) {
      const int64_t slot = base + j * kStep;
      const double timestamp = j == 3 ? static_cast<double>(slot) + 0.75 : slot;
      const ValueCase& v = values[next++ % values.size()];
      points.push_back(Point{metric, timestamp, slot, v.sent, v.stored});
    }
  }
  return points;
}

std::string CacheSettings(int line_port, int pickle_port) {
  // CACHE_QUERY_PORT 0 makes Twisted pick an ephemeral port: nothing else can hold it.
  return absl::Substitute(
      "LINE_RECEIVER_INTERFACE = 127.0.0.1\n"
      "LINE_RECEIVER_PORT = $0\n"
      "PICKLE_RECEIVER_INTERFACE = 127.0.0.1\n"
      "PICKLE_RECEIVER_PORT = $1\n"
      "CACHE_QUERY_INTERFACE = 127.0.0.1\n"
      "CACHE_QUERY_PORT = 0\n"
      "ENABLE_UDP_LISTENER = False\n"
      "MAX_CACHE_SIZE = inf\n"
      "MAX_UPDATES_PER_SECOND = 100000\n"
      "MAX_CREATES_PER_MINUTE = 100000\n"
      "WHISPER_AUTOFLUSH = True\n"
      "ENABLE_TAGS = False\n"
      "LOG_UPDATES = True\n"
      "LOG_CREATES = True\n"
      "CARBON_METRIC_INTERVAL = 0\n",
      line_port, pickle_port);
}

std::string FullereneConf(int line_port, int pickle_port, int destination_port,
                          absl::string_view protocol) {
  return absl::Substitute(
      "[relay]\n"
      "LINE_RECEIVER_INTERFACE = 127.0.0.1\n"
      "LINE_RECEIVER_PORT = $0\n"
      "PICKLE_RECEIVER_INTERFACE = 127.0.0.1\n"
      "PICKLE_RECEIVER_PORT = $1\n"
      "RELAY_METHOD = consistent-hashing\n"
      "DESTINATIONS = 127.0.0.1:$2\n"
      "DESTINATION_PROTOCOL = $3\n"
      "CARBON_METRIC_INTERVAL = 0\n",
      line_port, pickle_port, destination_port, protocol);
}

// Sends `points` through fullerene (DESTINATION_PROTOCOL = `protocol`) into a real
// carbon-cache and checks every whisper file holds exactly the expected slots and values.
void RunThroughCarbonCache(absl::string_view protocol, const std::vector<Point>& points,
                           int64_t base) {
  PortReservation cache_line;
  PortReservation cache_pickle;
  CarbonPeer cache(CarbonPeer::Kind::kCache);
  CarbonPeer::Options options;
  options.settings = CacheSettings(cache_line.port(), cache_pickle.port());
  options.storage_schemas = "[everything]\npattern = .*\nretentions = 10s:1d\n";
  options.wait_ports = {cache_line.port(), cache_pickle.port()};
  ASSERT_TRUE(cache.Start(options).ok()) << cache.Output();
  cache_line.Release();
  cache_pickle.Release();

  const int destination_port = protocol == "line" ? cache_line.port() : cache_pickle.port();
  PortReservation line;
  PortReservation pickle;
  RelayProcess relay;
  ASSERT_TRUE(relay
                  .Start(FullereneConf(line.port(), pickle.port(), destination_port, protocol), "",
                         {"--workers", "2"})
                  .ok())
      << relay.Stderr();
  line.Release();
  pickle.Release();

  std::string text;
  std::map<std::string, size_t> expected_writes;
  for (const Point& p : points) {
    // %.17g parses back to the same double: fullerene receives exactly `sent`.
    absl::StrAppend(&text, p.metric, " ", absl::StrFormat("%.17g", p.sent), " ",
                    absl::StrFormat("%.17g", p.timestamp), "\n");
    ++expected_writes[p.metric];
  }
  {
    Client client(line.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(text));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(10)));
  }
  // SIGTERM drains: everything is in carbon-cache's receiver by the time fullerene exits.
  EXPECT_EQ(relay.Stop(), 0) << relay.Stderr();

  // carbon-cache writes asynchronously (and loses on SIGTERM what it has not written yet):
  // wait until its log accounts for every datapoint.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  std::map<std::string, size_t> written = cache.WrittenDatapoints();
  while (written != expected_writes && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
    written = cache.WrittenDatapoints();
  }
  EXPECT_EQ(written, expected_writes) << cache.Output() << "\nfullerene:\n" << relay.Stderr();
  EXPECT_EQ(cache.Stop(), 0) << cache.Output();

  std::map<std::string, std::vector<const Point*>> by_metric;
  for (const Point& p : points) {
    by_metric[p.metric].push_back(&p);
  }
  for (const auto& [metric, expected] : by_metric) {
    SCOPED_TRACE(metric);
    std::vector<WhisperPoint> stored;
    const absl::Status read = ReadWhisper(cache.WhisperPath(metric), base - 1, &stored);
    ASSERT_TRUE(read.ok()) << read << "\n" << cache.Output();
    ASSERT_EQ(stored.size(), expected.size());
    for (size_t i = 0; i < stored.size(); ++i) {
      EXPECT_EQ(stored[i].timestamp, expected[i]->slot) << "point " << i;
      // Exact: whisper keeps doubles, and the expected value is what carbon-relay forwards.
      EXPECT_EQ(stored[i].value, expected[i]->stored)
          << absl::StrFormat("slot %d sent %.17g stored %.17g expected %.17g", expected[i]->slot,
                             expected[i]->sent, stored[i].value, expected[i]->stored);
      EXPECT_EQ(std::signbit(stored[i].value), std::signbit(expected[i]->stored))
          << "slot " << expected[i]->slot;
    }
  }
}

class CarbonCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = CarbonPeer::Unavailable(CarbonPeer::Kind::kCache); !why.empty()) {
      GTEST_SKIP() << why;
    }
    // Ten minutes ago, on the retention step.
    base_ = (static_cast<int64_t>(absl::ToUnixSeconds(absl::Now())) / kStep) * kStep - 600;
  }

  int64_t base_ = 0;
};

TEST_F(CarbonCacheTest, PickleDestinationStoresEveryDoubleExactly) {
  const std::vector<ValueCase> values = {
      {1, 1},
      {0.5, 0.5},
      {-3.25, -3.25},
      {123456.789, 123456.789},
      {1e-05, 1e-05},
      {0.30000000000000004, 0.30000000000000004},
      {1.0 / 3, 1.0 / 3},
      {1e-300, 1e-300},
      {-1e20, -1e20},
      {123456789.12345679, 123456789.12345679},
      {-0.0, -0.0},
      {4503599627370497.0, 4503599627370497.0},  // 2^52 + 1
      {5e-324, 5e-324},                          // the smallest subnormal
  };
  RunThroughCarbonCache("pickle", MakePoints("itest.cache.pickle", values, base_), base_);
}

TEST_F(CarbonCacheTest, LineDestinationStoresCarbonsTenDecimalValues) {
  // carbon-relay's line output: ("%.10f" % v).rstrip('0').rstrip('.'), parsed back by
  // carbon-cache with float().
  const std::vector<ValueCase> values = {
      {1, 1},
      {0.5, 0.5},
      {-3.25, -3.25},
      {123456.789, 123456.789},
      {1e-05, 1e-05},
      {0.30000000000000004, 0.3},
      {1.0 / 3, 0.3333333333},
      {1e20, 1e20},
      {2.5e-05, 2.5e-05},
      {1e-11, 0},
      {5e-11, 1e-10},
      {-0.0, -0.0},                   // "-0"
      {1.00000000005, 1.0000000001},  // %.10f rounds the binary value, which is above .5
      {-42.125, -42.125},
  };
  RunThroughCarbonCache("line", MakePoints("itest.cache.line", values, base_), base_);
}

}  // namespace
}  // namespace fullerene::testing
