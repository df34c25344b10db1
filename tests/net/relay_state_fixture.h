// File: relay_state_fixture.h
//
// Builds a RelayState (shared destination state, stats, an SPSC mesh) for unit tests of the
// pieces of net/ that need no kernel: the batch builder, the receive path, self-metrics.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "net/relay_state.h"

namespace fullerene::net {

inline core::DestinationSpec TestDestination(const std::string& server, int port,
                                             const std::string& instance,
                                             core::WireProtocol protocol,
                                             const std::string& prefix = "") {
  core::DestinationSpec spec;
  spec.server = server;
  spec.port = port;
  spec.instance = instance;
  spec.protocol = protocol;
  spec.prefix = prefix;
  spec.text = server + ":" + std::to_string(port) + ":" + instance;
  return spec;
}

inline std::unique_ptr<RelayState> MakeRelayState(core::Config config, int workers = 1) {
  auto state = std::make_unique<RelayState>(std::move(config));
  state->workers = workers;
  for (size_t d = 0; d < state->config.destinations.size(); ++d) {
    auto shared = std::make_unique<DestinationShared>();
    shared->owner = static_cast<uint32_t>(d % workers);
    state->destinations.push_back(std::move(shared));
  }
  for (int i = 0; i < workers * workers; ++i) {
    state->mesh.push_back(std::make_unique<core::SpscRing<Batch*>>(16));
  }
  for (int i = 0; i < workers; ++i) {
    state->wakes.push_back(std::make_unique<WorkerWake>());
    state->stats.push_back(
        std::make_unique<WorkerStatsBlock>(state->config.destinations.size()));
  }
  return state;
}

}  // namespace fullerene::net
