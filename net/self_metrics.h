// File: self_metrics.h
//
// SelfMetrics produces carbon-relay's own instrumentation (COMPAT §4.7) every
// CARBON_METRIC_INTERVAL seconds, under carbon's names so existing dashboards keep working:
//
//   <CARBON_METRIC_PREFIX>.relays.<host>-<instance>.destinations.<D>.attemptedRelays
//     ... fullQueueDrops, queuedUntilConnected, relayMaxQueueLength, sent, batchesSent
//     (each only when it moved during the interval, as carbon emits only touched stats)
//   <CARBON_METRIC_PREFIX>.relays.<host>-<instance>.activeConnections, metricsReceived,
//     blacklistMatches, whitelistRejects, cpuUsage, memUsage
//
// <host> is the host name with '.' replaced by '_', D is DestinationSpec::StatName(). Counters
// are per interval. The caller routes the results through the normal path (Ingest::
// RelaySelfMetric), as carbon does.
//
// Runs on worker 0; reads every worker's counters with relaxed loads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "net/relay_state.h"

namespace fullerene::net {

class SelfMetrics {
 public:
  SelfMetrics(RelayState& state, absl::Time now);

  bool enabled() const { return interval_ > absl::ZeroDuration(); }
  absl::Time next_due() const { return next_due_; }

  // Emits the figures of the interval that ends now and schedules the next one.
  void Collect(absl::Time now, absl::FunctionRef<void(absl::string_view, double)> emit);

 private:
  struct DestinationTotals {
    uint64_t attempted_relays = 0;
    uint64_t full_queue_drops = 0;
    uint64_t queued_until_connected = 0;
    uint64_t sent = 0;
    uint64_t batches_sent = 0;
  };

  RelayState& state_;
  const absl::Duration interval_;
  const std::string base_;  // "<prefix>.relays.<host>-<instance>."
  absl::Time next_due_;
  std::vector<DestinationTotals> previous_;
  uint64_t previous_received_ = 0;
  double previous_cpu_seconds_ = 0;
  absl::Time previous_time_;
};

// Host name as carbon uses it in metric names: socket.gethostname() with '.' -> '_'.
std::string CarbonHostName();

}  // namespace fullerene::net
