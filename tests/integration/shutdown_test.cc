// SIGTERM (DESIGN "Failure rules", COMPAT §4.6): the relay stops accepting, delivers what it
// has already received to every destination it can reach, gives up (and says how much) on
// destinations that are down, and exits 0. PID_DIR gets carbon-relay-<instance>.pid while it
// runs.
#include <unistd.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/config_text.h"
#include "tests/integration/relay_process.h"
#include "tests/integration/sink.h"
#include "tests/testing/loopback.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::testing {
namespace {

using ::testing::HasSubstr;

std::vector<Datapoint> Numbered(int n) {
  std::vector<Datapoint> datapoints;
  datapoints.reserve(n);
  for (int i = 0; i < n; ++i) {
    datapoints.push_back({absl::StrCat("shutdown.", i), 1700000000.0 + i, i * 0.5});
  }
  return datapoints;
}

// Each of `expected` arrived exactly once with its value; nothing else did.
void ExpectAllExactlyOnce(Sink& sink, const std::vector<Datapoint>& expected) {
  std::map<std::string, std::vector<Received>> arrived;
  for (const Received& r : sink.Snapshot()) {
    arrived[r.name].push_back(r);
  }
  size_t bad = 0;
  for (const Datapoint& d : expected) {
    const auto it = arrived.find(d.name);
    if (it == arrived.end() || it->second.size() != 1 || it->second[0].value != d.value) {
      ++bad;
    }
  }
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(arrived.size(), expected.size());
}

class ShutdownTest : public ::testing::Test {
 protected:
  void StartRelay(CarbonConf conf, const std::string& destination,
                  std::vector<std::string> args = {}) {
    conf.Listen(ports_).Destination(destination);
    RulesConf rules;
    rules.Default({destination});
    args.insert(args.end(), {"--workers", "2"});
    ASSERT_TRUE(relay_.Start(conf.Text(), rules.Text(), args).ok()) << relay_.Stderr();
    ports_.Release();
  }

  // Sends the datapoints over line and returns once the relay has read every byte of them.
  void Send(const std::vector<Datapoint>& datapoints) {
    Client client(ports_.line.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(LineText(datapoints)));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20)));
  }

  ReservedListeners ports_;
  RelayProcess relay_;
};

TEST_F(ShutdownTest, SigtermDeliversEverythingAlreadyReceived) {
  Sink sink(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Set("MAX_QUEUE_SIZE", "1000000");
  StartRelay(conf, SinkAt(sink));
  const std::vector<Datapoint> datapoints = Numbered(50000);
  Send(datapoints);
  EXPECT_EQ(relay_.Stop(), 0) << relay_.Stderr();
  EXPECT_TRUE(sink.WaitForCount(datapoints.size(), absl::Seconds(20))) << sink.Count();
  ExpectAllExactlyOnce(sink, datapoints);
  EXPECT_THAT(relay_.Stderr(), HasSubstr("stopped: 50000 datapoints received"));
  EXPECT_THAT(relay_.Stderr(),
              HasSubstr(absl::StrCat("destination ", SinkAt(sink),
                                     ": 50000 datapoints delivered, 0 given up at shutdown")));
}

// The destination reads nothing until the relay has been told to stop, so at SIGTERM the
// datapoints are still in the relay (more than the socket buffers hold): the drain waits.
TEST_F(ShutdownTest, SigtermWaitsForAStalledDestinationToTakeEverything) {
  Sink sink(Sink::Protocol::kPickle);
  sink.SetPaused(true);
  CarbonConf conf;
  conf.Set("MAX_QUEUE_SIZE", "1000000");
  StartRelay(conf, SinkAt(sink));
  const std::vector<Datapoint> datapoints = Numbered(200000);
  Send(datapoints);
  std::thread resume([&] {
    EXPECT_TRUE(relay_.WaitForLog("no longer accepting", absl::Seconds(20)));
    sink.SetPaused(false);
  });
  const int status = relay_.Stop();
  resume.join();
  EXPECT_EQ(status, 0) << relay_.Stderr();
  EXPECT_TRUE(sink.WaitForCount(datapoints.size(), absl::Seconds(20))) << sink.Count();
  ExpectAllExactlyOnce(sink, datapoints);
}

TEST_F(ShutdownTest, SigtermWithADestinationDownExitsPromptlyAndSaysWhatItGaveUp) {
  PortReservation down;  // bound, not listening: every connect is refused
  const std::string destination = DestinationAt(down.port());
  StartRelay(CarbonConf(), destination);
  Send(Numbered(10));
  const absl::Time start = absl::Now();
  EXPECT_EQ(relay_.Stop(), 0) << relay_.Stderr();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_THAT(relay_.Stderr(), HasSubstr(absl::StrCat("giving up 10 datapoints queued for "
                                                      "destination ",
                                                      destination)));
  EXPECT_THAT(relay_.Stderr(),
              HasSubstr(absl::StrCat("destination ", destination,
                                     ": 0 datapoints delivered, 10 given up at shutdown")));
}

TEST_F(ShutdownTest, PidDirHoldsThePidFileWhileRunning) {
  Sink sink(Sink::Protocol::kPickle);
  const std::string pid_dir = relay_.dir().Join("run/carbon");  // created by the relay
  CarbonConf conf;
  conf.Set("PID_DIR", pid_dir);
  StartRelay(conf, SinkAt(sink), {"--instance", "b"});
  const std::string pid_file = absl::StrCat(pid_dir, "/carbon-relay-b.pid");
  EXPECT_EQ(ReadFileOrEmpty(pid_file), absl::StrCat(relay_.pid(), "\n"));
  EXPECT_EQ(relay_.Stop(), 0) << relay_.Stderr();
  EXPECT_NE(access(pid_file.c_str(), F_OK), 0) << pid_file << " is still there";
}

}  // namespace
}  // namespace fullerene::testing
