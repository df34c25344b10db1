#include "net/self_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace fullerene::net {
namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Resident set size in bytes, as carbon's getMemUsage() reads it from /proc/self/statm.
double ResidentBytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) {
    return 0;
  }
  long pages = 0;
  long resident = 0;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) {
    resident = 0;
  }
  fclose(f);
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace

std::string CarbonHostName() {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0) {
    return "localhost";
  }
  return absl::StrReplaceAll(name, {{".", "_"}});
}

SelfMetrics::SelfMetrics(RelayState& state, absl::Time now)
    : state_(state),
      interval_(absl::Seconds(state.config.carbon_metric_interval)),
      base_(absl::StrCat(state.config.carbon_metric_prefix, ".relays.", CarbonHostName(), "-",
                         state.config.instance, ".")),
      next_due_(now + interval_),
      previous_(state.config.destinations.size()),
      previous_workers_(state.stats.size()),
      previous_cpu_seconds_(CpuSeconds()),
      previous_time_(now) {}

void SelfMetrics::Collect(absl::Time now,
                          absl::FunctionRef<void(absl::string_view, double)> emit) {
  next_due_ = now + interval_;
  const size_t destinations = state_.config.destinations.size();
  for (size_t d = 0; d < destinations; ++d) {
    DestinationTotals total;
    uint64_t max_queue = 0;
    for (const auto& block : state_.stats) {
      DestinationStats& s = block->destinations[d];
      total.attempted_relays += s.attempted_relays.Get();
      total.full_queue_drops += s.full_queue_drops.Get();
      total.queued_until_connected += s.queued_until_connected.Get();
      total.sent += s.sent.Get();
      total.batches_sent += s.batches_sent.Get();
      total.dropped += s.full_queue_drops.Get() + s.given_up.Get();
      total.reconnects += s.disconnects.Get();
      total.connect_failures += s.connect_failures.Get();
      max_queue = std::max(max_queue, s.max_queue_length.Get());
      // The gauge is per interval. Its writer may race this reset and keep a larger value;
      // that only reports a maximum one interval late.
      s.max_queue_length.Set(0);
    }
    DestinationTotals& before = previous_[d];
    const std::string prefix =
        absl::StrCat(base_, "destinations.", state_.config.destinations[d].StatName(), ".");
    auto counter = [&](const char* name, uint64_t now_total, uint64_t before_total) {
      if (now_total > before_total) {
        emit(absl::StrCat(prefix, name), static_cast<double>(now_total - before_total));
      }
    };
    counter("attemptedRelays", total.attempted_relays, before.attempted_relays);
    counter("fullQueueDrops", total.full_queue_drops, before.full_queue_drops);
    counter("queuedUntilConnected", total.queued_until_connected, before.queued_until_connected);
    if (total.attempted_relays > before.attempted_relays) {
      emit(absl::StrCat(prefix, "relayMaxQueueLength"), static_cast<double>(max_queue));
    }
    counter("sent", total.sent, before.sent);
    counter("batchesSent", total.batches_sent, before.batches_sent);
    emit(absl::StrCat(prefix, "queued"),
         static_cast<double>(state_.destinations[d]->queued.load(std::memory_order_relaxed)));
    emit(absl::StrCat(prefix, "dropped"), static_cast<double>(total.dropped - before.dropped));
    emit(absl::StrCat(prefix, "reconnects"),
         static_cast<double>(total.reconnects - before.reconnects));
    emit(absl::StrCat(prefix, "connectFailures"),
         static_cast<double>(total.connect_failures - before.connect_failures));
    before = total;
  }
  for (size_t w = 0; w < state_.stats.size(); ++w) {
    const WorkerStats& s = state_.stats[w]->worker;
    WorkerTotals total;
    total.received = s.metrics_received.Get();
    total.parse_errors = s.lines_invalid.Get() + s.pickle_frames_invalid.Get() +
                         s.pickle_items_invalid.Get() + s.bad_timestamps.Get();
    total.enobufs = s.recv_enobufs.Get();
    total.pauses = s.flow_control_pauses.Get();
    WorkerTotals& before = previous_workers_[w];
    const std::string prefix = absl::StrCat(base_, "workers.", w, ".");
    emit(absl::StrCat(prefix, "received"), static_cast<double>(total.received - before.received));
    emit(absl::StrCat(prefix, "parseErrors"),
         static_cast<double>(total.parse_errors - before.parse_errors));
    emit(absl::StrCat(prefix, "enobufs"), static_cast<double>(total.enobufs - before.enobufs));
    emit(absl::StrCat(prefix, "flowControlPauses"),
         static_cast<double>(total.pauses - before.pauses));
    before = total;
  }

  uint64_t received = 0;
  uint64_t active = 0;
  for (const auto& block : state_.stats) {
    received += block->worker.metrics_received.Get();
    active += block->worker.active_connections.Get();
  }
  const double cpu_seconds = CpuSeconds();
  double elapsed = absl::ToDoubleSeconds(now - previous_time_);
  if (elapsed <= 0) {
    elapsed = 1e-6;
  }
  emit(absl::StrCat(base_, "activeConnections"), static_cast<double>(active));
  emit(absl::StrCat(base_, "metricsReceived"), static_cast<double>(received - previous_received_));
  emit(absl::StrCat(base_, "blacklistMatches"), 0);
  emit(absl::StrCat(base_, "whitelistRejects"), 0);
  emit(absl::StrCat(base_, "cpuUsage"), (cpu_seconds - previous_cpu_seconds_) / elapsed * 100.0);
  emit(absl::StrCat(base_, "memUsage"), ResidentBytes());
  previous_received_ = received;
  previous_cpu_seconds_ = cpu_seconds;
  previous_time_ = now;
}

}  // namespace fullerene::net
