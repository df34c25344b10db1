// File: router.h
//
// Router answers "where does this metric go?" exactly as carbon-relay 1.1.7 does
// (COMPAT §1 and §2.4): by relay rules, by the consistent-hash ring (carbon_ch, fnv1a_ch,
// mmh3_ch) or by the fast-hash ring, with REPLICATION_FACTOR and DIVERSE_REPLICAS.
// Destinations are numbered by their position in Config::destinations.
//
//   FULLERENE_ASSIGN_OR_RETURN(std::unique_ptr<Router> router, Router::Create(config));
//   DestinationSet where;
//   router->Route("servers.web01.cpu.user", &where);   // e.g. {3}
//
// Create() fails the way carbon's start-up does (duplicate (server, instance) in a hashing
// method, a relay-rules pattern RE2 cannot compile), with a message naming file and key.
//
// Thread-compatible and immutable after Create(): each worker builds its own Router from
// the same Config (RE2 objects are shared-nothing that way, and nothing on the data path
// takes a lock).
#pragma once

#include <cstdint>
#include <memory>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/config/config.h"

namespace fullerene::core {

using DestinationId = uint32_t;  // index into Config::destinations
using DestinationSet = absl::InlinedVector<DestinationId, 4>;

class Router {
 public:
  virtual ~Router() = default;

  static absl::StatusOr<std::unique_ptr<Router>> Create(const Config& config);

  // Replaces *out with the destinations of `metric`, each at most once (carbon turns the
  // list into a set of per-destination factories, COMPAT §4.1), in carbon's yield order.
  // An empty result means carbon would buffer the datapoint forever (§4.6); the caller
  // counts and drops it instead.
  virtual void Route(absl::string_view metric, DestinationSet* out) const = 0;
};

}  // namespace fullerene::core
