// Placement over real sockets (COMPAT §1, §2.4). Four pickle sinks play the carbon-caches of
// COMPAT §1.9 A, `127.0.0.1:<port>:a` ... `:d`. Their ports are whatever the sinks got: the
// ring key is (server, instance), so the ports do not move anything. The relay gets the 1000
// names of tests/testdata/compat/bulk-inst4.csv and the five names of §1.9 A, and every
// datapoint must arrive at exactly the sinks that carbon 1.1.7 picks, once each, with its
// value and timestamp intact.
//
// Expectations come from the reference data: bulk-inst4.csv for the 1000 names
// (consistent-hashing) and vectors.json for the five (every method). vectors.json has no
// fast-hashing rows for the 1000 names, so for those the test computes FastHashRing's
// placement itself (COMPAT §1.6) from core::CarbonHash, and checks that model against
// vectors.json's five names first.
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/config/config.h"
#include "core/route/hash/carbon_hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/config_text.h"
#include "tests/integration/relay_process.h"
#include "tests/integration/sink.h"
#include "tests/testing/loopback.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::testing {
namespace {

constexpr absl::string_view kInstances = "abcd";
constexpr double kBaseTimestamp = 1700000000;
// COMPAT §1.9 A's five names. The empty name cannot travel over the line protocol (it would
// be a two-field line), so it is sent over pickle.
const std::vector<std::string>& VectorNames() {
  static const auto* names =
      new std::vector<std::string>{"foo.bar", "servers.web01.cpu.user", "a", "", "ünïcode.metric"};
  return *names;
}

std::string CompatFile(absl::string_view name) {
  const std::string path = absl::StrCat(FULLERENE_SOURCE_DIR, "/tests/testdata/compat/", name);
  std::string text = ReadFileOrEmpty(path);
  EXPECT_FALSE(text.empty()) << "cannot read " << path;
  return text;
}

// A JSON value: just enough of JSON to read vectors.json (objects, arrays, strings without
// escapes beyond the simple ones, numbers, true/false/null).
struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  std::string text;  // kString, or the number as written
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json* Find(absl::string_view key) const {
    for (const auto& [name, value] : members) {
      if (name == key) {
        return &value;
      }
    }
    return nullptr;
  }
};

class JsonReader {
 public:
  explicit JsonReader(absl::string_view text) : text_(text) {}

  bool Read(Json* out) {
    if (!Value(out)) {
      return false;
    }
    SkipSpace();
    return pos_ == text_.size();
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() &&
           absl::string_view(" \t\r\n").find(text_[pos_]) != absl::string_view::npos) {
      ++pos_;
    }
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      return false;
    }
    pos_ += word.size();
    return true;
  }

  bool String(std::string* out) {
    if (pos_ >= text_.size() || text_[pos_] != '"') {
      return false;
    }
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\\') {
        if (pos_ >= text_.size()) {
          return false;
        }
        const char e = text_[pos_++];
        switch (e) {
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          case '"':
          case '\\':
          case '/':
            c = e;
            break;
          default:
            return false;  // \uXXXX and friends: vectors.json writes UTF-8 as is
        }
      }
      out->push_back(c);
    }
    if (pos_ >= text_.size()) {
      return false;
    }
    ++pos_;
    return true;
  }

  bool Value(Json* out) {
    SkipSpace();
    if (pos_ >= text_.size()) {
      return false;
    }
    const char c = text_[pos_];
    if (c == '{') {
      out->kind = Json::Kind::kObject;
      ++pos_;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      for (;;) {
        SkipSpace();
        std::string key;
        if (!String(&key)) {
          return false;
        }
        SkipSpace();
        if (!Literal(":")) {
          return false;
        }
        Json value;
        if (!Value(&value)) {
          return false;
        }
        out->members.emplace_back(std::move(key), std::move(value));
        SkipSpace();
        if (Literal("}")) {
          return true;
        }
        if (!Literal(",")) {
          return false;
        }
      }
    }
    if (c == '[') {
      out->kind = Json::Kind::kArray;
      ++pos_;
      SkipSpace();
      if (Literal("]")) {
        return true;
      }
      for (;;) {
        Json value;
        if (!Value(&value)) {
          return false;
        }
        out->items.push_back(std::move(value));
        SkipSpace();
        if (Literal("]")) {
          return true;
        }
        if (!Literal(",")) {
          return false;
        }
      }
    }
    if (c == '"') {
      out->kind = Json::Kind::kString;
      return String(&out->text);
    }
    if (Literal("null")) {
      out->kind = Json::Kind::kNull;
      return true;
    }
    if (Literal("true") || Literal("false")) {
      out->kind = Json::Kind::kBool;
      return true;
    }
    out->kind = Json::Kind::kNumber;
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           absl::string_view("+-0123456789.eE").find(text_[pos_]) != absl::string_view::npos) {
      ++pos_;
    }
    out->text = std::string(text_.substr(start, pos_ - start));
    return pos_ > start;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

