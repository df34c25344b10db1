// The strongest placement check: the real carbon-relay (Debian's graphite-carbon 1.1.7) and
// fullerene run side by side with the same carbon.conf shape, RELAY_METHOD =
// consistent-hashing over four destinations 127.0.0.1:<port>:a ... :d, each relay with its
// own four Sinks. Both get the same ~2000 metric names; every name must land on the same
// instances (a..d) from both. The ring key is (server, instance), never the port (COMPAT
// §1.1), so the two relays' different sink ports do not matter.
//
// The names: the 1000 harness.metric.NNNN of COMPAT §7, the §1.9 vector names (the empty
// name, which no line can carry, goes over pickle), the collision probes of §1.3
// (collide.29498 hashes to 63454 where b and d collide, collide.108384 to d's probed 63455),
// names that look empty or odd but are legal lines (".", "-", "0", tabs, CRLF, surrounding
// blanks), and seeded random names, some with non-ASCII characters.
//
// Hash types: carbon_ch and fnv1a_ch, REPLICATION_FACTOR 1 and 2 with DIVERSE_REPLICAS =
// False (and RF 2 diverse, which on one host means one destination). mmh3_ch cannot be
// compared: the mmh3 module is not packaged in Debian and carbon-relay refuses to start
// with it; that case checks that this is still so and skips.
//
// As a check of the harness itself, carbon-relay's placement of the harness names is also
// compared with tests/testdata/compat/bulk-inst4.csv (computed from carbon's router code).
#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/carbon_peer.h"
#include "tests/integration/relay_process.h"
#include "tests/integration/sink.h"
#include "tests/testing/loopback.h"

