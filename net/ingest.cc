#include "net/ingest.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/escaping.h"
#include "core/base/log.h"
#include "net/socket_util.h"

namespace fullerene::net {
namespace {

// carbon logs at most the first 400 characters of a bad line (COMPAT §3.2).
std::string LogText(absl::string_view line) {
  constexpr size_t kMaxLogged = 400;
  std::string text = absl::CHexEscape(line.substr(0, kMaxLogged));
  if (line.size() > kMaxLogged) {
    text += "...";
  }
  return text;
}

}  // namespace

Ingest::Ingest(RelayState& state, const core::Router& router, BatchBuilder& builder,
               WorkerStatsBlock& stats)
    : state_(state),
      router_(router),
      builder_(builder),
      stats_(stats),
      max_queue_size_(state.config.max_queue_size),
      min_timestamp_resolution_(state.config.min_timestamp_resolution),
      blocks_(state.config.destinations.size(), state.config.use_flow_control) {}

std::string Ingest::SourceName() const {
  if (source_address_ != nullptr) {
    SocketAddress address;
    if (source_address_length_ > sizeof(address.storage)) {
      return "?";
    }
    memcpy(&address.storage, source_address_, source_address_length_);
    address.length = source_address_length_;
    return address.ToString();
  }
  if (source_fd_ < 0) {
    return "?";
  }
  return PeerName(source_fd_);
}

void Ingest::OnMetric(const core::MetricView& metric) {
  if (std::isnan(metric.value)) {
    stats_.worker.nan_values.Add();
    return;
  }
  double timestamp = metric.timestamp;
  if (!std::isfinite(timestamp)) {
    stats_.worker.bad_timestamps.Add();
    static core::RateLimiter limiter;
    if (limiter.Allow()) {
      FULLERENE_LOG(WARNING) << "non-finite timestamp from " << source_protocol_ << " client "
                             << SourceName() << " for " << absl::CHexEscape(metric.name)
                             << ", datapoint dropped";
    }
    return;
  }
  // carbon: `if int(timestamp) == -1: timestamp = time.time()`; int() truncates toward zero,
  // so every timestamp in (-2, -1] means "now".
  if (std::trunc(timestamp) == -1) {
    timestamp = now_;
  }
  if (min_timestamp_resolution_ > 0) {
    // carbon: int(ts) // res * res, with Python's floor division.
    const double whole = std::trunc(timestamp);
    timestamp = std::floor(whole / static_cast<double>(min_timestamp_resolution_)) *
                static_cast<double>(min_timestamp_resolution_);
  }
  stats_.worker.metrics_received.Add();
  Route(metric.name, timestamp, metric.value);
}

void Ingest::RelaySelfMetric(absl::string_view name, double value) {
  source_can_wait_ = false;
  Route(name, now_, value);
}

void Ingest::Route(absl::string_view name, double timestamp, double value) {
  router_.Route(name, &destinations_);
  if (destinations_.empty()) {
    stats_.worker.unroutable.Add();
    static core::RateLimiter limiter;
    if (limiter.Allow()) {
      FULLERENE_LOG(WARNING) << "no destination for " << absl::CHexEscape(name)
                             << ", datapoint dropped (carbon would buffer it forever)";
    }
    return;
  }
  for (core::DestinationId destination : destinations_) {
    DestinationStats& dstats = stats_.destinations[destination];
    DestinationShared& shared = *state_.destinations[destination];
    dstats.attempted_relays.Add();
    const int64_t queued =
        shared.queued.load(std::memory_order_relaxed) + builder_.OpenCount(destination);
    dstats.max_queue_length.Max(static_cast<uint64_t>(queued));
    if (queued >= max_queue_size_ && !TakeOverLimit(destination, queued)) {
      continue;
    }
    if (!shared.connected.load(std::memory_order_relaxed)) {
      dstats.queued_until_connected.Add();
    }
    builder_.Add(destination, name, timestamp, value);
  }
}

bool Ingest::TakeOverLimit(uint32_t destination, int64_t queued) {
  if (blocks_[destination] && source_can_wait_) {
    if (std::find(blocked_.begin(), blocked_.end(), destination) == blocked_.end()) {
      blocked_.push_back(destination);
    }
    return true;
  }
  stats_.destinations[destination].full_queue_drops.Add();
  static core::RateLimiter limiter(1);
  if (limiter.Allow()) {
    FULLERENE_LOG(WARNING) << "send queue of " << state_.config.destinations[destination].text
                           << " is full (" << queued << " datapoints), dropping";
  }
  return false;
}

void Ingest::OnBadLine(codec::LineStatus status, absl::string_view line) {
  stats_.worker.lines_invalid.Add();
  if (status == codec::LineStatus::kBadUtf8) {
    stats_.worker.lines_bad_utf8.Add();
  }
  static core::RateLimiter limiter;
  if (limiter.Allow()) {
    FULLERENE_LOG(WARNING) << "invalid line (" << codec::LineStatusName(status)
                           << ") received from " << source_protocol_ << " client "
                           << SourceName() << ", ignoring [" << LogText(line) << "]";
  }
}

void Ingest::OnBadItem(codec::PickleItemError error) {
  stats_.worker.pickle_items_invalid.Add();
  static core::RateLimiter limiter;
  if (limiter.Allow()) {
    FULLERENE_LOG(WARNING) << "invalid datapoint (" << codec::PickleItemErrorName(error)
                           << ") in pickle from " << SourceName() << ", ignoring it";
  }
}

}  // namespace fullerene::net
