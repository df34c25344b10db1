// Bad input costs only the client that sends it (DESIGN "Failure rules", COMPAT §3.2, §3.4,
// §8). While two well-behaved clients send 20,000 datapoints each (one over line, one over
// pickle), hostile clients send everything carbon chokes on: malformed lines, invalid UTF-8,
// NaN and inf timestamps, pickles with a global, with REDUCE, with a 1.1e9 memo index, with
// 10,000 nested lists, a frame over PICKLE_RECEIVER_MAX_LENGTH and a line over 16384 bytes.
// Every good datapoint must arrive exactly once with its exact value, none of the bad ones
// may be forwarded, the relay must keep running and accepting, and the (rate-limited) log
// must name each hostile peer.
#include <algorithm>
#include <cstdint>
#include <latch>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
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

constexpr int kGoodPerClient = 20000;

template <size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

// The first line of `log` that contains `needle`, or "" when none does.
std::string LogLine(const std::string& log, const std::string& needle) {
  const size_t at = log.find(needle);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no log line with: " << needle;
    return "";
  }
  const size_t begin = log.rfind('\n', at);
  const size_t end = log.find('\n', at);
  return log.substr(begin == std::string::npos ? 0 : begin + 1,
                    end == std::string::npos ? std::string::npos : end - begin - 1);
}

std::string Peer(const Client& client) { return absl::StrCat("127.0.0.1:", LocalPort(client)); }

std::vector<Datapoint> Good(absl::string_view prefix) {
  std::vector<Datapoint> datapoints;
  datapoints.reserve(kGoodPerClient);
  for (int i = 0; i < kGoodPerClient; ++i) {
    // Values that need all 17 digits to survive the round trip.
    datapoints.push_back({absl::StrCat(prefix, i), 1700000000.0 + i, i / 7.0 + 0.1});
  }
  return datapoints;
}

// A good client: sends the first half of `bytes` in 20 pieces, says so on `halfway`, waits
// for `resume` (the hostile clients have had their go), sends the second half the same way,
// then closes and waits for the relay to close its side.
void GoodClient(int port, const std::string& bytes, std::latch* halfway,
                absl::Notification* resume) {
  Client client(port);
  EXPECT_TRUE(client.connected());
  const size_t piece = bytes.size() / 40 + 1;
  size_t offset = 0;
  for (int i = 0; i < 20 && offset < bytes.size(); ++i, offset += piece) {
    EXPECT_TRUE(client.Send(absl::string_view(bytes).substr(offset, piece)));
  }
  halfway->count_down();
  EXPECT_TRUE(resume->WaitForNotificationWithTimeout(absl::Seconds(60)));
  for (; offset < bytes.size(); offset += piece) {
    EXPECT_TRUE(client.Send(absl::string_view(bytes).substr(offset, piece)));
  }
  EXPECT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(30)));
}

class BadInputTest : public ::testing::Test {
 protected:
  // `max_frame` is PICKLE_RECEIVER_MAX_LENGTH; empty keeps carbon's default (1048576).
  void StartRelay(const std::string& max_frame = "") {
    CarbonConf conf;
    // Room for everything even if the sink falls behind: no drop may hide a lost datapoint.
    conf.Listen(ports_).Set("MAX_QUEUE_SIZE", "1000000").Destination(SinkAt(sink_));
    if (!max_frame.empty()) {
      conf.Set("PICKLE_RECEIVER_MAX_LENGTH", max_frame);
    }
    RulesConf rules;
    rules.Default({SinkAt(sink_)});
    ASSERT_TRUE(relay_.Start(conf.Text(), rules.Text(), {"--workers", "2"}).ok())
        << relay_.Stderr();
    ports_.Release();
  }

  // Sends `bytes` on its own connection; returns the peer name the relay logs for it. When
  // `relay_closes`, the relay must close the connection by itself; otherwise it must read
  // everything and close only after our FIN.
  std::string Hostile(int port, absl::string_view bytes, bool relay_closes = false) {
    Client client(port);
    EXPECT_TRUE(client.connected());
    const std::string peer = Peer(client);
    if (relay_closes) {
      client.Send(bytes);  // may fail part-way: the relay is allowed to hang up early
      EXPECT_TRUE(client.WaitForPeerClose(absl::Seconds(20))) << peer << " was not closed";
    } else {
      EXPECT_TRUE(client.Send(bytes)) << peer;
      EXPECT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20))) << peer;
    }
    return peer;
  }

  ReservedListeners ports_;
  Sink sink_{Sink::Protocol::kPickle};
  RelayProcess relay_;
};

