// The daemon's own duties beyond moving datapoints: carbon's self-metrics on the normal
// routing path, MAX_RECEIVER_CONNECTIONS, USER, IPv6 listeners and destinations.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
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

// carbon's instrumentation (COMPAT §4.7): every CARBON_METRIC_INTERVAL seconds, under
// <prefix>.relays.<host>-<instance>., routed like any datapoint.
TEST(DaemonTest, SelfMetricsUseCarbonNamesAndTheNormalRoute) {
  ReservedListeners ports;
  Sink sink(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Listen(ports).Method("consistent-hashing").Destination(SinkAt(sink, "a"));
  conf.SelfMetrics("1").Set("CARBON_METRIC_PREFIX", "selftest");
  RelayProcess relay;
  ASSERT_TRUE(relay.Start(conf.Text(), "", {"--workers", "2", "--instance", "x"}).ok())
      << relay.Stderr();
  ports.Release();
  {
    Client client(ports.line.port());
    ASSERT_TRUE(
        client.Send(LineText({{"app.requests", 1700000000, 5}, {"app.errors", 1700000000, 1}})));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(5)));
  }
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  const std::string base =
      absl::StrCat("selftest.relays.", absl::StrReplaceAll(host, {{".", "_"}}), "-x.");
  const std::string received = base + "metricsReceived";
  const std::string attempted =
      absl::StrCat(base, "destinations.127_0_0_1:", sink.port(), ":a.attemptedRelays");
  bool saw_received = false;
  bool saw_attempted = false;
  double received_total = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (absl::Now() < deadline && !(saw_received && saw_attempted && received_total >= 2)) {
    received_total = 0;
    for (const Received& r : sink.Snapshot()) {
      if (r.name == received) {
        saw_received = true;
        received_total += r.value;
      }
      saw_attempted = saw_attempted || r.name == attempted;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(saw_received) << "no " << received;
  EXPECT_TRUE(saw_attempted) << "no " << attempted;
  // Both datapoints counted once, and the self-metrics themselves are not counted.
  EXPECT_EQ(received_total, 2);
  bool saw_memory = false;
  for (const Received& r : sink.Snapshot()) {
    if (r.name == base + "memUsage") {
      saw_memory = true;
      EXPECT_GT(r.value, 1 << 20);
      EXPECT_NEAR(r.timestamp, absl::ToUnixSeconds(absl::Now()), 30);
    }
  }
  EXPECT_TRUE(saw_memory);
  EXPECT_EQ(relay.Stop(), 0);
}

TEST(DaemonTest, MaxReceiverConnectionsRefusesTheOneTooMany) {
  ReservedListeners ports;
  Sink sink(Sink::Protocol::kLine);
  CarbonConf conf;
  conf.Listen(ports).Destination(SinkAt(sink)).Set("DESTINATION_PROTOCOL", "line");
  conf.Set("MAX_RECEIVER_CONNECTIONS", "2");
  RulesConf rules;
  rules.Default({SinkAt(sink)});
  RelayProcess relay;
  ASSERT_TRUE(relay.Start(conf.Text(), rules.Text(), {"--workers", "2"}).ok()) << relay.Stderr();
  ports.Release();
  Client first(ports.line.port());
  Client second(ports.line.port());
  ASSERT_TRUE(first.Send("a 1 1700000000\n"));
  ASSERT_TRUE(second.Send("b 1 1700000000\n"));
  ASSERT_TRUE(sink.WaitForCount(2, absl::Seconds(10)));
  Client third(ports.line.port());
  EXPECT_TRUE(third.WaitForPeerClose(absl::Seconds(5))) << "the third connection stayed open";
  EXPECT_TRUE(relay.WaitForLog("MAX_RECEIVER_CONNECTIONS (2) reached", absl::Seconds(5)));
  first.Close();
  // Below the limit again: a new client is served.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  bool served = false;
  while (!served && absl::Now() < deadline) {
    Client fourth(ports.line.port());
    fourth.Send("d 1 1700000000\n");
    served = !fourth.WaitForPeerClose(absl::Milliseconds(200)) &&
             sink.WaitForCount(3, absl::Seconds(2));
  }
  EXPECT_TRUE(served);
  EXPECT_EQ(relay.Stop(), 0);
}

TEST(DaemonTest, UserDropsPrivilegesAfterBindingThePorts) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root to switch to another user";
  }
  struct passwd* nobody = getpwnam("nobody");
  if (nobody == nullptr) {
    GTEST_SKIP() << "no user 'nobody' on this machine";
  }
  const uid_t nobody_uid = nobody->pw_uid;
  ReservedListeners ports;
  Sink sink(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Listen(ports).Destination(SinkAt(sink)).Set("USER", "nobody");
  RulesConf rules;
  rules.Default({SinkAt(sink)});
  RelayProcess relay;
  ASSERT_TRUE(relay.Start(conf.Text(), rules.Text(), {"--workers", "1"}).ok()) << relay.Stderr();
  ports.Release();
  const std::string status = ReadFileOrEmpty(absl::StrCat("/proc/", relay.pid(), "/status"));
  std::string uid_line;
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (absl::StartsWith(line, "Uid:")) {
      uid_line = std::string(line);
    }
  }
  EXPECT_THAT(uid_line, HasSubstr(absl::StrCat("\t", nobody_uid, "\t")));
  {
    Client client(ports.line.port());
    ASSERT_TRUE(client.Send("after.drop 1 1700000000\n"));
  }
  EXPECT_TRUE(sink.WaitForCount(1, absl::Seconds(10)));
  EXPECT_EQ(relay.Stop(), 0);
}