const Json& Vectors() {
  static const Json* vectors = [] {
    auto* json = new Json;
    EXPECT_TRUE(JsonReader(CompatFile("vectors.json")).Read(json)) << "vectors.json";
    return json;
  }();
  return *vectors;
}

// vectors.json[key][name]["destinations"], as instance letters ("127.0.0.1:2404:d" -> 'd').
std::string VectorPlacement(absl::string_view key, const std::string& name) {
  const Json* table = Vectors().Find(key);
  EXPECT_NE(table, nullptr) << "vectors.json has no " << key;
  if (table == nullptr) {
    return "";
  }
  const Json* row = table->Find(name);
  EXPECT_NE(row, nullptr) << "vectors.json " << key << " has no '" << name << "'";
  const Json* destinations = row == nullptr ? nullptr : row->Find("destinations");
  EXPECT_NE(destinations, nullptr) << key << " '" << name << "'";
  std::string placement;
  if (destinations != nullptr) {
    for (const Json& d : destinations->items) {
      placement.push_back(d.text.back());
    }
  }
  return placement;
}

// bulk-inst4.csv: metric -> column -> the instances carbon yields, in order ("bd").
struct BulkCsv {
  std::vector<std::string> names;
  std::map<std::string, std::map<std::string, std::string>> cells;  // column -> name -> cell
};

const BulkCsv& Bulk() {
  static const BulkCsv* bulk = [] {
    auto* csv = new BulkCsv;
    std::vector<std::string> header;
    for (absl::string_view line : absl::StrSplit(CompatFile("bulk-inst4.csv"), '\n')) {
      if (line.empty() || line[0] == '#') {
        continue;
      }
      std::vector<std::string> fields = absl::StrSplit(line, ',');
      if (header.empty()) {
        header = fields;
        continue;
      }
      EXPECT_EQ(fields.size(), header.size()) << line;
      csv->names.push_back(fields[0]);
      for (size_t i = 1; i < fields.size() && i < header.size(); ++i) {
        csv->cells[header[i]][fields[0]] = fields[i];
      }
    }
    EXPECT_EQ(csv->names.size(), 1000u);
    return csv;
  }();
  return *bulk;
}

