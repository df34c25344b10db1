// File: hash_ring.h
//
// The two node rings of carbon 1.1.7 (carbon/hashing.py), rebuilt bit for bit:
//
//   ConsistentHashRing  consistent-hashing (COMPAT §1.3, §1.4): 100 replicas per node on a
//                       sorted ring, collisions probed upwards, lookup by lower bound.
//   FastHashRing        fast-hashing (COMPAT §1.6): one entry per node sorted by hash, the
//                       walk starts at carbonHash(key) mod the number of nodes.
//
// Nodes are numbered by their position in the span given to the constructor; the router
// passes Config::destinations, so a node number is a DestinationId. The caller guarantees
// that the (server, instance) pairs are distinct: carbon refuses duplicates (COMPAT §1.1),
// and so does the router before it builds a ring.
//
// Both rings offer the same walk for the router (see Walk() below):
//
//   ring.Walk(metric, [&](uint32_t node) { ...; return want_more; });
//
// Thread-compatible and immutable after construction: Walk() is const, takes no lock and
// allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/config/config.h"
#include "core/route/hash/carbon_hash.h"

namespace fullerene::core {

class ConsistentHashRing {
 public:
  // carbon's ConsistentHashRing(replica_count=100), the only value carbon-relay uses.
  static constexpr int kReplicaCount = 100;

  ConsistentHashRing(absl::Span<const DestinationSpec> nodes, HashType type);

  // The ring, ascending by position, one entry per replica. Positions are unique.
  absl::Span<const int64_t> positions() const { return positions_; }
  absl::Span<const uint32_t> entry_nodes() const { return entry_nodes_; }
  size_t node_count() const { return node_count_; }

  // The index of the first entry whose position is >= `position`, wrapping to 0 past the
  // end: carbon's bisect_left(ring, (position, None)) % len(ring). The ring must not be empty.
  size_t StartIndex(int64_t position) const;

  // Calls visit(node) for the node of every ring entry that carbon's get_nodes(key) looks at,
  // in that order, until visit returns false (COMPAT §1.4):
  //   * with a single node, that node first (carbon's short cut, which does not return);
  //   * then entries from StartIndex(carbonHash(key)) on, wrapping, stopping before the entry
  //     just before the start: carbon never visits that one.
  // carbon's generator drops nodes it has already yielded and stops once it has yielded every
  // node; the walk leaves both to the visitor, which has to skip repeats anyway and knows when
  // it has enough, so that no set is needed on the data path.
  template <typename Visit>
  void Walk(absl::string_view key, Visit&& visit) const {
    const size_t size = positions_.size();
    if (size == 0) {
      return;
    }
    if (node_count_ == 1 && !visit(entry_nodes_[0])) {
      return;
    }
    size_t index = StartIndex(CarbonHash(key, type_));
    const size_t last = index == 0 ? size - 1 : index - 1;
    while (index != last) {
      if (!visit(entry_nodes_[index])) {
        return;
      }
      index = index + 1 == size ? 0 : index + 1;
    }
  }

 private:
  HashType type_;
  size_t node_count_;
  // Structure of arrays: the lower-bound search touches only positions.
  std::vector<int64_t> positions_;
  std::vector<uint32_t> entry_nodes_;
};

class FastHashRing {
 public:
  FastHashRing(absl::Span<const DestinationSpec> nodes, HashType type);

  // Node numbers ascending by carbonHash(str(node)), ties in DESTINATIONS order.
  absl::Span<const uint32_t> sorted_nodes() const { return sorted_nodes_; }
  size_t node_count() const { return sorted_nodes_.size(); }

  // Calls visit(node) for each node in carbon's FastHashRing.get_nodes(key) order, until
  // visit returns false: every node once, starting at carbonHash(key) mod node_count()
  // (COMPAT §1.6).
  template <typename Visit>
  void Walk(absl::string_view key, Visit&& visit) const {
    const size_t n = sorted_nodes_.size();
    if (n == 0) {
      return;
    }
    size_t index = StartIndex(CarbonHash(key, type_));
    for (size_t j = 0; j < n; ++j) {
      if (!visit(sorted_nodes_[index])) {
        return;
      }
      index = index + 1 == n ? 0 : index + 1;
    }
  }

  // carbon's seed: position % node_count() with Python's floor modulo, so a negative mmh3
  // position still gives 0 .. node_count()-1 (COMPAT §1.6). node_count() must not be 0.
  size_t StartIndex(int64_t position) const;

 private:
  HashType type_;
  std::vector<uint32_t> sorted_nodes_;
};

}  // namespace fullerene::core
