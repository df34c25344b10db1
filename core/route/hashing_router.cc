#include "core/route/hashing_router.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/base/status_macros.h"
#include "core/route/hash_ring.h"

namespace fullerene::core {
namespace {

// Ring is ConsistentHashRing or FastHashRing: both have Walk(key, visit).
template <typename Ring>
class HashingRouter final : public Router {
 public:
  HashingRouter(Ring ring, std::vector<uint32_t> server_ids, size_t server_count,
                int64_t replication_factor, bool diverse_replicas)
      : ring_(std::move(ring)),
        server_ids_(std::move(server_ids)),
        node_count_(server_ids_.size()),
        server_count_(server_count),
        replication_factor_(replication_factor),
        diverse_replicas_(diverse_replicas) {}

  // Router
  void Route(absl::string_view metric, DestinationSet* out) const override {
    // Not clear(): that frees the heap buffer RF > 4 needed, which the next call would allocate
    // again.
    out->resize(0);
    if (diverse_replicas_) {
      ring_.Walk(metric, [this, out](uint32_t node) {
        // COMPAT §1.5: diversity compares server strings, here their precomputed ids. A node
        // whose server is used is skipped whether or not carbon's get_nodes already yielded it.
        const uint32_t server = server_ids_[node];
        for (DestinationId chosen : *out) {
          if (server_ids_[chosen] == server) {
            return true;
          }
        }
        out->push_back(node);
        // carbon tests len(used_servers) >= REPLICATION_FACTOR only after a yield, which is
        // why RF 0 (or less) still yields one. Once every server is used nothing more can be
        // yielded, so the walk may stop there too.
        return static_cast<int64_t>(out->size()) < replication_factor_ &&
               out->size() < server_count_;
      });
      return;
    }
    // COMPAT §1.5: the non-diverse loop returns when count == REPLICATION_FACTOR before it
    // yields anything, so RF 0 yields nothing (and a negative RF never stops it early).
    if (replication_factor_ == 0) {
      return;
    }
    ring_.Walk(metric, [this, out](uint32_t node) {
      // get_nodes yields each node once: skip repeats.
      for (DestinationId chosen : *out) {
        if (chosen == node) {
          return true;
        }
      }
      out->push_back(node);
      return static_cast<int64_t>(out->size()) != replication_factor_ && out->size() < node_count_;
    });
  }

 private:
  const Ring ring_;
  const std::vector<uint32_t> server_ids_;  // per node: equal ids <=> equal server strings
  const size_t node_count_;
  const size_t server_count_;  // distinct server strings
  const int64_t replication_factor_;
  const bool diverse_replicas_;
};

// Numbers the distinct server strings of config.destinations, and refuses a repeated
// (server, instance) pair as carbon's ConsistentHashingRouter.addDestination does.
absl::Status NumberServers(const Config& config, std::vector<uint32_t>* server_ids,
                           size_t* server_count) {
  absl::flat_hash_set<std::pair<std::string, std::optional<std::string>>> pairs;
  absl::flat_hash_map<std::string, uint32_t> servers;
  server_ids->reserve(config.destinations.size());
  for (const DestinationSpec& spec : config.destinations) {
    if (!pairs.emplace(spec.server, spec.instance).second) {
      // COMPAT §1.1: Exception("destination instance (%s, %s) already configured"), with %s
      // of None for no instance.
      return absl::InvalidArgumentError(absl::StrCat(
          config.config_path.empty() ? "" : absl::StrCat(config.config_path, ": "),
          "DESTINATIONS: destination instance (", spec.server, ", ",
          spec.instance.has_value() ? *spec.instance : "None", ") already configured"));
    }
    const auto [it, inserted] = servers.emplace(spec.server, static_cast<uint32_t>(servers.size()));
    server_ids->push_back(it->second);
  }
  *server_count = servers.size();
  return absl::OkStatus();
}

template <typename Ring>
absl::StatusOr<std::unique_ptr<Router>> CreateHashingRouter(const Config& config) {
  std::vector<uint32_t> server_ids;
  size_t server_count = 0;
  FULLERENE_RETURN_IF_ERROR(NumberServers(config, &server_ids, &server_count));
  return std::make_unique<HashingRouter<Ring>>(Ring(config.destinations, config.hash_type),
                                               std::move(server_ids), server_count,
                                               config.replication_factor, config.diverse_replicas);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Router>> CreateConsistentHashingRouter(const Config& config) {
  return CreateHashingRouter<ConsistentHashRing>(config);
}

absl::StatusOr<std::unique_ptr<Router>> CreateFastHashingRouter(const Config& config) {
  return CreateHashingRouter<FastHashRing>(config);
}

}  // namespace fullerene::core
