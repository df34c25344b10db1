// File: worker.h
//
// Worker is one thread of the relay with its own io_uring ring. It runs the whole pipeline
// for the connections the kernel gives it (SO_REUSEPORT spreads them over the workers):
//
//   multishot accept -> multishot recv into provided buffers -> LineStreamDecoder /
//   PickleFrameReader + PickleDecoder -> Ingest (carbon's common path, routing) ->
//   BatchBuilder (encode once per destination) -> hand the closed batch to the worker that
//   owns the destination (directly, or through the SPSC mesh) -> OutboundDestination writes it
//
// and it owns the connections of a share of the destinations (destination i belongs to worker
// i mod N). Each loop iteration drains the batches other workers sent, runs timers, starts
// writes, submits everything with one io_uring_enter that also waits, reaps the completions in
// a batch, and flushes the open batches.
//
// Shutdown (Relay::RequestStop): the worker stops accepting, closes its client connections,
// flushes what it encoded and says it is done producing; it then keeps writing its
// destinations' queues until every worker is done producing and its queues are empty (a
// destination that is down gets one more attempt, then its queue is given up and counted), or
// until the drain deadline.
//
// Worker-confined, except Wake(), which any thread may call.
#pragma once

#include <sys/socket.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "codec/pickle/pickle_decoder.h"
#include "core/route/router.h"
#include "net/batch.h"
#include "net/batch_builder.h"
#include "net/destination.h"
#include "net/inbound_connection.h"
#include "net/ingest.h"
#include "net/io_context.h"
#include "net/relay_state.h"
#include "net/self_metrics.h"
#include "net/uring/buf_ring.h"
#include "net/uring/ring.h"

namespace fullerene::net {

class Worker {
 public:
  // How long the drain after SIGTERM may take before queues are given up.
  static constexpr absl::Duration kDrainTimeout = absl::Seconds(30);

  Worker(RelayState& state, int id, std::unique_ptr<core::Router> router);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  // Runs on the worker's own thread: sets up the ring, buffers and listeners.
  absl::Status Init();
  // The event loop; returns when the drain after a stop request is complete.
  void Run();

 private:
  struct Listener {
    ListenerSocket::Kind kind;
    int fd = -1;
    bool armed = false;
    bool closed = false;
    msghdr udp_msg{};  // recvmsg multishot template: how much room for the peer's address
  };

  enum class Phase { kRunning, kStopping, kDraining, kDone };

  IoContext Io();
  void ArmAccept(uint32_t index);
  void ArmUdpRecv(uint32_t index);
  void ArmRecv(uint32_t slot);
  void ArmWake();

  void Dispatch(const io_uring_cqe* cqe);
  void OnAccept(uint32_t index, int res, uint32_t flags);
  void OnRecv(uint32_t slot, uint32_t generation, int res, uint32_t flags);
  void OnUdpRecv(uint32_t index, int res, uint32_t flags);

  uint32_t AllocateSlot();
  void CloseConnection(InboundConnection& connection, const char* why, bool clean);
  void MaybeFreeSlot(uint32_t slot);
  void Process(uint32_t slot, const char* data, size_t size);
  void Pause(uint32_t slot, const core::DestinationSet& blocked);
  void ResumePausedConnections();
  int64_t LowWatermark() const;
  void ProcessDatagram(const char* data, size_t size, const sockaddr* from, socklen_t length);
  void OnFrame(absl::string_view payload);

  void DrainInbox();
  void HandOver(Batch* batch);
  void FlushClosedBatches();
  void FlushOutboxes();
  void Wake(int worker);
  bool InboxEmpty() const;

  void BeginStop(absl::Time now);
  void MaybeFinishProducing(absl::Time now);
  void CollectSelfMetrics(absl::Time now);
  bool DrainComplete(absl::Time now);
  absl::Duration Timeout(absl::Time now) const;

  RelayState& state_;
  const int id_;
  const core::Config& config_;
  WorkerStatsBlock& stats_;

  Ring ring_;
  ProvidedBufferRing tcp_buffers_;
  std::optional<ProvidedBufferRing> udp_buffers_;
  std::vector<Listener> listeners_;
  // A deque: slots never move, so a reference survives the allocation of another slot.
  std::deque<InboundConnection> connections_;
  std::vector<uint32_t> free_slots_;
  size_t open_connections_ = 0;
  std::vector<int> pending_closes_;

  std::unique_ptr<core::Router> router_;
  BatchPool pool_;
  BatchBuilder builder_;
  Ingest ingest_;
  codec::PickleDecoder pickle_decoder_;
  std::optional<SelfMetrics> self_metrics_;  // worker 0 only

  // Destinations this worker owns, and for every destination id its index here (or -1).
  std::vector<std::unique_ptr<OutboundDestination>> owned_;
  std::vector<int> owned_index_;
  // Batches for other workers that did not fit into the SPSC ring yet, per target worker.
  std::vector<BatchQueue> outbox_;
  std::vector<bool> wake_pending_;

  struct PausedSlot {
    uint32_t slot;
    uint32_t generation;
  };
  std::vector<PausedSlot> paused_;  // connections not read because a destination is full
  uint64_t wake_buffer_ = 0;
  Phase phase_ = Phase::kRunning;
  absl::Time drain_started_ = absl::InfiniteFuture();
  absl::Time drain_deadline_ = absl::InfiniteFuture();
};

}  // namespace fullerene::net
