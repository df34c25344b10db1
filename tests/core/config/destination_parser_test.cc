// ParseDestination(): every row of COMPAT §2.2 (results taken from running carbon 1.1.7's
// carbon.util.parseDestination), then our URL and file extensions.
#include <optional>
#include <string>

#include "core/config/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace fullerene::core {
namespace {

using ::fullerene::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

struct Triple {
  std::string server;
  int64_t port;
  std::optional<std::string> instance;
};

void ExpectTriple(const std::string& item, const Triple& want) {
  SCOPED_TRACE(item);
  absl::StatusOr<DestinationSpec> spec = ParseDestination(item, WireProtocol::kPickle);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->server, want.server);
  EXPECT_EQ(spec->port, want.port);
  EXPECT_EQ(spec->instance, want.instance);
  EXPECT_EQ(spec->protocol, WireProtocol::kPickle);
  EXPECT_EQ(spec->prefix, "");
  EXPECT_FALSE(spec->is_file());
}

void ExpectIntError(const std::string& item, const std::string& port_repr) {
  EXPECT_THAT(ParseDestination(item, WireProtocol::kPickle),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid literal for int() with base 10: " + port_repr)))
      << item;
}

TEST(DestinationParseTest, CompatTable) {
  ExpectTriple("127.0.0.1:2004", {"127.0.0.1", 2004, std::nullopt});
  ExpectTriple("127.0.0.1:2004:a", {"127.0.0.1", 2004, "a"});
  ExpectTriple("[::1]:2004:b", {"::1", 2004, "b"});
  ExpectTriple("host:2004:", {"host", 2004, ""});
  ExpectTriple("host:2004:a:b", {"host", 2004, "a:b"});
  ExpectTriple("host:+2004", {"host", 2004, std::nullopt});
  ExpectTriple("host:2_004", {"host", 2004, std::nullopt});
  ExpectTriple("host: 2004", {"host", 2004, std::nullopt});
  ExpectTriple("host:70000", {"host", 70000, std::nullopt});
  ExpectTriple("2004", {"200", 2004, std::nullopt});
  ExpectIntError("localhost", "'localhost'");
  ExpectIntError("", "''");
}

TEST(DestinationParseTest, CarbonEdgeCases) {
  ExpectTriple("  h:1  ", {"h", 1, std::nullopt});
  ExpectTriple("[::1]:2004", {"::1", 2004, std::nullopt});
  ExpectTriple(":2004", {"", 2004, std::nullopt});
  ExpectTriple("host:-1", {"host", -1, std::nullopt});
  ExpectTriple("h:1: a", {"h", 1, " a"});
  ExpectTriple("host:2004 :x", {"host", 2004, "x"});
  ExpectTriple("[]:5", {"", 5, std::nullopt});
  ExpectTriple("[a]:1]:2:x", {"a]:1", 2, "x"});
  ExpectTriple("h:007", {"h", 7, std::nullopt});
  ExpectIntError("[::1]", "''");
  ExpectIntError("[", "''");
  ExpectIntError("h:0x10", "'0x10'");
  ExpectIntError("h:1e3", "'1e3'");
  EXPECT_THAT(ParseDestination("h:99999999999999999999", WireProtocol::kPickle),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
}

TEST(DestinationParseTest, EmptyItemExplainsItself) {
  EXPECT_THAT(ParseDestination("  ", WireProtocol::kPickle),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("empty destination"), HasSubstr("trailing comma"))));
}

TEST(DestinationParseTest, KeepsTextAndDefaultProtocol) {
  absl::StatusOr<DestinationSpec> spec = ParseDestination(" 10.0.0.1:2003:x ", WireProtocol::kLine);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->text, "10.0.0.1:2003:x");
  EXPECT_EQ(spec->protocol, WireProtocol::kLine);
}

TEST(DestinationParseTest, UrlOptions) {
  absl::StatusOr<DestinationSpec> spec =
      ParseDestination("h:2004:a?prefix=dc1.&protocol=line", WireProtocol::kPickle);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->server, "h");
  EXPECT_EQ(spec->port, 2004);
  EXPECT_EQ(spec->instance, "a");
  EXPECT_EQ(spec->prefix, "dc1.");
  EXPECT_EQ(spec->protocol, WireProtocol::kLine);
  EXPECT_EQ(spec->text, "h:2004:a?prefix=dc1.&protocol=line");

  spec = ParseDestination("[::1]:2004?protocol=pickle", WireProtocol::kLine);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->server, "::1");
  EXPECT_EQ(spec->instance, std::nullopt);
  EXPECT_EQ(spec->protocol, WireProtocol::kPickle);

  // The query starts at the first '?'; what precedes it is parsed exactly as carbon would.
  spec = ParseDestination("h:2004 ?prefix=x", WireProtocol::kPickle);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->port, 2004);
  EXPECT_EQ(spec->instance, std::nullopt);
}

TEST(DestinationParseTest, BadUrlOptions) {
  const auto bad = [](const std::string& item, const std::string& why) {
    EXPECT_THAT(ParseDestination(item, WireProtocol::kPickle),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(why)))
        << item;
  };
  bad("h:1?", "nothing follows '?'");
  bad("h:1?color=red", "unknown option 'color'");
  bad("h:1?protocol=udp", "protocol must be line or pickle");
  bad("h:1?protocol=LINE", "protocol must be line or pickle");
  bad("h:1?prefix=a&prefix=b", "given twice");
  bad("h:1?prefix=a&&protocol=line", "empty option");
  bad("h:1?prefix", "has no value");
  bad("h:1?prefix=", "empty value");
  bad("h:1?prefix=a%2Eb", "percent-encoding is not supported");
  bad("h:1?prefix=a\tb", "whitespace");
  bad("localhost?prefix=a", "invalid literal for int()");
}

TEST(DestinationParseTest, FileDestinations) {
  absl::StatusOr<DestinationSpec> spec = ParseDestination("file:-", WireProtocol::kPickle);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_TRUE(spec->is_file());
  EXPECT_EQ(spec->server, "file:-");
  EXPECT_EQ(spec->port, 0);
  EXPECT_EQ(spec->instance, std::nullopt);
  EXPECT_EQ(spec->protocol, WireProtocol::kLine);  // DESTINATION_PROTOCOL does not apply
  EXPECT_EQ(spec->file_path, "-");

  spec = ParseDestination("file:/var/spool/metrics.txt?prefix=copy.", WireProtocol::kPickle);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->server, "file:/var/spool/metrics.txt");
  EXPECT_EQ(spec->file_path, "/var/spool/metrics.txt");
  EXPECT_EQ(spec->prefix, "copy.");

  EXPECT_THAT(ParseDestination("file:-?protocol=line", WireProtocol::kPickle).status(),
              ::fullerene::testing::IsOk());
  EXPECT_THAT(ParseDestination("file:", WireProtocol::kPickle),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a path")));
  EXPECT_THAT(ParseDestination("file:-?protocol=pickle", WireProtocol::kPickle),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line protocol")));
}

TEST(DestinationParseTest, TlsIsNotSupportedYet) {
  EXPECT_THAT(ParseDestination("tls://h:2004", WireProtocol::kPickle),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("TLS"), HasSubstr("not supported yet"))));
}

}  // namespace
}  // namespace fullerene::core
