// The UDP line receiver (ENABLE_UDP_LISTENER, COMPAT §3.3): a datagram holds any number of
// lines, split as Python's str.splitlines() splits them; a datagram is never truncated
// (carbon cuts at 8192 bytes and forwards the cut line with a corrupted timestamp: §8), and
// invalid UTF-8 costs only its own line (carbon drops the whole datagram).
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
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
using ::testing::UnorderedElementsAreArray;

class UdpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    udp_port_ = FreeUdpPort();
    CarbonConf conf;
    // TCP listeners off: this relay only listens on UDP. All lines of a datagram are queued
    // before any of them is sent, as in carbon, so the 1500-line datagram below needs more
    // than the default MAX_QUEUE_SIZE of 1000 (the example carbon.conf sets 10000).
    conf.Listen(0, 0).Udp(udp_port_).Set("MAX_QUEUE_SIZE", "10000").Destination(SinkAt(sink_));
    RulesConf rules;
    rules.Default({SinkAt(sink_)});
    ASSERT_TRUE(relay_.Start(conf.Text(), rules.Text(), {"--workers", "2"}).ok())
        << relay_.Stderr();
  }

  // Waits for `n` datapoints, stops the relay, returns them by name (each must come once).
  std::map<std::string, Received> Arrived(size_t n) {
    EXPECT_TRUE(sink_.WaitForCount(n, absl::Seconds(20))) << sink_.Count() << " of " << n << "\n"
                                                          << relay_.Stderr();
    EXPECT_EQ(relay_.Stop(), 0);
    std::map<std::string, Received> by_name;
    for (const Received& r : sink_.Snapshot()) {
      EXPECT_TRUE(by_name.emplace(r.name, r).second) << "'" << r.name << "' arrived twice";
    }
    return by_name;
  }

  static std::vector<std::string> Names(const std::map<std::string, Received>& by_name) {
    std::vector<std::string> names;
    for (const auto& [name, r] : by_name) {
      names.push_back(name);
    }
    return names;
  }

  int udp_port_ = 0;
  Sink sink_{Sink::Protocol::kPickle};
  RelayProcess relay_;
};

TEST_F(UdpTest, DatagramsCarrySeveralLines) {
  ASSERT_TRUE(SendDatagram(udp_port_, "u.a 1 1700000000\nu.b 2.5 1700000001\nu.c -3 1700000002\n"));
  // No newline after the last line: splitlines() still makes it a line.
  ASSERT_TRUE(SendDatagram(udp_port_, "u.d 4 1700000003\nu.e 5 1700000004.5"));
  std::map<std::string, Received> got = Arrived(5);
  EXPECT_THAT(Names(got), UnorderedElementsAreArray({"u.a", "u.b", "u.c", "u.d", "u.e"}));
  EXPECT_EQ(got["u.b"].value, 2.5);
  EXPECT_EQ(got["u.b"].timestamp, 1700000001);
  EXPECT_EQ(got["u.c"].value, -3);
  EXPECT_EQ(got["u.e"].timestamp, 1700000004.5);
}

// Every line break of str.splitlines() (COMPAT §3.3): \n, \r, \r\n, \v, \f, \x1c, \x1d, \x1e,
// U+0085 (C2 85), U+2028 (E2 80 A8) and U+2029 (E2 80 A9).
TEST_F(UdpTest, SplitlinesSeparatorsAllBreakLines) {
  ASSERT_TRUE(SendDatagram(udp_port_,
                           "s.lf 1 1700000001\n"
                           "s.cr 2 1700000002\r"
                           "s.crlf 3 1700000003\r\n"
                           "s.vt 4 1700000004\v"
                           "s.ff 5 1700000005\f"
                           "s.fs 6 1700000006\x1c"
                           "s.gs 7 1700000007\x1d"
                           "s.rs 8 1700000008\x1e"
                           "s.nel 9 1700000009\xc2\x85"
                           "s.ls 10 1700000010\xe2\x80\xa8"
                           "s.ps 11 1700000011\xe2\x80\xa9"
                           "s.last 12 1700000012"));
  std::map<std::string, Received> got = Arrived(12);
  EXPECT_THAT(Names(got),
              UnorderedElementsAreArray({"s.lf", "s.cr", "s.crlf", "s.vt", "s.ff", "s.fs", "s.gs",
                                         "s.rs", "s.nel", "s.ls", "s.ps", "s.last"}));
  int i = 1;
  for (const char* name : {"s.lf", "s.cr", "s.crlf", "s.vt", "s.ff", "s.fs", "s.gs", "s.rs",
                           "s.nel", "s.ls", "s.ps", "s.last"}) {
    EXPECT_EQ(got[name].value, i) << name;
    EXPECT_EQ(got[name].timestamp, 1700000000 + i) << name;
    ++i;
  }
}

// 1500 lines of exactly 40 bytes: a 60,000-byte datagram. carbon reads 8192 bytes of it.
TEST_F(UdpTest, LargeDatagramIsNotTruncated) {
  constexpr int kLines = 1500;
  std::string datagram;
  std::vector<std::string> names;
  for (int i = 0; i < kLines; ++i) {
    names.push_back(absl::StrFormat("big.%05d.padding-to-40", i));
    absl::StrAppendFormat(&datagram, "%s %04d 1700000000\n", names.back(), i);
  }
  ASSERT_EQ(datagram.size(), 60000u);
  ASSERT_TRUE(SendDatagram(udp_port_, datagram));
  std::map<std::string, Received> got = Arrived(kLines);
  EXPECT_THAT(Names(got), UnorderedElementsAreArray(names));
  for (int i = 0; i < kLines; ++i) {
    const Received& r = got[names[i]];
    ASSERT_EQ(r.value, i) << names[i];
    ASSERT_EQ(r.timestamp, 1700000000) << names[i];
  }
}

TEST_F(UdpTest, InvalidUtf8CostsOnlyItsLine) {
  ASSERT_TRUE(SendDatagram(udp_port_,
                           "v.before 1 1700000000\n"
                           "v.bad.\xff\xfe 2 1700000000\n"
                           "v.after 3 1700000000\n"));
  std::map<std::string, Received> got = Arrived(2);
  EXPECT_THAT(Names(got), UnorderedElementsAreArray({"v.after", "v.before"}));
  EXPECT_EQ(got["v.after"].value, 3);
  EXPECT_THAT(relay_.Stderr(),
              HasSubstr("invalid line (bad_utf8) received from udp client 127.0.0.1:"));
}

}  // namespace
}  // namespace fullerene::testing
