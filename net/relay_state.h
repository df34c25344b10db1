// File: relay_state.h
//
// What the workers of one relay share: the configuration, one DestinationShared per
// destination (its queue size, connection flag, owner and addresses), the SPSC mesh that
// carries batches between workers, each worker's wake-up handle and its stats block, and the
// stop flags. Built once by Relay before the workers start; its shape never changes while
// they run.
//
// Thread-safety: per member, as documented below.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/config/config.h"
#include "core/queue/spsc_ring.h"
#include "net/batch.h"
#include "net/socket_util.h"
#include "net/stats.h"

namespace fullerene::net {

struct alignas(ABSL_CACHELINE_SIZE) DestinationShared {
  // Datapoints in closed batches not yet written to the destination: producers add a whole
  // batch when they close it, the owner subtracts when the batch is written or given up.
  // Producers compare it with MAX_QUEUE_SIZE before encoding a datapoint.
  std::atomic<int64_t> queued{0};
  // Written by the owner only; read by producers for queuedUntilConnected.
  std::atomic<bool> connected{false};
  uint32_t owner = 0;  // the worker that holds the connection; fixed at start-up

  // Resolved addresses; written by the resolver thread, read by the owner when it connects.
  // Never touched on the data path.
  std::vector<SocketAddress> Addresses() const {
    absl::MutexLock lock(&mu);
    return addresses;
  }
  void SetAddresses(std::vector<SocketAddress> resolved) {
    absl::MutexLock lock(&mu);
    addresses = std::move(resolved);
  }

  mutable absl::Mutex mu;
  std::vector<SocketAddress> addresses ABSL_GUARDED_BY(mu);
};

struct alignas(ABSL_CACHELINE_SIZE) WorkerWake {
  int eventfd = -1;
  // Set by the worker just before it blocks in the kernel; a producer that pushed batches
  // for it writes the eventfd only then (the seq_cst fences on both sides make sure one of
  // them sees the other).
  std::atomic<bool> sleeping{false};
};

struct ListenerSocket {
  enum class Kind { kLine, kPickle, kUdp };
  Kind kind;
  int fd = -1;
};

struct RelayState {
  explicit RelayState(core::Config c) : config(std::move(c)) {}

  const core::Config config;
  int workers = 1;
  std::vector<std::unique_ptr<DestinationShared>> destinations;
  // mesh[from * workers + to]; the ring from a worker to itself is never used.
  std::vector<std::unique_ptr<core::SpscRing<Batch*>>> mesh;
  std::vector<std::unique_ptr<WorkerWake>> wakes;
  std::vector<std::unique_ptr<WorkerStatsBlock>> stats;
  // Listening sockets, opened before the workers start (so bind errors stop start-up and a
  // privileged port works before USER drops privileges), per worker.
  std::vector<std::vector<ListenerSocket>> listeners;

  std::atomic<bool> stopping{false};
  std::atomic<int> producers_done{0};
  std::atomic<int64_t> client_connections{0};  // for MAX_RECEIVER_CONNECTIONS

  core::SpscRing<Batch*>& Mesh(int from, int to) { return *mesh[from * workers + to]; }
};

}  // namespace fullerene::net
