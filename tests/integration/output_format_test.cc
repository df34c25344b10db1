// What the relay writes to its destinations (COMPAT §3.1, §4.2, §4.3), read back from real
// sockets: carbon's exact line text (CRLF, "%.10f" values, truncated timestamps), pickle that
// decodes to exactly what was received, our destination options (`?prefix=` and
// `&protocol=`), MAX_DATAPOINTS_PER_MESSAGE, and the datapoint rewrites of metricReceived:
// a -1 timestamp means "now", MIN_TIMESTAMP_RESOLUTION floors, NaN values are dropped.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "codec/pickle/pickle_decoder.h"
#include "codec/pickle/pickle_frame_reader.h"
#include "core/base/metric_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/config_text.h"
#include "tests/integration/relay_process.h"
#include "tests/integration/sink.h"
#include "tests/testing/loopback.h"

namespace fullerene::testing {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Le;

// Sends `bytes` to `port` and waits until the relay has read all of it (it closes its side
// only after processing what came before the FIN).
void SendAndClose(int port, absl::string_view bytes) {
  Client client(port);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(bytes));
  ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20)));
}

std::map<std::string, Received> ByName(const std::vector<Received>& received) {
  std::map<std::string, Received> by_name;
  for (const Received& r : received) {
    EXPECT_TRUE(by_name.emplace(r.name, r).second) << "'" << r.name << "' arrived twice";
  }
  return by_name;
}

// Decodes a pickle destination's byte stream frame by frame; returns the number of items of
// each frame.
std::vector<size_t> ItemsPerFrame(absl::string_view stream) {
  struct Counter {
    size_t items = 0;
    void OnMetric(const core::MetricView&) { ++items; }
    void OnBadItem(codec::PickleItemError) { ADD_FAILURE() << "bad item in relay output"; }
  };
  struct Frames {
    std::vector<size_t> counts;
    codec::PickleDecoder decoder;
    void OnFrame(absl::string_view payload) {
      Counter counter;
      EXPECT_EQ(decoder.Decode(payload, counter), codec::PickleFrameStatus::kOk);
      counts.push_back(counter.items);
    }
  } frames;
  codec::PickleFrameReader reader(1 << 30);
  EXPECT_TRUE(reader.Feed(stream, frames));
  EXPECT_EQ(reader.buffered(), 0u) << "a partial frame at the end";
  return frames.counts;
}

class OutputFormatTest : public ::testing::Test {
 protected:
  // Starts the relay with `conf` (listeners added here) and a default rule to `defaults`.
  void StartRelay(CarbonConf conf, const std::vector<std::string>& defaults) {
    conf.Listen(ports_);
    RulesConf rules;
    rules.Default(defaults);
    ASSERT_TRUE(relay_.Start(conf.Text(), rules.Text(), {"--workers", "2"}).ok())
        << relay_.Stderr();
    ports_.Release();
  }

  ReservedListeners ports_;
  RelayProcess relay_;
};

