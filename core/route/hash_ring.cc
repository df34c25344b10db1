#include "core/route/hash_ring.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace fullerene::core {

ConsistentHashRing::ConsistentHashRing(absl::Span<const DestinationSpec> nodes, HashType type)
    : type_(type), node_count_(nodes.size()) {
  std::vector<std::pair<int64_t, uint32_t>> ring;
  ring.reserve(nodes.size() * kReplicaCount);
  absl::flat_hash_set<int64_t> taken;
  taken.reserve(nodes.size() * kReplicaCount);
  // COMPAT §1.3: nodes go in DESTINATIONS order, because a collision is settled in favour of
  // the replica placed first.
  for (size_t node = 0; node < nodes.size(); ++node) {
    const DestinationSpec& spec = nodes[node];
    // carbon_ch and mmh3_ch: "%s:%d" % (str((server, instance)), i).
    // fnv1a_ch: "%d-%s" % (i, instance), with "None" for no instance, so nodes that share an
    // instance name share every replica key and all but the first end up probed (COMPAT §1.3).
    const std::string repr = type == HashType::kFnv1aCh ? "" : spec.NodeRepr();
    const absl::string_view instance =
        spec.instance.has_value() ? absl::string_view(*spec.instance) : "None";
    for (int i = 0; i < kReplicaCount; ++i) {
      const std::string replica_key =
          type == HashType::kFnv1aCh ? absl::StrCat(i, "-", instance) : absl::StrCat(repr, ":", i);
      int64_t position = CarbonHash(replica_key, type);
      // COMPAT §1.3: a taken position is probed upwards by one, without wrapping, which is why
      // positions are int64_t (they may pass 65535, or 2^31-1 for mmh3).
      while (!taken.insert(position).second) {
        ++position;
      }
      ring.emplace_back(position, static_cast<uint32_t>(node));
    }
  }
  // Positions are unique, so sorting by position alone gives carbon's bisect.insort order.
  std::sort(ring.begin(), ring.end());
  positions_.reserve(ring.size());
  entry_nodes_.reserve(ring.size());
  for (const auto& [position, node] : ring) {
    positions_.push_back(position);
    entry_nodes_.push_back(node);
  }
}

size_t ConsistentHashRing::StartIndex(int64_t position) const {
  const auto it = std::lower_bound(positions_.begin(), positions_.end(), position);
  // COMPAT §1.4: past the last entry the ring wraps to the first.
  return it == positions_.end() ? 0 : static_cast<size_t>(it - positions_.begin());
}

FastHashRing::FastHashRing(absl::Span<const DestinationSpec> nodes, HashType type) : type_(type) {
  std::vector<std::pair<int64_t, uint32_t>> keyed;
  keyed.reserve(nodes.size());
  for (size_t node = 0; node < nodes.size(); ++node) {
    // COMPAT §1.6: one entry per node, keyed by str((server, instance)) without a ":i" suffix.
    keyed.emplace_back(CarbonHash(nodes[node].NodeRepr(), type), static_cast<uint32_t>(node));
  }
  // carbon sorts by hash alone over a set, so equal hashes come out in Python's per-process
  // set order (COMPAT §1.6); a stable sort over DESTINATIONS order makes that case
  // deterministic at least.
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  sorted_nodes_.reserve(keyed.size());
  for (const auto& entry : keyed) {
    sorted_nodes_.push_back(entry.second);
  }
}

size_t FastHashRing::StartIndex(int64_t position) const {
  const auto n = static_cast<int64_t>(sorted_nodes_.size());
  int64_t seed = position % n;
  if (seed < 0) {
    seed += n;  // Python's % takes the sign of the divisor (COMPAT §1.6)
  }
  return static_cast<size_t>(seed);
}

}  // namespace fullerene::core
