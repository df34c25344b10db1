// The pickle receiver end to end (COMPAT §3.4): what real clients send, from CPython's own
// pickle module at every protocol (0-5) to hand-made Python 2 payloads, must come out of the
// relay's pickle output with every name, timestamp and value exactly as sent: doubles bit for
// bit, and a timestamp of 1700000000.9 unchanged (COMPAT §4.2: carbon forwards the float).
// Framing must not depend on how the stream is cut into TCP segments.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/config_text.h"
#include "tests/integration/relay_process.h"
#include "tests/integration/sink.h"
#include "tests/testing/loopback.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::testing {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

// A string literal with its embedded NULs (and without the terminating one).
template <size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

uint64_t Bits(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return bits;
}

// A relay whose default rule sends everything to one pickle sink.
class PickleInputTest : public ::testing::Test {
 protected:
  void StartRelay() {
    CarbonConf conf;
    conf.Listen(ports_).Destination(SinkAt(sink_));
    RulesConf rules;
    rules.Default({SinkAt(sink_)});
    ASSERT_TRUE(relay_.Start(conf.Text(), rules.Text(), {"--workers", "2"}).ok())
        << relay_.Stderr();
    ports_.Release();
  }

  // Sends `bytes` on the pickle port and waits until the relay has read all of it.
  void SendPickle(absl::string_view bytes) {
    Client client(ports_.pickle.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(bytes));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20)));
  }

  // Waits for `expected.size()` datapoints, stops the relay, and checks that each expected
  // datapoint arrived exactly once, bit for bit, and nothing else did.
  void ExpectExactly(const std::vector<Datapoint>& expected) {
    EXPECT_TRUE(sink_.WaitForCount(expected.size(), absl::Seconds(20)))
        << sink_.Count() << " of " << expected.size() << "\n"
        << relay_.Stderr();
    EXPECT_EQ(relay_.Stop(), 0) << relay_.Stderr();
    std::map<std::string, std::vector<Received>> arrived;
    for (const Received& r : sink_.Snapshot()) {
      arrived[r.name].push_back(r);
    }
    for (const Datapoint& want : expected) {
      const auto it = arrived.find(want.name);
      if (it == arrived.end()) {
        ADD_FAILURE() << "'" << want.name << "' did not arrive";
        continue;
      }
      ASSERT_EQ(it->second.size(), 1u) << "'" << want.name << "' arrived more than once";
      const Received& got = it->second[0];
      EXPECT_EQ(Bits(got.timestamp), Bits(want.timestamp))
          << want.name << ": timestamp " << absl::StrCat(got.timestamp)
          << " != " << absl::StrCat(want.timestamp);
      EXPECT_EQ(Bits(got.value), Bits(want.value))
          << want.name << ": value " << got.value << " != " << want.value;
      arrived.erase(it);
    }
    for (const auto& [name, extra] : arrived) {
      ADD_FAILURE() << "unexpected '" << name << "' (" << extra.size() << "x)";
    }
    EXPECT_EQ(sink_.errors(), 0u);
  }

  ReservedListeners ports_;
  Sink sink_{Sink::Protocol::kPickle};
  RelayProcess relay_;
};

// What every protocol's frame holds, as Python literals and as the doubles they must become.
struct Item {
  const char* name;
  const char* python_timestamp;
  const char* python_value;
  double timestamp;
  double value;
  int min_protocol;  // bytes only pickle without a global from protocol 3 on
};

const std::vector<Item>& Items() {
  static const auto* items = new std::vector<Item>{
      {"float", "1700000000.9", "0.30000000000000004", 1700000000.9, 0.30000000000000004, 0},
      {"denormal", "1700000000.0", "5e-324", 1700000000.0,
       std::numeric_limits<double>::denorm_min(), 0},
      {"max", "1700000001", "1.7976931348623157e308", 1700000001,
       std::numeric_limits<double>::max(), 0},
      {"negzero", "1700000002.5", "-0.0", 1700000002.5, -0.0, 0},
      {"third", "1700000003", "1/3", 1700000003, 1.0 / 3.0, 0},
      {"ünïcode", "1700000004", "1e23", 1700000004, 1e23, 0},
      {"inf", "1700000005", "float('inf')", 1700000005, std::numeric_limits<double>::infinity(), 0},
      {"neginf", "1700000005", "float('-inf')", 1700000005,
       -std::numeric_limits<double>::infinity(), 0},
      // COMPAT §3.4: float() of ints, bools and numeric strings.
      {"int", "1700000006", "42", 1700000006, 42, 0},
      {"bigint", "1700000007", "2**62", 1700000007, 4611686018427387904.0, 0},
      {"negint", "1700000008", "-123456789", 1700000008, -123456789, 0},
      {"true", "1700000009", "True", 1700000009, 1, 0},
      {"false", "1700000010", "False", 1700000010, 0, 0},
      {"str", "1700000011", "'1.5'", 1700000011, 1.5, 0},
      {"strts", "'1700000012.25'", "-2.5", 1700000012.25, -2.5, 0},
      {"bytes", "1700000013", "b'2.5'", 1700000013, 2.5, 3},
  };
  return *items;
}

std::string ProtocolName(int protocol, absl::string_view item) {
  return absl::StrCat("p", protocol, ".", item);
}

