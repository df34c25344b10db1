#include "net/socket_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fullerene::net {
namespace {

using ::testing::HasSubstr;

TEST(SocketUtilTest, ParsesNumericAddresses) {
  absl::StatusOr<SocketAddress> v4 = ParseNumericAddress("127.0.0.1", 2003);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->family(), AF_INET);
  EXPECT_EQ(v4->ToString(), "127.0.0.1:2003");
  absl::StatusOr<SocketAddress> v6 = ParseNumericAddress("::1", 2004);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->ToString(), "[::1]:2004");
  EXPECT_FALSE(ParseNumericAddress("localhost", 1).ok());
  EXPECT_FALSE(ParseNumericAddress("[::1]", 1).ok());
}

TEST(SocketUtilTest, ResolvesLocalhost) {
  absl::StatusOr<std::vector<SocketAddress>> addresses = ResolveAddress("localhost", 2003);
  ASSERT_TRUE(addresses.ok()) << addresses.status();
  EXPECT_FALSE(addresses->empty());
  EXPECT_FALSE(ResolveAddress("no-such-host.invalid", 2003).ok());
}

TEST(SocketUtilTest, ListenersShareAPortLikeCarbon) {
  core::ListenerSpec spec{"127.0.0.1", 0};
  absl::StatusOr<int> first = OpenListener(spec, SocketKind::kStream);
  ASSERT_TRUE(first.ok()) << first.status();
  spec.port = LocalPort(*first);
  EXPECT_GT(spec.port, 0);
  // SO_REUSEPORT: a second listener (another worker, or a carbon-relay during a migration).
  absl::StatusOr<int> second = OpenListener(spec, SocketKind::kStream);
  ASSERT_TRUE(second.ok()) << second.status();
  close(*first);
  close(*second);
}

TEST(SocketUtilTest, APortTakenWithoutReusePortIsAClearError) {
  int blocker = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(blocker, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(blocker, 1), 0);
  core::ListenerSpec spec{"127.0.0.1", LocalPort(blocker)};
  absl::StatusOr<int> fd = OpenListener(spec, SocketKind::kStream);
  ASSERT_FALSE(fd.ok());
  EXPECT_THAT(std::string(fd.status().message()), HasSubstr("Address already in use"));
  close(blocker);
}

TEST(SocketUtilTest, AnInterfaceThatIsNoAddressIsAClearError) {
  absl::StatusOr<int> fd = OpenListener({"example.org", 2003}, SocketKind::kStream);
  ASSERT_FALSE(fd.ok());
  EXPECT_THAT(std::string(fd.status().message()), HasSubstr("not an IP address"));
}

}  // namespace
}  // namespace fullerene::net
