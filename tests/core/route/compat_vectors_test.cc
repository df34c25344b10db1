// Checks the routers and rings against every vector that real carbon 1.1.7 produced, in
// tests/testdata/compat/ (COMPAT §1.9):
//   vectors.json    72 configurations x the 5 metrics of COMPAT §1.9 (destinations, hash
//                   position, full preference order), including the rejected ones;
//   bulk-inst4.csv  1000 names x {carbon_ch, fnv1a_ch, mmh3_ch} x {RF1, RF2, RF4} orders;
//   ring-dumps.txt  the full consistent-hashing rings, entry by entry.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "core/config/config.h"
#include "core/route/hash/carbon_hash.h"
#include "core/route/hash_ring.h"
#include "core/route/router.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace fullerene::core {
namespace {

using ::fullerene::testing::StatusIs;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kCompatDir[] = FULLERENE_SOURCE_DIR "/tests/testdata/compat/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Just enough JSON for vectors.json: objects (members kept in file order), arrays, strings
// with the usual escapes (\uXXXX only in the BMP), integers and null.
struct Json {
  enum class Kind { kNull, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  int64_t number = 0;
  std::string string;
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;

  const Json* Find(absl::string_view key) const {
    for (const auto& [name, value] : object) {
      if (name == key) {
        return &value;
      }
    }
    return nullptr;
  }
};

class JsonReader {
 public:
  // `text` must outlive the reader.
  explicit JsonReader(absl::string_view text) : text_(text) {}

  // Parses the whole text; on a syntax error sets error() and returns what it has.
  Json Parse() {
    Json value = ParseValue();
    SkipSpace();
    if (pos_ != text_.size()) {
      Fail("trailing data");
    }
    return value;
  }
  const std::string& error() const { return error_; }

 private:
  void Fail(absl::string_view what) {
    if (error_.empty()) {
      error_ = absl::StrCat(what, " at byte ", pos_);
    }
    pos_ = text_.size();
  }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Json ParseValue() {
    SkipSpace();
    Json value;
    if (pos_ >= text_.size()) {
      Fail("unexpected end");
      return value;
    }
    const char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      value.kind = Json::Kind::kObject;
      if (Consume('}')) {
        return value;
      }
      do {
        SkipSpace();
        std::string key = ParseString();
        if (!Consume(':')) {
          Fail("expected ':'");
          return value;
        }
        Json member = ParseValue();
        value.object.emplace_back(std::move(key), std::move(member));
      } while (Consume(','));
      if (!Consume('}')) {
        Fail("expected '}'");
      }
    } else if (c == '[') {
      ++pos_;
      value.kind = Json::Kind::kArray;
      if (Consume(']')) {
        return value;
      }
      do {
        value.array.push_back(ParseValue());
      } while (Consume(','));
      if (!Consume(']')) {
        Fail("expected ']'");
      }
    } else if (c == '"') {
      value.kind = Json::Kind::kString;
      value.string = ParseString();
    } else if (text_.substr(pos_, 4) == "null") {
      pos_ += 4;
    } else {
      const size_t start = pos_;
      while (pos_ < text_.size() &&
             (text_[pos_] == '-' || (text_[pos_] >= '0' && text_[pos_] <= '9'))) {
        ++pos_;
      }
      value.kind = Json::Kind::kNumber;
      if (!absl::SimpleAtoi(text_.substr(start, pos_ - start), &value.number)) {
        Fail("bad number");
      }
    }
    return value;
  }

  std::string ParseString() {
    std::string out;
    if (pos_ >= text_.size() || text_[pos_] != '"') {
      Fail("expected a string");
      return out;
    }
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) {
        break;
      }
      c = text_[pos_++];
      switch (c) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (pos_ + 4 > text_.size() || !absl::SimpleHexAtoi(text_.substr(pos_, 4), &cp)) {
            Fail("bad \\u escape");
            return out;
          }
          pos_ += 4;
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
          } else {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
          }
          break;
        }
        default:
          out += c;  // \" \\ \/
          break;
      }
    }
    if (pos_ >= text_.size()) {
      Fail("unterminated string");
      return out;
    }
    ++pos_;
    return out;
  }

  absl::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