TEST_F(BadInputTest, HostileClientsCostGoodClientsNothing) {
  StartRelay();
  const std::vector<Datapoint> good_line = Good("good.line.");
  const std::vector<Datapoint> good_pickle = Good("good.pickle.");
  const std::string line_bytes = LineText(good_line);
  const std::string pickle_bytes = PickleFrames(good_pickle, 500);
  // The good clients are half-way through when the hostile ones start, and finish after.
  std::latch halfway(2);
  absl::Notification hostile_done;
  std::thread line_client(
      [&] { GoodClient(ports_.line.port(), line_bytes, &halfway, &hostile_done); });
  std::thread pickle_client(
      [&] { GoodClient(ports_.pickle.port(), pickle_bytes, &halfway, &hostile_done); });
  halfway.wait();

  const int line_port = ports_.line.port();
  const int pickle_port = ports_.pickle.port();
  // Lines that do not parse (COMPAT §3.2): each is logged and skipped.
  const std::string malformed = Hostile(line_port,
                                        "bad.two.fields 1\n"
                                        "bad.four.fields 1 1700000000 x\n"
                                        "bad.value abc 1700000000\n"
                                        "bad.timestamp 1 xyz\n"
                                        "bad.hex 0x10 1700000000\n");
  const std::string utf8 = Hostile(line_port, "bad.utf8.\xff\xfe 1 1700000000\n");
  const std::string nan_ts = Hostile(line_port,
                                     "bad.nan.ts 1 nan\n"
                                     "bad.inf.ts 1 inf\n"
                                     "bad.neginf.ts 1 -inf\n");
  // A global (carbon's SafeUnpickler resolves none on Python 3), followed on the same
  // connection by a good frame: carbon drops only the bad frame (ImportError).
  const std::string global = Hostile(
      pickle_port,
      Frame(Bytes("\x80\x02]q\x00(X\x0e\x00\x00\x00hostile.globalq\x01GA\xd9T\xfc@\x00\x00\x00"
                  "G?\xf0\x00\x00\x00\x00\x00\x00\x86q\x02\x86q\x03"
                  "c__builtin__\nobject\nq\x04)\x81q\x05"
                  "e.")) +
          PickleFrames({{"ok.after.global", 1700000000, 1}}));
  const std::string reduce = Hostile(
      pickle_port,
      Frame(Bytes("\x80\x02]q\x00(X\x0e\x00\x00\x00hostile.reduceq\x01GA\xd9T\xfc@\x00\x00\x00"
                  "G?\xf0\x00\x00\x00\x00\x00\x00\x86q\x02\x86q\x03N)Rq\x04"
                  "e.")));
  // LONG_BINPUT 1100000000 in a 50-byte frame: CPython grows its memo to ~17 GB for it.
  const std::string memo = Hostile(
      pickle_port,
      Frame(Bytes("\x80\x02]r\x00\xab\x90\x41(X\x0c\x00\x00\x00hostile.memoq\x01GA\xd9T\xfc@\x00"
                  "\x00\x00G?\xf0\x00\x00\x00\x00\x00\x00\x86\x86"
                  "e.")));
  // [('hostile.deep', (1.0, 2.0)), [[[...10,000 deep...]]]] in protocol 0.
  const std::string deep = Hostile(
      pickle_port, Frame(absl::StrCat("(lp0\n(S'hostile.deep'\n(F1.0\nF2.0\ntta",
                                      std::string(10000, '('), std::string(10000, 'l'), "a.")));
  // A length over PICKLE_RECEIVER_MAX_LENGTH (1048576) closes the connection; the good frame
  // before it on the same connection was delivered first.
  const std::string oversized = Hostile(pickle_port,
                                        PickleFrames({{"ok.before.oversized", 1700000000, 2}}) +
                                            Bytes("\x00\x10\x00\x01") +  // 1048577
                                            PickleFrames({{"bad.after.oversized", 1700000000, 3}}),
                                        /*relay_closes=*/true);
  // A line over 16384 bytes closes the connection (Twisted's LineOnlyReceiver.MAX_LENGTH);
  // lines before it arrive, nothing after it does.
  const std::string long_line =
      Hostile(line_port,
              absl::StrCat("ok.before.long 4 1700000000\n", std::string(20000, 'x'),
                           " 1 1700000000\nbad.after.long 5 1700000000\n"),
              /*relay_closes=*/true);

  hostile_done.Notify();
  line_client.join();
  pickle_client.join();

  // Still running, and still taking new clients.
  EXPECT_EQ(relay_.WaitExit(absl::ZeroDuration()), -1) << "the relay exited:\n" << relay_.Stderr();
  {
    Client late(line_port);
    ASSERT_TRUE(late.connected());
    ASSERT_TRUE(late.Send("ok.late 6 1700000000\n"));
    ASSERT_TRUE(late.ShutdownAndWaitForClose(absl::Seconds(20)));
  }
  const size_t expected = 2 * kGoodPerClient + 4;  // + ok.after.global, ok.before.*, ok.late
  EXPECT_TRUE(sink_.WaitForCount(expected, absl::Seconds(30)))
      << sink_.Count() << " of " << expected;
  EXPECT_EQ(relay_.Stop(), 0);

  std::map<std::string, std::vector<Received>> arrived;
  for (const Received& r : sink_.Snapshot()) {
    arrived[r.name].push_back(r);
  }
  size_t missing = 0;
  size_t wrong = 0;
  for (const std::vector<Datapoint>* good : {&good_line, &good_pickle}) {
    for (const Datapoint& d : *good) {
      const auto it = arrived.find(d.name);
      if (it == arrived.end()) {
        ++missing;
        continue;
      }
      if (it->second.size() != 1 || it->second[0].value != d.value ||
          it->second[0].timestamp != d.timestamp) {
        ++wrong;
      }
      arrived.erase(it);
    }
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(wrong, 0u) << "good datapoints duplicated or changed";
  std::vector<std::string> rest;
  for (const auto& [name, received] : arrived) {
    rest.push_back(absl::StrCat(name, " x", received.size()));
  }
  EXPECT_THAT(rest, ::testing::UnorderedElementsAre("ok.after.global x1", "ok.before.oversized x1",
                                                    "ok.before.long x1", "ok.late x1"));

  const std::string log = relay_.Stderr();
  EXPECT_THAT(log, HasSubstr(absl::StrCat("invalid line (field_count) received from line client ",
                                          malformed, ", ignoring [bad.two.fields 1]")));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("invalid line (field_count) received from line client ",
                                          malformed, ", ignoring [bad.four.fields")));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("invalid line (bad_value) received from line client ",
                                          malformed, ", ignoring [bad.value abc")));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("invalid line (bad_timestamp) received from line "
                                          "client ",
                                          malformed, ", ignoring [bad.timestamp 1 xyz]")));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("invalid line (bad_value) received from line client ",
                                          malformed, ", ignoring [bad.hex 0x10")));
  EXPECT_THAT(log,
              HasSubstr(absl::StrCat("invalid line (bad_utf8) received from line client ", utf8)));
  for (const char* name : {"bad.nan.ts", "bad.inf.ts", "bad.neginf.ts"}) {
    EXPECT_THAT(log, HasSubstr(absl::StrCat("non-finite timestamp from line client ", nan_ts,
                                            " for ", name)));
  }
  EXPECT_THAT(LogLine(log, absl::StrCat("invalid pickle received from ", global, " (")),
              HasSubstr("error: unsafe"));
  EXPECT_THAT(LogLine(log, absl::StrCat("invalid pickle received from ", reduce, " (")),
              HasSubstr("error: unsafe"));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("invalid pickle received from ", memo,
                                          " (50 bytes), error: bad_memo")));
  EXPECT_THAT(LogLine(log, absl::StrCat("invalid pickle received from ", deep, " (")),
              HasSubstr("error: too_deep"));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("pickle frame of 1048577 bytes "
                                          "(PICKLE_RECEIVER_MAX_LENGTH 1048576) from ",
                                          oversized, ", closing the connection")));
  EXPECT_THAT(
      log, HasSubstr(absl::StrCat("(limit 16384) from ", long_line, ", closing the connection")));
}

