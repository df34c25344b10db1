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
// and fullerene's own, every interval, under the same base:
//
//   ...destinations.<D>.queued            datapoints in memory now (a gauge)
//   ...destinations.<D>.dropped           full-queue drops and datapoints given up
//   ...destinations.<D>.reconnects        established connections lost
//   ...destinations.<D>.connectFailures   connection attempts that failed
//   ...workers.<N>.received               datapoints accepted by worker N
//   ...workers.<N>.parseErrors            bad lines, bad pickle frames and items, bad timestamps
//   ...workers.<N>.enobufs                receives stopped for lack of provided buffers
//   ...workers.<N>.flowControlPauses      clients paused because a destination was full
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
    uint64_t dropped = 0;
    uint64_t reconnects = 0;
    uint64_t connect_failures = 0;
  };
  struct WorkerTotals {
    uint64_t received = 0;
    uint64_t parse_errors = 0;
    uint64_t enobufs = 0;
    uint64_t pauses = 0;
  };

  RelayState& state_;
  const absl::Duration interval_;
  const std::string base_;  // "<prefix>.relays.<host>-<instance>."
  absl::Time next_due_;
  std::vector<DestinationTotals> previous_;
  std::vector<WorkerTotals> previous_workers_;
  uint64_t previous_received_ = 0;
  double previous_cpu_seconds_ = 0;
  absl::Time previous_time_;
};

// Host name as carbon uses it in metric names: socket.gethostname() with '.' -> '_'.
std::string CarbonHostName();

}  // namespace fullerene::net