TEST(RouterCompatJsonReaderTest, ReadsWhatVectorsJsonUses) {
  JsonReader reader(R"({"a": [1, -2, null], "b\u00fc": {"c": "x\"y"}})");
  const Json json = reader.Parse();
  ASSERT_EQ(reader.error(), "");
  ASSERT_EQ(json.object.size(), 2u);
  EXPECT_EQ(json.Find("a")->array[1].number, -2);
  EXPECT_EQ(json.Find("a")->array[2].kind, Json::Kind::kNull);
  EXPECT_EQ(json.Find("b\xc3\xbc")->Find("c")->string, "x\"y");
}

DestinationSpec Destination(std::string server, int64_t port, std::optional<std::string> instance) {
  DestinationSpec spec;
  spec.server = std::move(server);
  spec.port = port;
  spec.instance = std::move(instance);
  return spec;
}

// The destination sets of the harness (COMPAT §1.9 A and B, and the rejected same-host one).
std::vector<DestinationSpec> HarnessDestinations(absl::string_view name) {
  if (name == "inst4") {
    return {Destination("127.0.0.1", 2104, "a"), Destination("127.0.0.1", 2204, "b"),
            Destination("127.0.0.1", 2304, "c"), Destination("127.0.0.1", 2404, "d")};
  }
  if (name == "noinst_3hosts") {
    return {Destination("127.0.0.1", 2104, std::nullopt),
            Destination("127.0.0.2", 2204, std::nullopt),
            Destination("127.0.0.3", 2304, std::nullopt)};
  }
  if (name == "noinst_samehost") {
    return {Destination("127.0.0.1", 2104, std::nullopt),
            Destination("127.0.0.1", 2204, std::nullopt),
            Destination("127.0.0.1", 2304, std::nullopt)};
  }
  ADD_FAILURE() << "unknown destination set " << name;
  return {};
}

std::optional<HashType> ParseHashType(absl::string_view name) {
  if (name == "carbon_ch") {
    return HashType::kCarbonCh;
  }
  if (name == "fnv1a_ch") {
    return HashType::kFnv1aCh;
  }
  if (name == "mmh3_ch") {
    return HashType::kMmh3Ch;
  }
  return std::nullopt;
}

// How the vectors name a destination ("127.0.0.1:2104:a", "127.0.0.2:2204") and a ring node
// ("127.0.0.1:a", "127.0.0.2:None").
std::string DestinationLabel(const DestinationSpec& spec) {
  return spec.instance.has_value() ? absl::StrCat(spec.server, ":", spec.port, ":", *spec.instance)
                                   : absl::StrCat(spec.server, ":", spec.port);
}
std::string NodeLabel(const DestinationSpec& spec) {
  return absl::StrCat(spec.server, ":", spec.instance.value_or("None"));
}

std::vector<std::string> RouteLabels(const Router& router, const Config& config,
                                     absl::string_view metric) {
  DestinationSet out;
  router.Route(metric, &out);
  std::vector<std::string> labels;
  for (DestinationId id : out) {
    labels.push_back(DestinationLabel(config.destinations[id]));
  }
  return labels;
}

// carbon's get_nodes(key) order: the ring walk without repeats.
std::vector<std::string> PreferenceLabels(const ConsistentHashRing& ring, const Config& config,
                                          absl::string_view metric) {
  std::vector<uint32_t> nodes;
  ring.Walk(metric, [&](uint32_t node) {
    if (std::find(nodes.begin(), nodes.end(), node) == nodes.end()) {
      nodes.push_back(node);
    }
    return nodes.size() < ring.node_count();
  });
  std::vector<std::string> labels;
  for (uint32_t node : nodes) {
    labels.push_back(NodeLabel(config.destinations[node]));
  }
  return labels;
}

