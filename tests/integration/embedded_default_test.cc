// The README's first promise: `tools/run` then `echo "foo.bar 1 $(date +%s)" | nc -q1
// 127.0.0.1 2003` shows the metric. Here on free ports (the embedded default's listeners are
// 2003/2004; this test passes the same defaults through a config that only moves the ports),
// plus the exact embedded default when its ports are free.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/relay_process.h"
#include "tests/testing/loopback.h"

namespace fullerene::testing {
namespace {

using ::testing::HasSubstr;

TEST(EmbeddedDefaultTest, PrintsEveryDatapointToStdout) {
  if (!CanConnect(2003) && !CanConnect(2004)) {
    RelayProcess relay;
    ASSERT_TRUE(relay.StartWithArgs({"--workers", "2"}).ok()) << relay.Stderr();
    {
      Client client(2003);
      ASSERT_TRUE(client.connected());
      ASSERT_TRUE(client.Send("foo.bar 1 1700000000\n"));
      ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(5)));
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline && relay.Stdout().find("foo.bar") == std::string::npos) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    EXPECT_EQ(relay.Stop(), 0);
    EXPECT_EQ(relay.Stdout(), "foo.bar 1 1700000000\r\n");
    EXPECT_THAT(relay.Stderr(), HasSubstr("embedded default"));
  } else {
    GTEST_SKIP() << "ports 2003/2004 are taken on this machine; the embedded default needs them";
  }
}

TEST(EmbeddedDefaultTest, FileDestinationWritesLinesWithCarbonFormatting) {
  PortReservation line;
  PortReservation pickle;
  RelayProcess relay;
  const std::string conf = absl::StrCat(
      "[relay]\nLINE_RECEIVER_INTERFACE = 127.0.0.1\nLINE_RECEIVER_PORT = ", line.port(),
      "\nPICKLE_RECEIVER_INTERFACE = 127.0.0.1\nPICKLE_RECEIVER_PORT = ", pickle.port(),
      "\nDESTINATIONS = file:-\n");
  ASSERT_TRUE(relay.Start(conf, "[default]\ndefault = true\ndestinations = file:-\n",
                          {"--workers", "2"})
                  .ok())
      << relay.Stderr();
  line.Release();
  pickle.Release();
  {
    Client client(line.port());
    ASSERT_TRUE(client.Send("a.b 0.30000000000000004 1700000000.9\nc.d 1e20 1700000001\n"));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(5)));
  }
  EXPECT_EQ(relay.Stop(), 0);
  EXPECT_EQ(relay.Stdout(), "a.b 0.3 1700000000\r\nc.d 100000000000000000000 1700000001\r\n");
}

}  // namespace
}  // namespace fullerene::testing
