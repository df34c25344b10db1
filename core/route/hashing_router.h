// File: hashing_router.h
//
// The routers for RELAY_METHOD = consistent-hashing and fast-hashing: carbon 1.1.7's
// ConsistentHashingRouter.getDestinations (COMPAT §1.5) over a ConsistentHashRing or a
// FastHashRing (hash_ring.h), with REPLICATION_FACTOR and DIVERSE_REPLICAS:
//
//   DIVERSE_REPLICAS = True   walk the ring, skip a node whose *server string* is already
//                             used, stop once REPLICATION_FACTOR servers are used. The check
//                             comes after the first pick, so RF 0 still yields one destination,
//                             and destinations that share a host count once.
//   DIVERSE_REPLICAS = False  the first REPLICATION_FACTOR distinct nodes; RF 0 yields none.
//
// Either way RF above what exists yields what exists, without repeats. Ring nodes are
// Config::destinations in order; the node key is (server, instance) and the port is not
// part of it, so two destinations with the same pair are refused at start-up with carbon's
// text (COMPAT §1.1), e.g.
//
//   carbon.conf: DESTINATIONS: destination instance (127.0.0.1, None) already configured
//
// Usually reached through Router::Create(config).
//
// Thread-compatible; the routers are immutable after creation and Route() neither locks nor
// allocates.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "core/config/config.h"
#include "core/route/router.h"

namespace fullerene::core {

// Uses config.destinations, hash_type, replication_factor, diverse_replicas and config_path.
absl::StatusOr<std::unique_ptr<Router>> CreateConsistentHashingRouter(const Config& config);
absl::StatusOr<std::unique_ptr<Router>> CreateFastHashingRouter(const Config& config);

}  // namespace fullerene::core