namespace fullerene::testing {
namespace {

constexpr char kInstances[] = "abcd";
constexpr size_t kTotalNames = 2000;

struct PlacementCase {
  std::string label;
  std::string hash_type;
  int replication_factor;
  bool diverse;
  // Column of bulk-inst4.csv carbon must agree with; empty: none.
  std::string csv_column;
};

void PrintTo(const PlacementCase& c, std::ostream* os) { *os << c.label; }

// One datapoint to send: `line` is how it is written on the line receiver; empty means it
// goes over pickle (the empty name).
struct Datapoint {
  std::string name;
  double timestamp;
  double value;
  std::string line;
};

bool IsSelfMetric(const std::string& name) { return absl::StartsWith(name, "carbon.relays."); }

std::string Number(double d) { return absl::StrFormat("%.17g", d); }

std::vector<Datapoint> MakeDatapoints() {
  std::vector<Datapoint> out;
  std::set<std::string> names;
  auto add = [&](const std::string& name, const std::string& line_format) {
    if (absl::StartsWith(name, "carbon") || !names.insert(name).second) {
      return;
    }
    const double index = static_cast<double>(out.size());
    Datapoint d{name, 1700000000.0 + index, index * 0.5 - 7, ""};
    if (line_format != "pickle") {
      // line_format: the separators and ending around NAME VALUE TS.
      std::vector<std::string> parts = absl::StrSplit(line_format, '|');
      d.line = absl::StrCat(parts[0], name, parts[1], Number(d.value), parts[2],
                            Number(d.timestamp), parts[3]);
    }
    out.push_back(d);
  };
  const std::string plain = "| | |\n";
  for (int i = 0; i < 1000; ++i) {
    add(absl::StrFormat("harness.metric.%04d", i), plain);
  }
  // COMPAT §1.9; "" cannot be a line (it would have two fields), so it goes over pickle.
  for (const char* name : {"foo.bar", "servers.web01.cpu.user", "a", "ünïcode.metric"}) {
    add(name, plain);
  }
  add("", "pickle");
  add("collide.29498", plain);
  add("collide.108384", plain);
  // Odd but legal lines: carbon strips the line and splits on whitespace runs.
  for (const char* name : {".", "..", "-", "_", "0", "a.", ".a", "~", "x;tag=1;dc=b",
                           "q'uote\"d\\name", "ünï", "中文.指标", "emoji.😀"}) {
    add(name, plain);
  }
  add("tabbed.metric", "\t |\t|\t| \r\n");
  add("surrounded.by.blanks", "   |   |   |   \n");
  add("crlf.metric", "| | |\r\n");
  add("bare.cr.inside", "| | |\r\r\n");
  add(std::string(2000, 'L'), plain);

  std::mt19937 random(0xF011E2E);
  const std::vector<std::string> alphabet = {
      "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k",  "l", "m", "n", "o", "p",
      "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "0",  "1", "2", "3", "4", "5",
      "6", "7", "8", "9", "_", "-", "A", "Z", "é", "ß", "中", "😀", ":", "=", "@", "%"};
  std::uniform_int_distribution<size_t> segments(1, 6);
  std::uniform_int_distribution<size_t> length(1, 12);
  std::uniform_int_distribution<size_t> letter(0, alphabet.size() - 1);
  while (out.size() < kTotalNames) {
    std::vector<std::string> parts;
    for (size_t s = segments(random); s > 0; --s) {
      std::string part;
      for (size_t l = length(random); l > 0; --l) {
        part += alphabet[letter(random)];
      }
      parts.push_back(part);
    }
    add(absl::StrJoin(parts, "."), plain);
  }
  return out;
}

// The instances each name reached, as a sorted string ("a", "bd"), from four sinks; fails
// the test on duplicates, unknown names and value changes.
std::map<std::string, std::string> Placement(const std::string& relay,
                                             std::vector<std::unique_ptr<Sink>>& sinks,
                                             const std::map<std::string, const Datapoint*>& sent) {
  std::map<std::string, std::string> placement;
  for (size_t i = 0; i < sinks.size(); ++i) {
    EXPECT_EQ(sinks[i]->errors(), 0u) << relay << " sink " << kInstances[i];
    for (const Received& r : sinks[i]->Snapshot()) {
      if (IsSelfMetric(r.name)) {
        continue;
      }
      auto it = sent.find(r.name);
      if (it == sent.end()) {
        ADD_FAILURE() << relay << " delivered a name never sent: '" << r.name << "'";
        continue;
      }
      EXPECT_EQ(r.timestamp, it->second->timestamp)
          << relay << " '" << r.name << "'"
          << absl::StrFormat(": got %.17g, sent %.17g", r.timestamp, it->second->timestamp);
      EXPECT_EQ(r.value, it->second->value)
          << relay << " '" << r.name << "'"
          << absl::StrFormat(": got %.17g, sent %.17g", r.value, it->second->value);
      std::string& instances = placement[r.name];
      if (instances.find(kInstances[i]) != std::string::npos) {
        ADD_FAILURE() << relay << " delivered '" << r.name << "' twice to " << kInstances[i];
        continue;
      }
      instances.push_back(kInstances[i]);
      std::sort(instances.begin(), instances.end());
    }
  }
  return placement;
}

size_t CountNonSelf(std::vector<std::unique_ptr<Sink>>& sinks) {
  size_t n = 0;
  for (auto& sink : sinks) {
    for (const Received& r : sink->Snapshot()) {
      n += IsSelfMetric(r.name) ? 0 : 1;
    }
  }
  return n;
}

// bulk-inst4.csv: metric -> column -> instances in carbon's order.
std::map<std::string, std::map<std::string, std::string>> ReadBulkCsv() {
  std::map<std::string, std::map<std::string, std::string>> rows;
  std::ifstream in(FULLERENE_SOURCE_DIR "/tests/testdata/compat/bulk-inst4.csv");
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::vector<std::string> fields = absl::StrSplit(line, ',');
    if (header.empty()) {
      header = fields;
      continue;
    }
    for (size_t i = 1; i < fields.size() && i < header.size(); ++i) {
      rows[fields[0]][header[i]] = fields[i];
    }
  }
  return rows;
}

class CarbonRelayPlacementTest : public ::testing::TestWithParam<PlacementCase> {
 protected:
  void SetUp() override {
    if (std::string why = CarbonPeer::Unavailable(CarbonPeer::Kind::kRelay); !why.empty()) {
      GTEST_SKIP() << why;
    }
  }

