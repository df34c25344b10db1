#include "net/batch_builder.h"

#include <string>
#include <vector>

#include "codec/line/line_decoder.h"
#include "codec/pickle/pickle_decoder.h"
#include "codec/pickle/pickle_frame_reader.h"
#include "gtest/gtest.h"
#include "tests/net/relay_state_fixture.h"

namespace fullerene::net {
namespace {

struct Collected {
  std::vector<std::string> names;
  std::vector<double> values;
  void OnMetric(const core::MetricView& m) {
    names.emplace_back(m.name);
    values.push_back(m.value);
  }
  void OnBadLine(codec::LineStatus, absl::string_view) { ADD_FAILURE() << "bad line"; }
  void OnBadItem(codec::PickleItemError) { ADD_FAILURE() << "bad item"; }
};

struct Frames {
  codec::PickleDecoder decoder;
  Collected* out;
  int frames = 0;
  void OnFrame(absl::string_view payload) {
    ++frames;
    EXPECT_EQ(decoder.Decode(payload, *out), codec::PickleFrameStatus::kOk);
  }
};

core::Config TwoDestinations(int64_t per_message) {
  core::Config config;
  config.max_datapoints_per_message = per_message;
  config.destinations.push_back(
      TestDestination("127.0.0.1", 2004, "a", core::WireProtocol::kPickle, "key."));
  config.destinations.push_back(
      TestDestination("127.0.0.1", 2104, "b", core::WireProtocol::kLine));
  return config;
}

TEST(BatchBuilderTest, EncodesEachDestinationInItsProtocolWithItsPrefix) {
  auto state = MakeRelayState(TwoDestinations(500));
  BatchPool pool;
  BatchBuilder builder(*state, pool);
  builder.Add(0, "foo.bar", 1700000000, 1.5);
  builder.Add(1, "foo.bar", 1700000000, 1.5);
  EXPECT_EQ(builder.OpenCount(0), 1u);
  builder.CloseAll();
  ASSERT_EQ(builder.closed().size(), 2u);

  Batch* pickle = builder.closed()[0];
  EXPECT_EQ(pickle->destination, 0u);
  Collected got;
  Frames frames{{}, &got};
  codec::PickleFrameReader reader(1 << 20);
  ASSERT_TRUE(reader.Feed(pickle->bytes.view(), frames));
  EXPECT_EQ(frames.frames, 1);
  EXPECT_EQ(got.names, std::vector<std::string>{"key.foo.bar"});

  Batch* line = builder.closed()[1];
  EXPECT_EQ(line->bytes.view(), "foo.bar 1.5 1700000000\r\n");
  EXPECT_EQ(state->destinations[0]->queued.load(), 1);
  EXPECT_EQ(state->destinations[1]->queued.load(), 1);
  for (Batch* b : builder.closed()) {
    pool.Put(b);
  }
}

TEST(BatchBuilderTest, ClosesABatchAtMaxDatapointsPerMessage) {
  auto state = MakeRelayState(TwoDestinations(3));
  BatchPool pool;
  BatchBuilder builder(*state, pool);
  for (int i = 0; i < 7; ++i) {
    builder.Add(0, "m" + std::to_string(i), 1700000000, i);
  }
  // Two full batches closed on their own; the last one only on CloseAll().
  EXPECT_EQ(builder.closed().size(), 2u);
  EXPECT_EQ(builder.OpenCount(0), 1u);
  builder.CloseAll();
  ASSERT_EQ(builder.closed().size(), 3u);
  std::vector<uint32_t> sizes;
  Collected got;
  Frames frames{{}, &got};
  codec::PickleFrameReader reader(1 << 20);
  for (Batch* b : builder.closed()) {
    sizes.push_back(b->datapoints);
    ASSERT_TRUE(reader.Feed(b->bytes.view(), frames));
    pool.Put(b);
  }
  EXPECT_EQ(sizes, (std::vector<uint32_t>{3, 3, 1}));
  EXPECT_EQ(frames.frames, 3);
  EXPECT_EQ(got.values, (std::vector<double>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(state->destinations[0]->queued.load(), 7);
}

TEST(BatchBuilderTest, CloseAllWithNothingOpenClosesNothing) {
  auto state = MakeRelayState(TwoDestinations(500));
  BatchPool pool;
  BatchBuilder builder(*state, pool);
  builder.CloseAll();
  EXPECT_TRUE(builder.closed().empty());
}

}  // namespace
}  // namespace fullerene::net