std::vector<std::string> StringArray(const Json& json) {
  std::vector<std::string> out;
  for (const Json& item : json.array) {
    out.push_back(item.string);
  }
  return out;
}

TEST(RouterCompatVectorsTest, MatchesEveryCaseOfVectorsJson) {
  const std::string text = ReadFile(absl::StrCat(kCompatDir, "vectors.json"));
  ASSERT_FALSE(text.empty());
  JsonReader reader(text);
  const Json root = reader.Parse();
  ASSERT_EQ(reader.error(), "");
  ASSERT_EQ(root.kind, Json::Kind::kObject);

  int configs = 0;
  int rejected = 0;
  int destination_vectors = 0;
  int position_vectors = 0;
  int preference_vectors = 0;
  for (const auto& [key, cases] : root.object) {
    SCOPED_TRACE(key);
    // "<destination set>/<method>/<hash type>/rf<N>/<diverse|nodiverse>"
    const std::vector<std::string> parts = absl::StrSplit(key, '/');
    ASSERT_EQ(parts.size(), 5u);
    Config config;
    config.config_path = "/etc/carbon/carbon.conf";
    config.destinations = HarnessDestinations(parts[0]);
    ASSERT_TRUE(parts[1] == "consistent-hashing" || parts[1] == "fast-hashing");
    config.relay_method = parts[1] == "consistent-hashing" ? RelayMethod::kConsistentHashing
                                                           : RelayMethod::kFastHashing;
    const std::optional<HashType> hash_type = ParseHashType(parts[2]);
    ASSERT_TRUE(hash_type.has_value());
    config.hash_type = *hash_type;
    ASSERT_TRUE(
        absl::SimpleAtoi(absl::string_view(parts[3]).substr(2), &config.replication_factor));
    ASSERT_TRUE(parts[4] == "diverse" || parts[4] == "nodiverse");
    config.diverse_replicas = parts[4] == "diverse";
    ++configs;

    absl::StatusOr<std::unique_ptr<Router>> router = Router::Create(config);
    if (const Json* error = cases.Find("error")) {
      // carbon: "Exception: destination instance (127.0.0.1, None) already configured".
      const std::string expected(absl::StripPrefix(error->string, "Exception: "));
      EXPECT_THAT(router,
                  StatusIs(absl::StatusCode::kInvalidArgument,
                           HasSubstr("/etc/carbon/carbon.conf: DESTINATIONS: " + expected)));
      ++rejected;
      continue;
    }
    ASSERT_TRUE(router.ok()) << router.status();
    const ConsistentHashRing ring(config.destinations, config.hash_type);
    for (const auto& [metric, expected] : cases.object) {
      SCOPED_TRACE(metric);
      EXPECT_EQ(CarbonHash(metric, config.hash_type), expected.Find("position")->number);
      ++position_vectors;
      EXPECT_THAT(RouteLabels(**router, config, metric),
                  ElementsAreArray(StringArray(*expected.Find("destinations"))));
      ++destination_vectors;
      const Json* preference = expected.Find("preference");
      if (preference->kind == Json::Kind::kArray) {
        ASSERT_EQ(config.relay_method, RelayMethod::kConsistentHashing);
        EXPECT_THAT(PreferenceLabels(ring, config, metric),
                    ElementsAreArray(StringArray(*preference)));
        ++preference_vectors;
      }
    }
  }
  // Every case of the file was looked at.
  EXPECT_EQ(configs, 72);
  EXPECT_EQ(rejected, 24);
  EXPECT_EQ(destination_vectors, 240);
  EXPECT_EQ(position_vectors, 240);
  EXPECT_EQ(preference_vectors, 120);
}

