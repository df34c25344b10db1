// File: ingest.h
//
// Ingest is carbon's common receive path (COMPAT §3.1) for one worker: every datapoint any
// decoder produces comes through OnMetric(), which drops NaN values, replaces a timestamp of
// -1 with now, applies MIN_TIMESTAMP_RESOLUTION, counts metricsReceived, asks the router for
// the destinations and hands the datapoint to the BatchBuilder for each of them, unless that
// destination's queue is full (then it is dropped and counted, carbon's fullQueueDrops).
//
// It is also the decoders' handler: bad lines and bad pickle items are counted and logged
// (rate-limited, naming the peer) here.
//
//   ingest.SetSource(fd, "line");
//   line_decoder.Feed(bytes, ingest);        // OnMetric / OnBadLine
//   pickle_decoder.Decode(payload, ingest);  // OnMetric / OnBadItem
//   if (!ingest.blocked().empty()) { stop reading from fd until they have room }
//
// Full queues. A destination whose queue holds MAX_QUEUE_SIZE datapoints takes no more
// unless its overflow policy says otherwise: with `block` (carbon's USE_FLOW_CONTROL = True,
// the default) the datapoint is still queued and the destination is added to blocked(), so
// that the worker stops reading from that client until the queue has drained below
// QUEUE_LOW_WATERMARK_PCT; only clients whose datapoints go there wait. A source that cannot
// wait (UDP, the relay's own metrics, a client being read out at shutdown) drops and counts
// instead, as `drop` always does (carbon 1.1.7's behaviour, COMPAT §4.4).
//
// Divergences from carbon, on purpose (README.md lists them): a NaN or inf timestamp costs
// only that datapoint (carbon closes the connection), and so does a datapoint no destination
// takes (carbon buffers it in memory forever, COMPAT §4.6).
//
// Worker-confined.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/line/line_decoder.h"
#include "codec/pickle/pickle_decoder.h"
#include "core/base/metric_view.h"
#include "core/route/router.h"
#include "net/batch_builder.h"
#include "net/relay_state.h"
#include "net/stats.h"

namespace fullerene::net {

class Ingest {
 public:
  Ingest(RelayState& state, const core::Router& router, BatchBuilder& builder,
         WorkerStatsBlock& stats);

  // Wall-clock time (seconds since the epoch) used for "-1 means now"; set once per loop
  // iteration.
  void SetNow(double now) { now_ = now; }
  // The connection whose bytes are being decoded, for log lines.
  // `can_wait`: the source can be paused (a TCP client), so a full queue under the block
  // policy takes the datapoint and asks the caller to stop reading instead of dropping it.
  void SetSource(int fd, absl::string_view protocol, bool can_wait) {
    source_fd_ = fd;
    source_address_ = nullptr;
    source_protocol_ = protocol;
    source_can_wait_ = can_wait;
    blocked_.clear();
  }
  // A UDP datagram's sender; `address` must outlive the decoding of that datagram.
  void SetDatagramSource(const sockaddr* address, socklen_t length) {
    source_fd_ = -1;
    source_address_ = address;
    source_address_length_ = length;
    source_protocol_ = "udp";
    source_can_wait_ = false;
    blocked_.clear();
  }

  // Destinations that were full under the block policy while the current source was decoded.
  const core::DestinationSet& blocked() const { return blocked_; }

  // codec handler interface
  void OnMetric(const core::MetricView& metric);
  void OnBadLine(codec::LineStatus status, absl::string_view line);
  void OnBadItem(codec::PickleItemError error);

  // The relay's own metrics (COMPAT §4.7): routed like any datapoint, counted in
  // attemptedRelays but not in metricsReceived.
  void RelaySelfMetric(absl::string_view name, double value);

  // A peer description for the current source ("127.0.0.1:53602" or "udp 127.0.0.1:5000").
  std::string SourceName() const;

 private:
  void Route(absl::string_view name, double timestamp, double value);
  // A full destination's queue met a datapoint: true when it is queued anyway.
  bool TakeOverLimit(uint32_t destination, int64_t queued);

  RelayState& state_;
  const core::Router& router_;
  BatchBuilder& builder_;
  WorkerStatsBlock& stats_;
  const int64_t max_queue_size_;
  const int64_t min_timestamp_resolution_;
  core::DestinationSet destinations_;
  core::DestinationSet blocked_;
  std::vector<bool> blocks_;  // per destination: its overflow policy is block
  bool source_can_wait_ = false;
  double now_ = 0;
  int source_fd_ = -1;
  const sockaddr* source_address_ = nullptr;
  socklen_t source_address_length_ = 0;
  absl::string_view source_protocol_;
};

}  // namespace fullerene::net
