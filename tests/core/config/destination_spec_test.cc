#include "gtest/gtest.h"
#include "core/config/config.h"

namespace fullerene::core {
namespace {

DestinationSpec Spec(std::string server, int64_t port, std::optional<std::string> instance) {
  DestinationSpec spec;
  spec.server = std::move(server);
  spec.port = port;
  spec.instance = std::move(instance);
  return spec;
}

TEST(DestinationSpecTest, NodeReprIsPythonTupleRepr) {
  EXPECT_EQ(Spec("127.0.0.1", 2004, "a").NodeRepr(), "('127.0.0.1', 'a')");
  EXPECT_EQ(Spec("127.0.0.1", 2004, std::nullopt).NodeRepr(), "('127.0.0.1', None)");
  EXPECT_EQ(Spec("::1", 2004, "b").NodeRepr(), "('::1', 'b')");
  EXPECT_EQ(Spec("host", 2004, "").NodeRepr(), "('host', '')");
}

TEST(DestinationSpecTest, NodeReprQuotesAndEscapesLikePython) {
  EXPECT_EQ(Spec("h", 1, "it's").NodeRepr(), "('h', \"it's\")");
  EXPECT_EQ(Spec("h", 1, "a'b\"c").NodeRepr(), "('h', 'a\\'b\"c')");
  EXPECT_EQ(Spec("h", 1, "back\\slash").NodeRepr(), "('h', 'back\\\\slash')");
  EXPECT_EQ(Spec("h", 1, "tab\there").NodeRepr(), "('h', 'tab\\there')");
  EXPECT_EQ(Spec("h", 1, std::string("\x01", 1)).NodeRepr(), "('h', '\\x01')");
  EXPECT_EQ(Spec("h\xc3\xbc", 1, "\xc2\xa0").NodeRepr(), "('h\xc3\xbc', '\\xa0')");
  EXPECT_EQ(Spec("h", 1, "\xe2\x80\xa8").NodeRepr(), "('h', '\\u2028')");
}

TEST(DestinationSpecTest, StatNameMatchesCarbon) {
  EXPECT_EQ(Spec("127.0.0.1", 2004, "a").StatName(), "127_0_0_1:2004:a");
  EXPECT_EQ(Spec("127.0.0.1", 2004, std::nullopt).StatName(), "127_0_0_1:2004:None");
}

}  // namespace
}  // namespace fullerene::core
