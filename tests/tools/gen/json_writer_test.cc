#include "tools/gen/json_writer.h"

#include <limits>

#include "gtest/gtest.h"

namespace fullerene::gen {
namespace {

TEST(JsonWriterTest, NestedObjectsAndArrays) {
  JsonWriter json;
  json.BeginObject();
  json.Key("a").Uint(1);
  json.Key("b").BeginArray();
  json.BeginObject().Key("c").Int(-2).EndObject();
  json.BeginObject().EndObject();
  json.String("d");
  json.EndArray();
  json.Key("e").Bool(true);
  json.EndObject();
  EXPECT_EQ(json.str(), R"({"a":1,"b":[{"c":-2},{},"d"],"e":true})");
}

TEST(JsonWriterTest, EscapesStrings) {
  JsonWriter json;
  json.String("q\"b\\s\n\x01");
  EXPECT_EQ(json.str(), R"("q\"b\\s\u000a\u0001")");
}

TEST(JsonWriterTest, DoublesAreShortestAndNonFiniteIsNull) {
  JsonWriter json;
  json.BeginArray();
  json.Double(0.1).Double(2.5e6).Double(std::numeric_limits<double>::quiet_NaN());
  json.Double(std::numeric_limits<double>::infinity());
  json.EndArray();
  EXPECT_EQ(json.str(), "[0.1,2500000,null,null]");
}

}  // namespace
}  // namespace fullerene::gen