// On one connection, every kind of bad line sits between good ones: each bad line costs only
// itself (carbon would drop the whole connection on bad UTF-8 or a NaN timestamp: COMPAT §8).
TEST_F(BadInputTest, BadLineCostsOnlyThatLine) {
  StartRelay();
  std::string bytes;
  std::vector<std::string> good;
  const char* bad[] = {
      "bad.two.fields 1",
      "bad.four.fields 1 2 3",
      "bad.value abc 1700000000",
      "bad.timestamp 1 xyz",
      "bad.hex 0x10 1700000000",
      "bad.utf8.\xc3\x28 1 1700000000",
      "bad.\xff 1 1700000000",
      "bad.nan.ts 1 nan",
      "bad.inf.ts 1 inf",
      "bad.comma 1,5 1700000000",
      "",
      "bad.nbsp\xc2\xa0x 1 1700000000",
  };
  for (size_t i = 0; i <= std::size(bad); ++i) {
    const std::string name = absl::StrCat("ok.", i);
    absl::StrAppend(&bytes, name, " ", i, " 1700000000\n");
    good.push_back(name);
    if (i < std::size(bad)) {
      absl::StrAppend(&bytes, bad[i], "\n");
    }
  }
  {
    Client client(ports_.line.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(bytes));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20)));
  }
  EXPECT_TRUE(sink_.WaitForCount(good.size(), absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  std::vector<std::string> names;
  for (const Received& r : sink_.Snapshot()) {
    names.push_back(r.name);
  }
  EXPECT_THAT(names, ::testing::UnorderedElementsAreArray(good));
}

// The same for pickle items (COMPAT §3.4): an item that is not (name, (ts, value)) or whose
// numbers are not float()-able is skipped; the rest of the frame arrives.
TEST_F(BadInputTest, BadPickleItemCostsOnlyThatItem) {
  StartRelay();
  const std::string payload =
      "(lp0\n"
      "(S'ok.a'\n(F1700000000.0\nF1.0\ntta"
      "(S'bad.none'\n(NF1.0\ntta"
      "(I1\nI2\nI3\nta"
      "(S'bad.word'\n(F1700000000.0\nS'abc'\ntta"
      "(S'bad.three'\n(F1.0\nF2.0\nF3.0\ntta"
      "(S'ok.b'\n(F1700000001.0\nF2.0\ntta.";
  {
    Client client(ports_.pickle.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(Frame(payload)));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20)));
  }
  EXPECT_TRUE(sink_.WaitForCount(2, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  std::vector<std::string> names;
  for (const Received& r : sink_.Snapshot()) {
    names.push_back(r.name);
  }
  EXPECT_THAT(names, ::testing::ElementsAre("ok.a", "ok.b"));
}

// The limits are inclusive, as in Twisted (COMPAT §3.2, §3.4): a line of exactly 16384 bytes
// and a frame of exactly PICKLE_RECEIVER_MAX_LENGTH bytes are accepted; one byte more closes
// the connection.
TEST_F(BadInputTest, LineOfExactly16384BytesIsAcceptedOneMoreIsNot) {
  StartRelay();
  const std::string tail = " 1 1700000000";
  const std::string longest = std::string(16384 - tail.size(), 'n') + tail;
  ASSERT_EQ(longest.size(), 16384u);
  Hostile(ports_.line.port(), longest + "\nok.after.longest 2 1700000000\n");
  Hostile(ports_.line.port(), "o" + longest + "\nbad.after.too.long 3 1700000000\n",
          /*relay_closes=*/true);
  EXPECT_TRUE(sink_.WaitForCount(2, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  std::vector<std::string> names;
  for (const Received& r : sink_.Snapshot()) {
    names.push_back(r.name);
  }
  EXPECT_THAT(names,
              ::testing::ElementsAre(std::string(16384 - tail.size(), 'n'), "ok.after.longest"));
  EXPECT_THAT(relay_.Stderr(), HasSubstr("line of 16385 bytes (limit 16384)"));
}

TEST_F(BadInputTest, FrameOfExactlyMaxLengthIsAcceptedOneMoreIsNot) {
  constexpr size_t kMax = 1000;
  StartRelay(absl::StrCat(kMax));
  // One datapoint whose name pads the payload (the frame without its 4-byte length) to kMax.
  const size_t overhead = PickleFrames({{"", 1700000000, 1}}).size() - 4;
  const std::string name = std::string(kMax - overhead, 'f');
  const std::string exact = PickleFrames({{name, 1700000000, 1}});
  ASSERT_EQ(exact.size(), 4 + kMax);
  const std::string longer = PickleFrames({{name + "g", 1700000000, 2}});
  Hostile(ports_.pickle.port(), exact + PickleFrames({{"ok.after.exact", 1700000000, 3}}));
  const std::string peer =
      Hostile(ports_.pickle.port(), longer + PickleFrames({{"bad.after.longer", 1700000000, 4}}),
              /*relay_closes=*/true);
  EXPECT_TRUE(sink_.WaitForCount(2, absl::Seconds(20))) << relay_.Stderr();
  EXPECT_EQ(relay_.Stop(), 0);
  std::vector<std::string> names;
  for (const Received& r : sink_.Snapshot()) {
    names.push_back(r.name);
  }
  EXPECT_THAT(names, ::testing::ElementsAre(name, "ok.after.exact"));
  EXPECT_THAT(relay_.Stderr(),
              HasSubstr(absl::StrCat("pickle frame of 1001 bytes (PICKLE_RECEIVER_MAX_LENGTH 1000) "
                                     "from ",
                                     peer)));
}

}  // namespace
}  // namespace fullerene::testing