TEST(DaemonTest, UnknownUserIsAStartUpError) {
  TempDir dir;
  const std::string conf = dir.Write(
      "carbon.conf", "[relay]\nLINE_RECEIVER_PORT = 0\nPICKLE_RECEIVER_PORT = 0\n"
                     "DESTINATIONS = 127.0.0.1:1\nUSER = no-such-user-here\n");
  dir.Write("relay-rules.conf", "[d]\ndefault = true\ndestinations = 127.0.0.1:1\n");
  ExitResult result = RunRelayToExit({"--config", conf});
  EXPECT_EQ(result.status, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("USER = no-such-user-here"));
}

TEST(DaemonTest, IPv6ListenersAndDestinations) {
  // A v6 sink: the relay connects to [::1]:port.
  int listener = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    GTEST_SKIP() << "no IPv6 loopback on this machine";
  }
  socklen_t length = sizeof(address);
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  const int sink_port = ntohs(address.sin6_port);
  ASSERT_EQ(listen(listener, 4), 0);

  PortReservation line;
  const std::string conf = absl::StrCat(
      "[relay]\nLINE_RECEIVER_INTERFACE = ::1\nLINE_RECEIVER_PORT = ", line.port(),
      "\nPICKLE_RECEIVER_PORT = 0\nCARBON_METRIC_INTERVAL = 0\nDESTINATION_PROTOCOL = line\n"
      "DESTINATIONS = [::1]:", sink_port, ":v6\n");
  const std::string rules =
      absl::StrCat("[d]\ndefault = true\ndestinations = [::1]:", sink_port, ":v6\n");
  line.Release();
  RelayProcess relay;
  ASSERT_TRUE(relay.Start(conf, rules, {"--workers", "1"}).ok()) << relay.Stderr();
  {
    Client client(line.port(), "::1");
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send("v6.metric 7 1700000000\n"));
  }
  int fd = accept(listener, nullptr, nullptr);
  ASSERT_GE(fd, 0);
  std::string got;
  char buffer[256];
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (got.find('\n') == std::string::npos && absl::Now() < deadline) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      got.append(buffer, static_cast<size_t>(n));
    } else {
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  EXPECT_EQ(got, "v6.metric 7 1700000000\r\n");
  close(fd);
  close(listener);
  EXPECT_EQ(relay.Stop(), 0);
}

}  // namespace
}  // namespace fullerene::testing