// COMPAT §4.3's table, end to end. Values go in over pickle so that every double is exactly
// the one in the table.
TEST_F(OutputFormatTest, LineOutputIsCarbonsTextWithCrlf) {
  struct Row {
    double timestamp;
    double value;
    const char* text;  // what carbon writes: "<name> <text>\r\n"
  };
  const std::vector<Row> rows = {
      {1700000000, 1.0, "1 1700000000"},
      {1700000000.9, 0.1, "0.1 1700000000"},
      {1700000001, 0.30000000000000004, "0.3 1700000001"},
      {1700000002, 123456789.12345679, "123456789.123456791 1700000002"},
      {1700000003, -0.0, "-0 1700000003"},
      {1700000004, 5e-11, "0.0000000001 1700000004"},
      {1700000005, std::numeric_limits<double>::infinity(), "inf 1700000005"},
      {1700000006, -std::numeric_limits<double>::infinity(), "-inf 1700000006"},
      {1700000007, 1e20, "100000000000000000000 1700000007"},
      {1700000008, 1.0 / 3.0, "0.3333333333 1700000008"},
      {1700000009, 1.00000000005, "1.0000000001 1700000009"},
      {1700000010, 1e23, "99999999999999991611392 1700000010"},
      {1700000011, 1e-11, "0 1700000011"},
      {1700000012, 2.5e-05, "0.000025 1700000012"},
      {-2.5, 7, "7 -2"},  // %d truncates toward zero (-1.5 would be "now", COMPAT §3.1)
      {0.5, 8, "8 0"},
  };
  Sink sink(Sink::Protocol::kLine);
  CarbonConf conf;
  conf.Set("DESTINATION_PROTOCOL", "line").Destination(SinkAt(sink));
  StartRelay(conf, {SinkAt(sink)});

  std::vector<Datapoint> datapoints;
  std::string expected;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string name = absl::StrCat("fmt.row", i);
    datapoints.push_back({name, rows[i].timestamp, rows[i].value});
    absl::StrAppend(&expected, name, " ", rows[i].text, "\r\n");
  }
  SendAndClose(ports_.pickle.port(), PickleFrames(datapoints));
  EXPECT_TRUE(sink.WaitForCount(rows.size(), absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  EXPECT_EQ(absl::CHexEscape(sink.RawBytes()), absl::CHexEscape(expected));
}

// COMPAT §4.2's example, byte for byte: one datapoint is one message with CPython's encoding.
TEST_F(OutputFormatTest, PickleOutputOfOneDatapointIsCPythonsBytes) {
  Sink sink(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Destination(SinkAt(sink));
  StartRelay(conf, {SinkAt(sink)});
  SendAndClose(ports_.line.port(), "foo.bar 1 1700000000\n");
  EXPECT_TRUE(sink.WaitForCount(1, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  EXPECT_EQ(absl::BytesToHexString(sink.RawBytes()),
            "0000002d80025d71005807000000666f6f2e62617271014741d954fc40000000473ff0000000000000"
            "867102867103612e");
}

// Line in, pickle out: the doubles carbon parsed are the doubles it pickles; the timestamp is
// not truncated.
TEST_F(OutputFormatTest, PickleOutputDecodesToExactlyWhatWasReceived) {
  Sink sink(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Destination(SinkAt(sink));
  StartRelay(conf, {SinkAt(sink)});
  SendAndClose(ports_.line.port(),
               "p.frac 0.30000000000000004 1700000000.9\n"
               "p.big 1e300 1700000001\n"
               "p.neg -123.456 1700000002.25\n"
               "p.exp 1E-5 1.7e9\n"
               "p.int 42 1700000003\n"
               "p.huge 1e400 1700000004\n"
               "p.under 1_000 1700000005\n");
  EXPECT_TRUE(sink.WaitForCount(7, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  std::map<std::string, Received> got = ByName(sink.Snapshot());
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got["p.frac"].value, 0.30000000000000004);
  EXPECT_EQ(got["p.frac"].timestamp, 1700000000.9);
  EXPECT_EQ(got["p.big"].value, 1e300);
  EXPECT_EQ(got["p.neg"].value, -123.456);
  EXPECT_EQ(got["p.neg"].timestamp, 1700000002.25);
  EXPECT_EQ(got["p.exp"].value, 1e-5);
  EXPECT_EQ(got["p.exp"].timestamp, 1.7e9);
  EXPECT_EQ(got["p.int"].value, 42);
  EXPECT_EQ(got["p.huge"].value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(got["p.under"].value, 1000);  // Python's float() takes '_' between digits
  EXPECT_EQ(sink.errors(), 0u);
}

// The Hosted Graphite set-up of /work/shared/reference/ in one process: the hosted service
// gets every name prefixed with the API key over line, the local carbon-cache gets the same
// datapoints unprefixed over pickle (DESTINATION_PROTOCOL's default).
TEST_F(OutputFormatTest, PrefixAndProtocolOptionsApplyToTheirDestinationOnly) {
  Sink hosted(Sink::Protocol::kLine);
  Sink local(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Set("RELAY_METHOD", "rules")
      .Destination(SinkAt(hosted, "", "prefix=API-KEY.&protocol=line"))
      .Destination(SinkAt(local));
  // The rule names destinations without their options, as relay-rules.conf may.
  StartRelay(conf, {SinkAt(hosted), SinkAt(local)});
  SendAndClose(ports_.line.port(), "web.requests 12 1700000000\nweb.errors 0.5 1700000001.9\n");
  EXPECT_TRUE(hosted.WaitForCount(2, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_TRUE(local.WaitForCount(2, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  EXPECT_EQ(hosted.RawBytes(),
            "API-KEY.web.requests 12 1700000000\r\nAPI-KEY.web.errors 0.5 1700000001\r\n");
  std::map<std::string, Received> got = ByName(local.Snapshot());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got["web.requests"].value, 12);
  EXPECT_EQ(got["web.errors"].timestamp, 1700000001.9);
  EXPECT_EQ(local.errors(), 0u);
}

// The other way round: DESTINATION_PROTOCOL = line for all, `?protocol=pickle` for one.
TEST_F(OutputFormatTest, ProtocolOptionOverridesDestinationProtocol) {
  Sink plain(Sink::Protocol::kLine);
  Sink pickled(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Set("DESTINATION_PROTOCOL", "line")
      .Destination(SinkAt(plain))
      .Destination(SinkAt(pickled, "", "protocol=pickle"));
  StartRelay(conf, {SinkAt(plain), SinkAt(pickled)});
  SendAndClose(ports_.line.port(), "a.b 1.5 1700000000.5\n");
  EXPECT_TRUE(plain.WaitForCount(1, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_TRUE(pickled.WaitForCount(1, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  EXPECT_EQ(plain.RawBytes(), "a.b 1.5 1700000000\r\n");
  std::vector<Received> got = pickled.Snapshot();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "a.b");
  EXPECT_EQ(got[0].timestamp, 1700000000.5);
  EXPECT_EQ(pickled.errors(), 0u);
}

TEST_F(OutputFormatTest, NoPickleMessageHoldsMoreThanMaxDatapointsPerMessage) {
  constexpr size_t kMax = 7;
  constexpr int kCount = 200;
  Sink sink(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Set("MAX_DATAPOINTS_PER_MESSAGE", absl::StrCat(kMax)).Destination(SinkAt(sink));
  StartRelay(conf, {SinkAt(sink)});
  std::vector<Datapoint> datapoints;
  for (int i = 0; i < kCount; ++i) {
    datapoints.push_back({absl::StrCat("batch.", i), 1700000000.0 + i, i * 1.0});
  }
  // One frame of 200 over pickle and the same names again over line: both arrive in one
  // read, so the relay has far more than kMax at hand for the destination at once.
  SendAndClose(ports_.pickle.port(), PickleFrames(datapoints, kCount));
  SendAndClose(ports_.line.port(), LineText(datapoints));
  EXPECT_TRUE(sink.WaitForCount(2 * kCount, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  const std::vector<size_t> frames = ItemsPerFrame(sink.RawBytes());
  size_t total = 0;
  for (size_t n : frames) {
    total += n;
  }
  EXPECT_EQ(total, 2u * kCount);
  EXPECT_THAT(frames, Each(Le(kMax)));
  EXPECT_GE(frames.size(), (2 * kCount + kMax - 1) / kMax);
}

// COMPAT §3.1 step 3: int(ts) == -1 means "now" (so does anything in (-2, -1]); -2 does not.
TEST_F(OutputFormatTest, MinusOneTimestampBecomesNow) {
  Sink sink(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Destination(SinkAt(sink));
  StartRelay(conf, {SinkAt(sink)});
  const double before = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  SendAndClose(ports_.line.port(),
               "now.minus1 1 -1\nnow.minus1.5 2 -1.5\nnow.minus1.0 3 -1.0\nkept.minus2 4 -2\n");
  SendAndClose(ports_.pickle.port(), PickleFrames({{"now.pickle", -1, 5}}));
  EXPECT_TRUE(sink.WaitForCount(5, absl::Seconds(20))) << relay_.Stderr();
  const double after = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  EXPECT_EQ(relay_.Stop(), 0);
  std::map<std::string, Received> got = ByName(sink.Snapshot());
  ASSERT_EQ(got.size(), 5u);
  for (const char* name : {"now.minus1", "now.minus1.5", "now.minus1.0", "now.pickle"}) {
    EXPECT_GE(got[name].timestamp, before - 1) << name;
    EXPECT_LE(got[name].timestamp, after + 1) << name;
  }
  EXPECT_EQ(got["kept.minus2"].timestamp, -2);
}

// COMPAT §3.1 step 4: ts = int(ts) // res * res, with Python's floor division.
TEST_F(OutputFormatTest, MinTimestampResolutionFloorsTimestamps) {
  Sink sink(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Set("MIN_TIMESTAMP_RESOLUTION", "60").Destination(SinkAt(sink));
  StartRelay(conf, {SinkAt(sink)});
  SendAndClose(ports_.line.port(),
               "res.a 1 1700000059.9\nres.b 2 1700000100\nres.c 3 1700000099\nres.d 4 59\n"
               "res.e 5 -61\n");
  EXPECT_TRUE(sink.WaitForCount(5, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  std::map<std::string, Received> got = ByName(sink.Snapshot());
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got["res.a"].timestamp, 1700000040);
  EXPECT_EQ(got["res.b"].timestamp, 1700000100);
  EXPECT_EQ(got["res.c"].timestamp, 1700000040);
  EXPECT_EQ(got["res.d"].timestamp, 0);
  EXPECT_EQ(got["res.e"].timestamp, -120);
  EXPECT_EQ(got["res.a"].value, 1);
}

// COMPAT §3.1 step 2: a NaN value is dropped silently, from either protocol; what follows it
// on the same connection still arrives.
TEST_F(OutputFormatTest, NanValuesAreDropped) {
  Sink sink(Sink::Protocol::kPickle);
  CarbonConf conf;
  conf.Destination(SinkAt(sink));
  StartRelay(conf, {SinkAt(sink)});
  SendAndClose(ports_.line.port(),
               "nan.lower nan 1700000000\nnan.upper NaN 1700000000\nnan.neg -nan 1700000000\n"
               "after.line 1 1700000000\n");
  SendAndClose(ports_.pickle.port(), PickleFrames({{"nan.pickle", 1700000000, std::nan("")},
                                                   {"after.pickle", 1700000000, 2}}));
  EXPECT_TRUE(sink.WaitForCount(2, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  std::vector<std::string> names;
  for (const Received& r : sink.Snapshot()) {
    names.push_back(r.name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("after.line", "after.pickle"));
}

}  // namespace
}  // namespace fullerene::testing
