#include "tools/gen/flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fullerene::gen {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<GenFlags> Parse(std::vector<std::string> args) { return ParseFlags(args); }

TEST(FlagsTest, SendMode) {
  const absl::StatusOr<GenFlags> flags =
      Parse({"--target", "127.0.0.1:2003", "--protocol=pickle", "--connections", "8", "--count",
             "10M", "--rate", "2.5M", "--names", "100k", "--depth", "7", "--batch", "1000",
             "--seed", "42", "--json"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->mode, GenFlags::Mode::kSend);
  EXPECT_EQ(flags->send.host, "127.0.0.1");
  EXPECT_EQ(flags->send.port, 2003);
  EXPECT_EQ(flags->send.protocol, Protocol::kPickle);
  EXPECT_EQ(flags->send.connections, 8);
  EXPECT_EQ(flags->send.count, 10'000'000u);
  EXPECT_EQ(flags->send.rate, 2.5e6);
  EXPECT_EQ(flags->send.workload.names, 100'000u);
  EXPECT_EQ(flags->send.workload.depth, 7);
  EXPECT_EQ(flags->send.workload.seed, 42u);
  EXPECT_EQ(flags->send.batch, 1000u);
  EXPECT_TRUE(flags->json);
}

TEST(FlagsTest, DurationAndIpv6Target) {
  const absl::StatusOr<GenFlags> flags =
      Parse({"--target", "[::1]:2004", "--protocol", "udp", "--duration", "2.5"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->send.host, "::1");
  EXPECT_EQ(flags->send.port, 2004);
  EXPECT_EQ(flags->send.duration, absl::Milliseconds(2500));
  EXPECT_EQ(flags->send.count, 0u);
}

TEST(FlagsTest, SinkMode) {
  const absl::StatusOr<GenFlags> flags =
      Parse({"--sink", "line:2103", "pickle:2104", "udp:2103", "--json-out", "/tmp/x.json",
             "--report-interval", "0.1", "--sink=line:2105"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->mode, GenFlags::Mode::kSink);
  ASSERT_EQ(flags->sink.ports.size(), 4u);
  EXPECT_EQ(flags->sink.ports[1].protocol, Protocol::kPickle);
  EXPECT_EQ(flags->sink.ports[1].port, 2104);
  EXPECT_EQ(flags->sink.ports[2].protocol, Protocol::kUdp);
  EXPECT_EQ(flags->sink.ports[3].port, 2105);
  EXPECT_EQ(flags->sink.json_out, "/tmp/x.json");
  EXPECT_EQ(flags->sink.report_interval, absl::Milliseconds(100));
}

TEST(FlagsTest, Help) {
  const absl::StatusOr<GenFlags> flags = Parse({"--count", "5", "--help"});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->mode, GenFlags::Mode::kHelp);
}

TEST(FlagsTest, Errors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--target", "127.0.0.1:2003", "--protocol", "line"}, "exactly one of --count"},
      {{"--target", "127.0.0.1:2003", "--protocol", "line", "--count", "1", "--duration", "1"},
       "exactly one of --count"},
      {{"--protocol", "line", "--count", "1"}, "--target"},
      {{"--target", "127.0.0.1", "--protocol", "line", "--count", "1"}, "HOST:PORT"},
      {{"--target", "h:70000", "--protocol", "line", "--count", "1"}, "HOST:PORT"},
      {{"--target", "h:1", "--protocol", "tcp", "--count", "1"}, "line, pickle or udp"},
      {{"--target", "h:1", "--protocol", "line", "--count", "1.5"}, "whole number"},
      {{"--target", "h:1", "--protocol", "line", "--count", "-3"}, "whole number"},
      {{"--target", "h:1", "--protocol", "line", "--count", "1", "--depth", "17"}, "1 to 16"},
      {{"--target", "h:1", "--protocol", "line", "--count", "1", "--count", "2"}, "twice"},
      {{"--target", "h:1", "--protocol", "line", "--count"}, "needs a value"},
      {{"--sink", "line:1", "--count", "5"}, "cannot be mixed"},
      {{"--sink", "line:2003", "pickle:2003"}, "each port once"},
      {{"--sink", "tcp:2003"}, "line:PORT"},
      {{"--json-out", "x"}, "needs --sink"},
      {{"--frobnicate"}, "unknown argument"},
  };
  for (const auto& [args, message] : cases) {
    const absl::StatusOr<GenFlags> flags = Parse(args);
    ASSERT_FALSE(flags.ok()) << args[0];
    EXPECT_THAT(std::string(flags.status().message()), HasSubstr(message)) << args[0];
  }
}

}  // namespace
}  // namespace fullerene::gen