TEST(RouterCompatVectorsTest, MatchesEveryRowOfBulkInst4) {
  const std::string text = ReadFile(absl::StrCat(kCompatDir, "bulk-inst4.csv"));
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_GT(lines.size(), 2u);
  ASSERT_TRUE(absl::StartsWith(lines[0], "#"));
  const std::vector<std::string> header = absl::StrSplit(lines[1], ',');
  ASSERT_EQ(header.size(), 10u);
  ASSERT_EQ(header[0], "metric");

  // One consistent-hashing router per column, e.g. "fnv1a_ch_rf2_nodiverse"; the RF1 columns
  // have no suffix (diverse or not makes no difference at RF 1).
  Config config;
  config.relay_method = RelayMethod::kConsistentHashing;
  config.destinations = HarnessDestinations("inst4");
  config.diverse_replicas = false;
  std::vector<std::unique_ptr<Router>> routers;
  for (size_t column = 1; column < header.size(); ++column) {
    const std::vector<std::string> parts = absl::StrSplit(header[column], '_');
    ASSERT_GE(parts.size(), 3u) << header[column];
    const std::optional<HashType> hash_type = ParseHashType(absl::StrCat(parts[0], "_", parts[1]));
    ASSERT_TRUE(hash_type.has_value()) << header[column];
    config.hash_type = *hash_type;
    ASSERT_TRUE(
        absl::SimpleAtoi(absl::string_view(parts[2]).substr(2), &config.replication_factor));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Router> router, Router::Create(config));
    routers.push_back(std::move(router));
  }

  int rows = 0;
  int cells = 0;
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::vector<std::string> fields = absl::StrSplit(lines[i], ',');
    ASSERT_EQ(fields.size(), header.size()) << lines[i];
    ++rows;
    for (size_t column = 1; column < fields.size(); ++column) {
      DestinationSet out;
      routers[column - 1]->Route(fields[0], &out);
      std::string instances;
      for (DestinationId id : out) {
        instances += *config.destinations[id].instance;
      }
      EXPECT_EQ(instances, fields[column]) << fields[0] << " " << header[column];
      ++cells;
    }
  }
  EXPECT_EQ(rows, 1000);
  EXPECT_EQ(cells, 9000);
}

TEST(HashRingCompatTest, MatchesEveryEntryOfRingDumps) {
  const std::string text = ReadFile(absl::StrCat(kCompatDir, "ring-dumps.txt"));
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  int rings = 0;
  int entries = 0;
  size_t i = 0;
  while (i < lines.size()) {
    // "## inst4 carbon_ch (400 entries): position server instance"
    const std::vector<absl::string_view> title = absl::StrSplit(lines[i], ' ');
    ASSERT_GE(title.size(), 4u) << lines[i];
    ASSERT_EQ(title[0], "##") << lines[i];
    SCOPED_TRACE(lines[i]);
    const std::optional<HashType> hash_type = ParseHashType(title[2]);
    ASSERT_TRUE(hash_type.has_value());
    size_t expected_size = 0;
    ASSERT_TRUE(absl::SimpleAtoi(absl::StripPrefix(title[3], "("), &expected_size));
    const std::vector<DestinationSpec> destinations = HarnessDestinations(title[1]);
    const ConsistentHashRing ring(destinations, *hash_type);
    ASSERT_EQ(ring.positions().size(), expected_size);
    ASSERT_LE(i + 1 + expected_size, lines.size());
    for (size_t k = 0; k < expected_size; ++k) {
      const absl::string_view line = lines[i + 1 + k];
      const std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
      ASSERT_EQ(fields.size(), 3u) << line;
      int64_t position = 0;
      ASSERT_TRUE(absl::SimpleAtoi(fields[0], &position)) << line;
      const DestinationSpec& node = destinations[ring.entry_nodes()[k]];
      EXPECT_EQ(ring.positions()[k], position) << "entry " << k;
      EXPECT_EQ(absl::StrCat(node.server, " ", node.instance.value_or("None")),
                absl::StrCat(fields[1], " ", fields[2]))
          << "entry " << k;
      ++entries;
    }
    ++rings;
    i += 1 + expected_size;
  }
  EXPECT_EQ(rings, 6);
  EXPECT_EQ(entries, 2100);
}

}  // namespace
}  // namespace fullerene::core