TEST_F(PickleInputTest, CPythonPicklesOfEveryProtocolArriveBitExact) {
  if (access(kPython, X_OK) != 0) {
    GTEST_SKIP() << kPython << " is not installed; it makes this test's pickles";
  }
  TempDir dir;
  std::string items = "ITEMS = [\n";
  for (const Item& item : Items()) {
    absl::StrAppend(&items, "  ('", item.name, "', ", item.python_timestamp, ", ",
                    item.python_value, ", ", item.min_protocol, "),\n");
  }
  absl::StrAppend(&items, "]\n");
  const std::string script =
      dir.Write("make_frames.py",
                absl::StrCat("import pickle, struct, sys\n", items,
                             "with open(sys.argv[1], 'wb') as out:\n"
                             "    for protocol in range(6):\n"
                             "        data = [('p%d.%s' % (protocol, n), (ts, v))\n"
                             "                for n, ts, v, least in ITEMS if protocol >= least]\n"
                             "        p = pickle.dumps(data, protocol=protocol)\n"
                             "        out.write(struct.pack('!L', len(p)) + p)\n"));
  const std::string frames_path = dir.Join("frames.bin");
  ASSERT_EQ(std::system(absl::StrCat(kPython, " ", script, " ", frames_path).c_str()), 0);
  const std::string frames = ReadFileOrEmpty(frames_path);
  ASSERT_FALSE(frames.empty());

  std::vector<Datapoint> expected;
  for (int protocol = 0; protocol <= 5; ++protocol) {
    for (const Item& item : Items()) {
      if (protocol >= item.min_protocol) {
        expected.push_back({ProtocolName(protocol, item.name), item.timestamp, item.value});
      }
    }
  }
  StartRelay();
  SendPickle(frames);
  ExpectExactly(expected);
}

// Python 2 clients send str names: 'S' (protocol 0, quoted and escaped), 'U' and 'T'
// (protocol 1+), which carbon decodes as UTF-8. Python 2 ints come as 'I' (with "I01" for
// True) and 'L', or BININT/BININT1/BININT2.
TEST_F(PickleInputTest, Python2StrNamesArrive) {
  const std::string protocol0(
      "(lp0\n"
      "(S'py2.s'\np1\n(F1700000000.5\nF1.25\ntp2\ntp3\na"
      "(S'py2.\\xc3\\xbc.escaped'\np4\n(I1700000001\nI01\ntp5\ntp6\na"
      "(S\"py2.double'quote\"\np7\n(L1700000002L\nI-7\ntp8\ntp9\na.");
  const std::string protocol1 = Bytes(
      "]q\x00("
      "(U\x06py2.u1q\x01(GA\xd9T\xfc@\x00\x00\x00G?\xf4\x00\x00\x00\x00\x00\x00tq\x02tq\x03"
      "(T\x09\x00\x00\x00py2.t1.\xc3\xa9q\x04(J\x03\xf1S\x65K\x07tq\x05tq\x06"
      "(U\x06py2.m1q\x07(M\x01\x02J\xff\xff\xff\xfftq\x08tq\x09"
      "e.");
  const std::string protocol2 = Bytes(
      "\x80\x02]q\x00U\x06py2.p2q\x01GA\xd9T\xfc@\x00\x00\x00G@\x04\x00\x00\x00\x00\x00\x00"
      "\x86q\x02\x86q\x03"
      "a.");
  StartRelay();
  SendPickle(Frame(protocol0) + Frame(protocol1) + Frame(protocol2));
  ExpectExactly({
      {"py2.s", 1700000000.5, 1.25},
      {"py2.ü.escaped", 1700000001, 1},
      {"py2.double'quote", 1700000002, -7},
      {"py2.u1", 1700000000, 1.25},
      {"py2.t1.é", 1700000003, 7},
      {"py2.m1", 513, -1},
      {"py2.p2", 1700000000, 2.5},
  });
}

std::vector<Datapoint> Numbered(absl::string_view prefix, int n) {
  std::vector<Datapoint> datapoints;
  for (int i = 0; i < n; ++i) {
    datapoints.push_back({absl::StrCat(prefix, i), 1700000000.0 + i, i * 1.5 + 0.1});
  }
  return datapoints;
}

TEST_F(PickleInputTest, ManyFramesInOneWrite) {
  const std::vector<Datapoint> datapoints = Numbered("many.", 500);
  const std::string frames = PickleFrames(datapoints, /*per_frame=*/10);
  StartRelay();
  {
    Client client(ports_.pickle.port());
    ASSERT_TRUE(client.connected());
    // One send(2) of all 50 frames.
    ASSERT_EQ(send(client.fd(), frames.data(), frames.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(frames.size()));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20)));
  }
  ExpectExactly(datapoints);
}

// Three frames cut into pieces of 1, 2, 3, 5, 7 and 11 bytes, so that headers, payloads and
// frame boundaries all fall inside and across writes.
TEST_F(PickleInputTest, FramesSplitAcrossManyWrites) {
  const std::vector<Datapoint> datapoints = Numbered("split.", 30);
  const std::string frames = PickleFrames(datapoints, /*per_frame=*/10);
  StartRelay();
  {
    Client client(ports_.pickle.port());
    ASSERT_TRUE(client.connected());
    int one = 1;
    setsockopt(client.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    constexpr size_t kPieces[] = {1, 2, 3, 5, 7, 11};
    size_t offset = 0;
    for (size_t i = 0; offset < frames.size(); ++i) {
      const size_t n = std::min(kPieces[i % 6], frames.size() - offset);
      ASSERT_TRUE(client.Send(absl::string_view(frames).substr(offset, n)));
      offset += n;
      // Nothing observable says the relay has read a piece; a short pause makes it likely
      // that pieces arrive as separate reads. The test passes either way when framing is
      // right, and only the split cases can catch it being wrong.
      absl::SleepFor(absl::Microseconds(500));
    }
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20)));
  }
  ExpectExactly(datapoints);
}

}  // namespace
}  // namespace fullerene::testing