// FastHashRing (COMPAT §1.6) for RF 1 over nodes ('127.0.0.1', 'a') ... 'd' in that order:
// nodes sorted (stably) by carbonHash(str(node)), then sorted[carbonHash(name) mod 4].
char FastHashingNode(const std::string& name, core::HashType type) {
  std::vector<std::pair<int64_t, char>> nodes;
  for (char instance : kInstances) {
    nodes.emplace_back(
        core::CarbonHash(absl::StrCat("('127.0.0.1', '", std::string(1, instance), "')"), type),
        instance);
  }
  std::stable_sort(nodes.begin(), nodes.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  const int64_t n = static_cast<int64_t>(nodes.size());
  const int64_t seed = ((core::CarbonHash(name, type) % n) + n) % n;  // Python's floor mod
  return nodes[static_cast<size_t>(seed)].second;
}

class RoutingTest : public ::testing::Test {
 protected:
  RoutingTest() {
    for (auto& sink : sinks_) {
      sink = std::make_unique<Sink>(Sink::Protocol::kPickle);
    }
  }

  // The four destinations, `127.0.0.1:<port>:a` ... `:d`, in that order.
  std::vector<std::string> Destinations() const {
    std::vector<std::string> items;
    for (size_t i = 0; i < sinks_.size(); ++i) {
      items.push_back(SinkAt(*sinks_[i], kInstances.substr(i, 1)));
    }
    return items;
  }

  CarbonConf Conf(absl::string_view method) const {
    CarbonConf conf;
    conf.Listen(ports_).Method(method);
    for (std::string& item : Destinations()) {
      conf.Destination(std::move(item));
    }
    return conf;
  }

  // Every name to send: the bulk names, then the vector names.
  static std::vector<std::string> AllNames() {
    std::vector<std::string> names = Bulk().names;
    names.insert(names.end(), VectorNames().begin(), VectorNames().end());
    return names;
  }

  // Expectations for a consistent-hashing run: `column` of bulk-inst4.csv for the bulk names,
  // vectors.json[`vector_key`] for the five.
  static std::map<std::string, std::string> FromReference(absl::string_view column,
                                                          absl::string_view vector_key) {
    std::map<std::string, std::string> expected = Bulk().cells.at(std::string(column));
    for (const std::string& name : VectorNames()) {
      expected[name] = VectorPlacement(vector_key, name);
    }
    return expected;
  }

  // Starts the relay with `conf` (and `rules`), sends one datapoint per name of `expected`
  // (over line; the empty name over pickle), and checks that each one arrives at exactly the
  // sinks `expected` names (instance letters, any order), once each, with its value and
  // timestamp.
  void ExpectPlacement(const CarbonConf& conf, const std::string& rules,
                       const std::map<std::string, std::string>& expected) {
    std::vector<Datapoint> by_line;
    std::vector<Datapoint> by_pickle;
    std::map<std::string, Datapoint> sent;
    std::array<size_t, 4> per_sink{};
    int index = 0;
    for (const auto& [name, instances] : expected) {
      Datapoint datapoint{name, kBaseTimestamp + index, index + 0.25};
      ++index;
      (name.empty() ? by_pickle : by_line).push_back(datapoint);
      sent[name] = datapoint;
      ASSERT_FALSE(instances.empty()) << "no expectation for '" << name << "'";
      for (char instance : instances) {
        ++per_sink[kInstances.find(instance)];
      }
    }

    RelayProcess relay;
    ASSERT_TRUE(relay.Start(conf.Text(), rules, {"--workers", "2"}).ok()) << relay.Stderr();
    ports_.Release();
    {
      Client line(ports_.line.port());
      ASSERT_TRUE(line.Send(LineText(by_line)));
      ASSERT_TRUE(line.ShutdownAndWaitForClose(absl::Seconds(20)));
    }
    if (!by_pickle.empty()) {
      Client pickle(ports_.pickle.port());
      ASSERT_TRUE(pickle.Send(PickleFrames(by_pickle)));
      ASSERT_TRUE(pickle.ShutdownAndWaitForClose(absl::Seconds(20)));
    }
    // Wait for the total, not per sink: a misplaced datapoint then fails at once below
    // instead of after a timeout.
    size_t total = 0;
    for (size_t n : per_sink) {
      total += n;
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (TotalReceived() < total && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_EQ(TotalReceived(), total);
    EXPECT_EQ(relay.Stop(), 0) << relay.Stderr();

    // Where each name arrived, and anything that arrived wrong.
    std::map<std::string, std::string> arrived;
    std::vector<std::string> problems;
    for (size_t i = 0; i < sinks_.size(); ++i) {
      for (const Received& r : sinks_[i]->Snapshot()) {
        arrived[r.name].push_back(kInstances[i]);
        const auto it = sent.find(r.name);
        if (it == sent.end()) {
          problems.push_back(
              absl::StrCat("unexpected '", r.name, "' at ", kInstances.substr(i, 1)));
        } else if (r.value != it->second.value || r.timestamp != it->second.timestamp) {
          problems.push_back(
              absl::StrCat("'", r.name, "' arrived as (", r.timestamp, ", ", r.value, ")"));
        }
      }
    }
    size_t misplaced = 0;
    for (const auto& [name, instances] : expected) {
      std::string want = instances;
      std::string got = arrived[name];
      std::sort(want.begin(), want.end());
      std::sort(got.begin(), got.end());
      if (want != got) {
        ++misplaced;
        problems.push_back(
            absl::StrCat("'", name, "' expected at [", want, "], arrived at [", got, "]"));
      }
    }
    EXPECT_EQ(misplaced, 0u);
    if (problems.size() > 20) {
      problems.resize(20);
    }
    EXPECT_THAT(problems, ::testing::IsEmpty());
  }

  size_t TotalReceived() {
    size_t total = 0;
    for (auto& sink : sinks_) {
      total += sink->Count();
    }
    return total;
  }

  ReservedListeners ports_;
  std::array<std::unique_ptr<Sink>, 4> sinks_;
};

TEST_F(RoutingTest, ConsistentHashingCarbonChRf1) {
  CarbonConf conf = Conf("consistent-hashing");
  conf.Set("ROUTER_HASH_TYPE", "carbon_ch").Set("REPLICATION_FACTOR", "1");
  ExpectPlacement(conf, "",
                  FromReference("carbon_ch_rf1", "inst4/consistent-hashing/carbon_ch/rf1/diverse"));
}

TEST_F(RoutingTest, ConsistentHashingCarbonChRf2NotDiverseSendsToTwoSinks) {
  CarbonConf conf = Conf("consistent-hashing");
  conf.Set("REPLICATION_FACTOR", "2").Set("DIVERSE_REPLICAS", "False");
  const std::map<std::string, std::string> expected =
      FromReference("carbon_ch_rf2_nodiverse", "inst4/consistent-hashing/carbon_ch/rf2/nodiverse");
  for (const auto& [name, instances] : expected) {
    ASSERT_EQ(instances.size(), 2u) << name;
  }
  ExpectPlacement(conf, "", expected);
}

TEST_F(RoutingTest, ConsistentHashingFnv1aChRf1) {
  CarbonConf conf = Conf("consistent-hashing");
  conf.Set("ROUTER_HASH_TYPE", "fnv1a_ch");
  ExpectPlacement(conf, "",
                  FromReference("fnv1a_ch_rf1", "inst4/consistent-hashing/fnv1a_ch/rf1/diverse"));
}

TEST_F(RoutingTest, ConsistentHashingMmh3ChRf1) {
  CarbonConf conf = Conf("consistent-hashing");
  conf.Set("ROUTER_HASH_TYPE", "mmh3_ch");
  ExpectPlacement(conf, "",
                  FromReference("mmh3_ch_rf1", "inst4/consistent-hashing/mmh3_ch/rf1/diverse"));
}

// COMPAT §1.5: DIVERSE_REPLICAS (the default) compares server strings, and all four sinks are
// on 127.0.0.1, so REPLICATION_FACTOR = 2 still sends each metric to one destination: the
// RF 1 one.
TEST_F(RoutingTest, DiverseReplicasOnOneHostSendEachMetricToOneDestination) {
  CarbonConf conf = Conf("consistent-hashing");
  conf.Set("REPLICATION_FACTOR", "2").Set("DIVERSE_REPLICAS", "True");
  std::map<std::string, std::string> expected =
      FromReference("carbon_ch_rf1", "inst4/consistent-hashing/carbon_ch/rf2/diverse");
  for (const std::string& name : VectorNames()) {
    ASSERT_EQ(expected[name].size(), 1u) << name;
  }
  ExpectPlacement(conf, "", expected);
}

// fast-hashing (COMPAT §1.6) with ROUTER_HASH_TYPE = carbon_ch.
TEST_F(RoutingTest, FastHashingCarbonCh) {
  std::map<std::string, std::string> expected;
  for (const std::string& name : AllNames()) {
    expected[name] = std::string(1, FastHashingNode(name, core::HashType::kCarbonCh));
  }
  for (const std::string& name : VectorNames()) {
    ASSERT_EQ(expected[name], VectorPlacement("inst4/fast-hashing/carbon_ch/rf1/diverse", name))
        << "the test's FastHashRing model disagrees with vectors.json for '" << name << "'";
  }
  CarbonConf conf = Conf("fast-hashing");
  conf.Set("ROUTER_HASH_TYPE", "carbon_ch");
  ExpectPlacement(conf, "", expected);
}

// fast-hashing without ROUTER_HASH_TYPE hashes with mmh3_ch (COMPAT §1.2).
TEST_F(RoutingTest, FastHashingDefaultsToMmh3Ch) {
  std::map<std::string, std::string> expected;
  for (const std::string& name : AllNames()) {
    expected[name] = std::string(1, FastHashingNode(name, core::HashType::kMmh3Ch));
  }
  for (const std::string& name : VectorNames()) {
    ASSERT_EQ(expected[name], VectorPlacement("inst4/fast-hashing/mmh3_ch/rf1/diverse", name))
        << "the test's FastHashRing model disagrees with vectors.json for '" << name << "'";
  }
  ExpectPlacement(Conf("fast-hashing"), "", expected);
}

// COMPAT §2.4's example: [web] ^servers\.web with continue, then [cpu] CPU (matched without
// regard to case), then the default. Here web -> a, cpu -> b, default -> c; d is configured
// but named by no rule, so it gets nothing.
TEST_F(RoutingTest, RulesContinueCaseInsensitiveMatchAndDefault) {
  const std::vector<std::string> d = Destinations();
  RulesConf rules;
  // The default is written first: carbon evaluates it last wherever it sits.
  rules.Default({d[2]})
      .Rule("web", "^servers\\.web", {d[0]}, /*continue_matching=*/true)
      .Rule("cpu", "CPU", {d[1]});
  const std::map<std::string, std::string> expected = {
      {"servers.web01.cpu", "ab"},  // web continues, cpu matches (case-insensitive), stops
      {"SERVERS.WEB01.mem", "ac"},  // web matches case-insensitively, continues to default
      {"servers.web02.CPU.user", "ab"},
      {"servers.db01.cpu", "b"},    // only cpu
      {"servers.db01.mem", "c"},    // only the default
      {"xservers.web01.mem", "c"},  // ^ anchors web
      {"foo.bar", "c"},
      {"ünïcode.metric", "c"},
      {"app.Cpu.load", "b"},
  };
  ExpectPlacement(Conf("rules"), rules.Text(), expected);
}

}  // namespace
}  // namespace fullerene::testing
