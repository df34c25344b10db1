#include "core/route/hash_ring.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/config/config.h"
#include "core/route/hash/carbon_hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fullerene::core {
namespace {

using ::testing::ElementsAre;

DestinationSpec Destination(std::string server, int64_t port, std::optional<std::string> instance) {
  DestinationSpec spec;
  spec.server = std::move(server);
  spec.port = port;
  spec.instance = std::move(instance);
  return spec;
}

// COMPAT §1.9 A: 127.0.0.1:2104:a .. 127.0.0.1:2404:d; node numbers 0..3 are a..d.
std::vector<DestinationSpec> Inst4() {
  return {Destination("127.0.0.1", 2104, "a"), Destination("127.0.0.1", 2204, "b"),
          Destination("127.0.0.1", 2304, "c"), Destination("127.0.0.1", 2404, "d")};
}

// The node at `position`, or -1 when no entry has that position.
int NodeAt(const ConsistentHashRing& ring, int64_t position) {
  const auto positions = ring.positions();
  const auto it = std::find(positions.begin(), positions.end(), position);
  return it == positions.end() ? -1 : static_cast<int>(ring.entry_nodes()[it - positions.begin()]);
}

// carbon's get_nodes(key): the walk without repeats.
std::vector<uint32_t> GetNodes(const ConsistentHashRing& ring, absl::string_view key) {
  std::vector<uint32_t> nodes;
  ring.Walk(key, [&](uint32_t node) {
    if (std::find(nodes.begin(), nodes.end(), node) == nodes.end()) {
      nodes.push_back(node);
    }
    return nodes.size() < ring.node_count();
  });
  return nodes;
}

std::vector<uint32_t> GetNodes(const FastHashRing& ring, absl::string_view key) {
  std::vector<uint32_t> nodes;
  ring.Walk(key, [&](uint32_t node) {
    nodes.push_back(node);
    return true;
  });
  return nodes;
}

TEST(ConsistentHashRingTest, HasOneEntryPerReplicaInAscendingOrder) {
  const ConsistentHashRing ring(Inst4(), HashType::kCarbonCh);
  EXPECT_EQ(ring.node_count(), 4u);
  ASSERT_EQ(ring.positions().size(), 4u * ConsistentHashRing::kReplicaCount);
  EXPECT_TRUE(std::is_sorted(ring.positions().begin(), ring.positions().end()));
  EXPECT_EQ(std::adjacent_find(ring.positions().begin(), ring.positions().end()),
            ring.positions().end());
}

TEST(ConsistentHashRingTest, MatchesWorkedExample) {
  // COMPAT §1.9: "The first ring entries are 330 c, 398 a, 474 a, 784 c, 1253 c, 1317 d, 1540 d,
  // 1632 c".
  const ConsistentHashRing ring(Inst4(), HashType::kCarbonCh);
  const std::vector<int64_t> first(ring.positions().begin(), ring.positions().begin() + 8);
  EXPECT_THAT(first, ElementsAre(330, 398, 474, 784, 1253, 1317, 1540, 1632));
  const std::vector<uint32_t> nodes(ring.entry_nodes().begin(), ring.entry_nodes().begin() + 8);
  EXPECT_THAT(nodes, ElementsAre(2, 0, 0, 2, 2, 3, 3, 2));
  // foo.bar hashes to 1273; its lower bound is 1317 (d), then the next new node is c.
  EXPECT_EQ(ring.StartIndex(1273), 5u);
  EXPECT_THAT(GetNodes(ring, "foo.bar"), ElementsAre(3, 2, 1, 0));
}

TEST(ConsistentHashRingTest, CollisionGoesToTheEarlierDestination) {
  // COMPAT §1.3: ('127.0.0.1', 'b'):56 and ('127.0.0.1', 'd'):68 both hash to 63454; b is added
  // first and keeps it, d is probed to 63455.
  const ConsistentHashRing ring(Inst4(), HashType::kCarbonCh);
  EXPECT_EQ(NodeAt(ring, 63454), 1);
  EXPECT_EQ(NodeAt(ring, 63455), 3);
  EXPECT_EQ(GetNodes(ring, "collide.29498")[0], 1u);   // hash 63454 -> b
  EXPECT_EQ(GetNodes(ring, "collide.108384")[0], 3u);  // hash 63455 -> d

  // With d listed before b the roles swap: DESTINATIONS order decides.
  const std::vector<DestinationSpec> inst4 = Inst4();
  const std::vector<DestinationSpec> d_first = {inst4[3], inst4[0], inst4[1], inst4[2]};
  const ConsistentHashRing swapped(d_first, HashType::kCarbonCh);
  EXPECT_EQ(NodeAt(swapped, 63454), 0);  // d
  EXPECT_EQ(NodeAt(swapped, 63455), 2);  // b
}

TEST(ConsistentHashRingTest, Fnv1aReplicaKeysUseOnlyTheInstance) {
  // COMPAT §1.3: "%d-%s" % (i, instance): with no instance every node has the keys 0-None ..
  // 99-None, the first node takes the raw positions and later ones are probed above them.
  const std::vector<DestinationSpec> nodes = {Destination("127.0.0.1", 2104, std::nullopt),
                                              Destination("127.0.0.2", 2204, std::nullopt),
                                              Destination("127.0.0.3", 2304, std::nullopt)};
  const ConsistentHashRing ring(nodes, HashType::kFnv1aCh);
  for (int i = 0; i < ConsistentHashRing::kReplicaCount; ++i) {
    EXPECT_EQ(NodeAt(ring, CarbonHash(absl::StrCat(i, "-None"), HashType::kFnv1aCh)), 0) << i;
  }
  // COMPAT §1.9 B: every metric lands on the first node.
  for (absl::string_view metric :
       {"foo.bar", "servers.web01.cpu.user", "a", "", "\u00fcn\u00efcode.metric"}) {
    EXPECT_THAT(GetNodes(ring, metric), ElementsAre(0, 1, 2)) << metric;
  }
}

TEST(ConsistentHashRingTest, ProbedPositionsMayPass16Bits) {
  // 0-None..99-None hash up to 65405 under fnv1a_ch; with 200 nodes sharing those keys the
  // probes climb past 65535, which a uint16_t ring would wrap (COMPAT §1.3).
  std::vector<DestinationSpec> nodes;
  for (int i = 0; i < 200; ++i) {
    nodes.push_back(Destination(absl::StrCat("10.0.", i / 256, ".", i % 256), 2004, std::nullopt));
  }
  const ConsistentHashRing ring(nodes, HashType::kFnv1aCh);
  ASSERT_EQ(ring.positions().size(), 20000u);
  EXPECT_GT(ring.positions().back(), 65535);
  EXPECT_EQ(std::adjacent_find(ring.positions().begin(), ring.positions().end()),
            ring.positions().end());
}

TEST(ConsistentHashRingTest, StartIndexIsLowerBoundWrappingToZero) {
  const ConsistentHashRing ring(Inst4(), HashType::kCarbonCh);
  const auto positions = ring.positions();
  EXPECT_EQ(ring.StartIndex(positions[0]), 0u);
  EXPECT_EQ(ring.StartIndex(positions[0] - 1), 0u);
  EXPECT_EQ(ring.StartIndex(positions[7]), 7u);
  EXPECT_EQ(ring.StartIndex(positions[7] + 1), 8u);
  EXPECT_EQ(ring.StartIndex(positions.back()), positions.size() - 1);
  EXPECT_EQ(ring.StartIndex(positions.back() + 1), 0u);
}

TEST(ConsistentHashRingTest, WalkNeverVisitsTheEntryBeforeTheStart) {
  // COMPAT §1.4: last = (start - 1) mod len(ring) is never visited.
  const ConsistentHashRing ring(Inst4(), HashType::kCarbonCh);
  const size_t size = ring.positions().size();
  const size_t start = ring.StartIndex(CarbonHash("foo.bar", HashType::kCarbonCh));
  size_t visits = 0;
  ring.Walk("foo.bar", [&](uint32_t node) {
    EXPECT_EQ(node, ring.entry_nodes()[(start + visits) % size]);
    ++visits;
    return true;
  });
  EXPECT_EQ(visits, size - 1);
}

TEST(ConsistentHashRingTest, SingleNodeIsYieldedFirstAndTheWalkGoesOn) {
  // COMPAT §1.4: with one node carbon yields it, then walks anyway (and yields it again).
  const ConsistentHashRing ring({Destination("127.0.0.1", 2004, std::nullopt)},
                                HashType::kCarbonCh);
  size_t visits = 0;
  ring.Walk("foo.bar", [&](uint32_t node) {
    EXPECT_EQ(node, 0u);
    ++visits;
    return true;
  });
  EXPECT_EQ(visits, 1 + ConsistentHashRing::kReplicaCount - 1);
}

TEST(ConsistentHashRingTest, EmptyRingYieldsNothing) {
  const ConsistentHashRing ring({}, HashType::kCarbonCh);
  bool visited = false;
  ring.Walk("foo.bar", [&](uint32_t) {
    visited = true;
    return true;
  });
  EXPECT_FALSE(visited);
}

TEST(FastHashRingTest, SortsNodesByTheHashOfTheirTupleRepr) {
  // COMPAT §1.6: for carbon_ch the order is a(6369), d(10877), b(34238), c(44791).
  EXPECT_EQ(CarbonHash("('127.0.0.1', 'a')", HashType::kCarbonCh), 6369);
  EXPECT_EQ(CarbonHash("('127.0.0.1', 'd')", HashType::kCarbonCh), 10877);
  EXPECT_EQ(CarbonHash("('127.0.0.1', 'b')", HashType::kCarbonCh), 34238);
  EXPECT_EQ(CarbonHash("('127.0.0.1', 'c')", HashType::kCarbonCh), 44791);
  const FastHashRing ring(Inst4(), HashType::kCarbonCh);
  EXPECT_THAT(ring.sorted_nodes(), ElementsAre(0, 3, 1, 2));
  // foo.bar: 1273 % 4 = 1, so d, b, c, a.
  EXPECT_THAT(GetNodes(ring, "foo.bar"), ElementsAre(3, 1, 2, 0));
}

TEST(FastHashRingTest, SeedIsPythonFloorModuloEvenForNegativeHashes) {
  const FastHashRing ring(Inst4(), HashType::kMmh3Ch);
  EXPECT_EQ(ring.StartIndex(-1), 3u);
  EXPECT_EQ(ring.StartIndex(-4), 0u);
  EXPECT_EQ(ring.StartIndex(-154558337), 3u);  // mmh3("foo.bar") % 4 in Python
  EXPECT_EQ(ring.StartIndex(1009084850), 2u);
  EXPECT_EQ(ring.StartIndex(0), 0u);
}

TEST(FastHashRingTest, EqualHashesKeepDestinationsOrder) {
  // ('h', 'i389') and ('h', 'i453') collide under fnv1a_ch (42629). carbon's order is then
  // Python's set order; ours is DESTINATIONS order.
  ASSERT_EQ(CarbonHash("('h', 'i389')", HashType::kFnv1aCh), 42629);
  ASSERT_EQ(CarbonHash("('h', 'i453')", HashType::kFnv1aCh), 42629);
  const FastHashRing forward({Destination("h", 1, "i453"), Destination("h", 2, "i389")},
                             HashType::kFnv1aCh);
  EXPECT_THAT(forward.sorted_nodes(), ElementsAre(0, 1));
  const FastHashRing backward({Destination("h", 2, "i389"), Destination("h", 1, "i453")},
                              HashType::kFnv1aCh);
  EXPECT_THAT(backward.sorted_nodes(), ElementsAre(0, 1));
}

TEST(FastHashRingTest, EmptyRingYieldsNothing) {
  const FastHashRing ring({}, HashType::kMmh3Ch);
  EXPECT_TRUE(GetNodes(ring, "foo.bar").empty());
}

}  // namespace
}  // namespace fullerene::core