  // The shared carbon.conf [relay] settings, for carbon-relay and for fullerene.
  static std::string Settings(const PlacementCase& c, int line_port, int pickle_port,
                              const std::vector<std::unique_ptr<Sink>>& sinks) {
    std::vector<std::string> destinations;
    for (size_t i = 0; i < sinks.size(); ++i) {
      destinations.push_back(absl::Substitute("127.0.0.1:$0:$1", sinks[i]->port(), kInstances[i]));
    }
    return absl::Substitute(
        "LINE_RECEIVER_INTERFACE = 127.0.0.1\n"
        "LINE_RECEIVER_PORT = $0\n"
        "PICKLE_RECEIVER_INTERFACE = 127.0.0.1\n"
        "PICKLE_RECEIVER_PORT = $1\n"
        "ENABLE_UDP_LISTENER = False\n"
        "RELAY_METHOD = consistent-hashing\n"
        "ROUTER_HASH_TYPE = $2\n"
        "REPLICATION_FACTOR = $3\n"
        "DIVERSE_REPLICAS = $4\n"
        "DESTINATIONS = $5\n"
        "DESTINATION_PROTOCOL = pickle\n"
        "MAX_QUEUE_SIZE = 100000\n"
        "CARBON_METRIC_INTERVAL = 0\n",
        line_port, pickle_port, c.hash_type, c.replication_factor, c.diverse ? "True" : "False",
        absl::StrJoin(destinations, ", "));
  }
};

std::vector<std::unique_ptr<Sink>> FourSinks() {
  std::vector<std::unique_ptr<Sink>> sinks;
  for (int i = 0; i < 4; ++i) {
    sinks.push_back(std::make_unique<Sink>(Sink::Protocol::kPickle));
  }
  return sinks;
}

void SendAll(int line_port, int pickle_port, const std::vector<Datapoint>& datapoints) {
  std::string lines;
  std::vector<Received> pickled;
  for (const Datapoint& d : datapoints) {
    if (d.line.empty()) {
      pickled.push_back(Received{d.name, d.timestamp, d.value});
    } else {
      lines += d.line;
    }
  }
  {
    Client client(line_port);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(lines));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20)));
  }
  {
    Client client(pickle_port);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(PickleMessage(pickled)));
    ASSERT_TRUE(client.ShutdownAndWaitForClose(absl::Seconds(20)));
  }
}

