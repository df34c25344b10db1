// File: stats.h
//
// Counters of the data path, declared once as X-macro lists (STYLE.md rule 18) and kept per
// worker: each block has exactly one writer (its worker), so an increment is a relaxed load
// and store, never a locked read-modify-write; the self-metrics collector and the shutdown
// report read them with relaxed loads from another thread.
//
//   stats.metrics_received.Add();      // on the worker
//   uint64_t n = stats.metrics_received.Get();   // anywhere
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/optimization.h"

namespace fullerene::net {

// A single-writer counter.
class Counter {
 public:
  void Add(uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n,
                                          std::memory_order_relaxed); }
  void Set(uint64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Max(uint64_t v) {
    if (v > value_.load(std::memory_order_relaxed)) {
      value_.store(v, std::memory_order_relaxed);
    }
  }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Per worker. Names in snake_case; the self-metrics map them to carbon's names where carbon
// has one.
#define FULLERENE_WORKER_STATS(COUNTER)                                                   \
  COUNTER(metrics_received)      /* datapoints accepted for routing (metricsReceived) */ \
  COUNTER(nan_values)            /* dropped: NaN value (carbon drops them silently) */   \
  COUNTER(bad_timestamps)        /* dropped: NaN or inf timestamp */                     \
  COUNTER(unroutable)            /* dropped: no destination for the metric */            \
  COUNTER(lines_invalid)         /* dropped: malformed line (any LineStatus) */          \
  COUNTER(lines_bad_utf8)        /* ... of which not valid UTF-8 */                      \
  COUNTER(lines_too_long)        /* connections closed: line over 16384 bytes */         \
  COUNTER(pickle_frames)         /* pickle frames decoded */                             \
  COUNTER(pickle_frames_invalid) /* pickle frames dropped (hostile or malformed) */      \
  COUNTER(pickle_items_invalid)  /* datapoints dropped from good frames */               \
  COUNTER(pickle_frames_too_long)/* connections closed: frame over the limit */          \
  COUNTER(udp_datagrams)                                                                 \
  COUNTER(udp_truncated)         /* datagrams dropped because they did not fit */        \
  COUNTER(connections_accepted)                                                          \
  COUNTER(connections_closed)                                                            \
  COUNTER(connections_refused)   /* over MAX_RECEIVER_CONNECTIONS */                     \
  COUNTER(recv_enobufs)          /* multishot recv stopped: provided buffers exhausted */\
  COUNTER(flow_control_pauses)   /* clients paused because a destination was full */     \
  COUNTER(bytes_received)

// Per worker and destination. The producer side (every worker that routes to it) counts
// attempts and drops; the owner side (the one worker that holds its connection) counts what
// was written.
#define FULLERENE_DESTINATION_STATS(COUNTER)                                                   \
  COUNTER(attempted_relays)       /* datapoints routed to it (attemptedRelays) */              \
  COUNTER(full_queue_drops)       /* dropped: queue at MAX_QUEUE_SIZE (fullQueueDrops) */      \
  COUNTER(queued_until_connected) /* queued while not connected (queuedUntilConnected) */      \
  COUNTER(sent)                   /* datapoints written to the socket (sent) */                \
  COUNTER(batches_sent)           /* messages written (batchesSent) */                         \
  COUNTER(bytes_sent)                                                                          \
  COUNTER(connects)               /* successful connections */                                 \
  COUNTER(connect_failures)                                                                    \
  COUNTER(disconnects)            /* established connections lost */                          \
  COUNTER(given_up)               /* dropped at shutdown: destination down or drain timeout */

#define FULLERENE_STATS_FIELD_(name) Counter name;

struct alignas(ABSL_CACHELINE_SIZE) WorkerStats {
  FULLERENE_WORKER_STATS(FULLERENE_STATS_FIELD_)
  Counter active_connections;  // a gauge: current client connections of this worker
};

struct DestinationStats {
  FULLERENE_DESTINATION_STATS(FULLERENE_STATS_FIELD_)
  Counter max_queue_length;  // a gauge: largest queue seen since the collector last reset it
};

// All counters of one worker: its own block and one block per destination.
struct alignas(ABSL_CACHELINE_SIZE) WorkerStatsBlock {
  explicit WorkerStatsBlock(size_t destinations)
      : destinations(std::make_unique<DestinationStats[]>(destinations)) {}
  WorkerStats worker;
  std::unique_ptr<DestinationStats[]> destinations;
};

}  // namespace fullerene::net
