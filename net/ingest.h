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
  void SetSource(int fd, absl::string_view protocol) {
    source_fd_ = fd;
    source_address_ = nullptr;
    source_protocol_ = protocol;
  }
  // A UDP datagram's sender; `address` must outlive the decoding of that datagram.
  void SetDatagramSource(const sockaddr* address, socklen_t length) {
    source_fd_ = -1;
    source_address_ = address;
    source_address_length_ = length;
    source_protocol_ = "udp";
  }

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

  RelayState& state_;
  const core::Router& router_;
  BatchBuilder& builder_;
  WorkerStatsBlock& stats_;
  const int64_t max_queue_size_;
  const int64_t min_timestamp_resolution_;
  core::DestinationSet destinations_;
  double now_ = 0;
  int source_fd_ = -1;
  const sockaddr* source_address_ = nullptr;
  socklen_t source_address_length_ = 0;
  absl::string_view source_protocol_;
};

}  // namespace fullerene::net