TEST_P(CarbonRelayPlacementTest, EveryNameLandsOnTheSameInstanceAsInCarbonRelay) {
  const PlacementCase& c = GetParam();
  std::vector<std::unique_ptr<Sink>> carbon_sinks = FourSinks();
  std::vector<std::unique_ptr<Sink>> fullerene_sinks = FourSinks();

  PortReservation carbon_line;
  PortReservation carbon_pickle;
  CarbonPeer carbon(CarbonPeer::Kind::kRelay);
  CarbonPeer::Options options;
  options.settings = Settings(c, carbon_line.port(), carbon_pickle.port(), carbon_sinks);
  options.wait_ports = {carbon_line.port(), carbon_pickle.port()};
  const absl::Status started = carbon.Start(options);
  if (c.hash_type == "mmh3_ch" && !started.ok() &&
      absl::StrContains(carbon.Output(), "Install \"mmh3\" to use this hashing function")) {
    GTEST_SKIP() << "carbon-relay cannot run ROUTER_HASH_TYPE = mmh3_ch here: the Python "
                    "module mmh3 is not packaged in Debian (no python3-mmh3), and carbon "
                    "exits at start-up with 'Install \"mmh3\" to use this hashing function.'";
  }
  ASSERT_TRUE(started.ok()) << started;
  carbon_line.Release();
  carbon_pickle.Release();

  PortReservation line;
  PortReservation pickle;
  RelayProcess relay;
  ASSERT_TRUE(relay
                  .Start(absl::StrCat("[relay]\n",
                                      Settings(c, line.port(), pickle.port(), fullerene_sinks)),
                         "", {"--workers", "2"})
                  .ok())
      << relay.Stderr();
  line.Release();
  pickle.Release();

  const std::vector<Datapoint> datapoints = MakeDatapoints();
  ASSERT_EQ(datapoints.size(), kTotalNames);
  std::map<std::string, const Datapoint*> sent;
  for (const Datapoint& d : datapoints) {
    sent[d.name] = &d;
  }
  SendAll(carbon_line.port(), carbon_pickle.port(), datapoints);
  SendAll(line.port(), pickle.port(), datapoints);

  // Four destinations on one host: diverse replicas means one copy whatever the RF.
  const size_t copies = c.diverse ? 1 : static_cast<size_t>(c.replication_factor);
  const size_t expected = datapoints.size() * copies;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while ((CountNonSelf(carbon_sinks) < expected || CountNonSelf(fullerene_sinks) < expected) &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  // Both drain on SIGTERM, so after this the sinks hold everything either will ever send.
  EXPECT_EQ(carbon.Stop(), 0) << carbon.Output();
  EXPECT_EQ(relay.Stop(), 0) << relay.Stderr();
  EXPECT_EQ(CountNonSelf(carbon_sinks), expected) << carbon.Output();
  EXPECT_EQ(CountNonSelf(fullerene_sinks), expected) << relay.Stderr();

  std::map<std::string, std::string> carbon_placement =
      Placement("carbon-relay", carbon_sinks, sent);
  const std::map<std::string, std::string> fullerene_placement =
      Placement("fullerene", fullerene_sinks, sent);

  size_t mismatches = 0;
  std::vector<std::string> examples;
  for (const Datapoint& d : datapoints) {
    auto want = carbon_placement.find(d.name);
    auto got = fullerene_placement.find(d.name);
    const std::string want_text = want == carbon_placement.end() ? "(none)" : want->second;
    const std::string got_text = got == fullerene_placement.end() ? "(none)" : got->second;
    EXPECT_EQ(want_text.size(), copies)
        << "carbon-relay placed '" << d.name << "' on " << want_text;
    if (want_text != got_text) {
      ++mismatches;
      if (examples.size() < 25) {
        examples.push_back(
            absl::StrCat("'", d.name, "': carbon-relay ", want_text, ", fullerene ", got_text));
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << mismatches << " of " << datapoints.size()
                            << " names placed differently, e.g.\n  "
                            << absl::StrJoin(examples, "\n  ");

  // The harness itself: real carbon agrees with the reference vectors.
  if (!c.csv_column.empty()) {
    const auto csv = ReadBulkCsv();
    ASSERT_EQ(csv.size(), 1000u) << "tests/testdata/compat/bulk-inst4.csv";
    size_t disagreements = 0;
    for (const auto& [name, columns] : csv) {
      std::string want = columns.at(c.csv_column);
      std::sort(want.begin(), want.end());
      auto it = carbon_placement.find(name);
      disagreements += (it == carbon_placement.end() || it->second != want) ? 1 : 0;
    }
    EXPECT_EQ(disagreements, 0u) << "carbon-relay disagrees with bulk-inst4.csv column "
                                 << c.csv_column;
  }
  if (c.hash_type == "carbon_ch" && c.replication_factor == 1) {
    // COMPAT §1.3 and §1.9: the collision probes and the vector names.
    EXPECT_EQ(carbon_placement["collide.29498"], "b");
    EXPECT_EQ(carbon_placement["collide.108384"], "d");
    EXPECT_EQ(carbon_placement["ünïcode.metric"], "a");
    EXPECT_EQ(carbon_placement["foo.bar"], "d");
    EXPECT_EQ(carbon_placement[""], "d");
  }
}

INSTANTIATE_TEST_SUITE_P(
    CarbonRelayPlacement, CarbonRelayPlacementTest,
    ::testing::Values(
        PlacementCase{"carbon_ch_rf1", "carbon_ch", 1, false, "carbon_ch_rf1"},
        PlacementCase{"carbon_ch_rf2_nondiverse", "carbon_ch", 2, false, "carbon_ch_rf2_nodiverse"},
        PlacementCase{"carbon_ch_rf2_diverse", "carbon_ch", 2, true, "carbon_ch_rf1"},
        PlacementCase{"fnv1a_ch_rf1", "fnv1a_ch", 1, false, "fnv1a_ch_rf1"},
        PlacementCase{"fnv1a_ch_rf2_nondiverse", "fnv1a_ch", 2, false, "fnv1a_ch_rf2_nodiverse"},
        PlacementCase{"mmh3_ch_rf1", "mmh3_ch", 1, false, "mmh3_ch_rf1"}),
    [](const ::testing::TestParamInfo<PlacementCase>& info) { return info.param.label; });

}  // namespace
}  // namespace fullerene::testing
