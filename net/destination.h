// File: destination.h
//
// OutboundDestination is one configured destination as seen by the one worker that owns its
// connection: a FIFO of encoded batches, the socket (or file), and the state machine
//
//   kConnecting --ok--> kConnected --error/close--> kBackoff --timer--> kConnecting
//        |                                              ^
//        +---------------------fail---------------------+
//
// Batches are written in order, many per sendmsg (gathered into one iovec array), and leave
// the queue only once written completely. When a connection breaks mid-batch, the batch is
// sent again on the next connection from its last message boundary: a pickle frame from its
// start (the receiver threw away the partial frame), a run of lines from the line the break
// cut (the lines before it were delivered). Reconnects follow carbon's schedule
// (core::ReconnectBackoff: ~2.7 s, then ~5 s). The queue survives reconnects (COMPAT §4.1).
//
// A `file:` destination opens the file (or standard output) instead of connecting, and
// writes with writev.
//
// Worker-confined: every method runs on the owner's thread.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/base/backoff.h"
#include "core/config/config.h"
#include "net/batch.h"
#include "net/io_context.h"
#include "net/relay_state.h"
#include "net/stats.h"

namespace fullerene::net {

class OutboundDestination {
 public:
  enum class State { kConnecting, kConnected, kBackoff, kClosed };

  // How long a TCP connect may take before it counts as failed. Twisted's default is 30 s;
  // a shorter bound gets a black-holed destination into backoff (and its queue into the
  // log) sooner.
  static constexpr absl::Duration kConnectTimeout = absl::Seconds(10);

  OutboundDestination(uint32_t id, uint32_t slot, const core::Config& config,
                      DestinationShared& shared, DestinationStats& stats, uint64_t seed);
  OutboundDestination(const OutboundDestination&) = delete;
  OutboundDestination& operator=(const OutboundDestination&) = delete;

  uint32_t id() const { return id_; }
  State state() const { return state_; }
  const core::DestinationSpec& spec() const { return spec_; }
  uint64_t queued_datapoints() const { return queue_.datapoints(); }
  // Nothing queued and nothing being written.
  bool Idle() const { return queue_.empty() && !send_in_flight_; }

  void Enqueue(Batch* batch) { queue_.PushBack(batch); }

  // Starts the first connection.
  void Start(const IoContext& io, absl::Time now);
  // Timers: reconnect when the backoff has passed.
  void Tick(const IoContext& io, absl::Time now);
  // Writes queued batches when connected and no write is in flight.
  void Pump(const IoContext& io);
  // The earliest time Tick() has something to do; InfiniteFuture() if nothing.
  absl::Time NextDeadline() const;

  // Completions for this destination; `generation` is the one packed in user_data. Stale
  // completions (of an earlier connection) are ignored.
  void OnConnect(const IoContext& io, uint32_t generation, int res, absl::Time now);
  void OnSend(const IoContext& io, uint32_t generation, int res, absl::Time now);
  void OnRecv(const IoContext& io, uint32_t generation, int res, absl::Time now);

  // Shutdown: a destination in backoff gets one immediate attempt instead of waiting.
  void RetryNow(absl::Time now);
  // Shutdown: drops everything queued (counted as given up) and closes. Returns how many
  // datapoints were given up.
  uint64_t GiveUp(const IoContext& io);

 private:
  void Connect(const IoContext& io, absl::Time now);
  void OpenFile(const IoContext& io, absl::Time now);
  void ArmRecv(const IoContext& io);
  void Lost(const IoContext& io, absl::Time now, const std::string& why);
  void Failed(const IoContext& io, absl::Time now, const std::string& why);
  void CloseFd(const IoContext& io);
  void RewindToMessageBoundary();
  void ReleaseQueue(const IoContext& io);
  bool ShouldLogFailure(absl::Time now);
  uint64_t UserData(uint8_t op) const;

  const uint32_t id_;
  const uint32_t slot_;
  const core::DestinationSpec& spec_;
  const core::Config& config_;
  DestinationShared& shared_;
  DestinationStats& stats_;
  core::ReconnectBackoff backoff_;

  State state_ = State::kBackoff;
  int fd_ = -1;
  uint32_t generation_ = 0;  // bumped whenever fd_ changes; stale CQEs carry an older one
  absl::Time retry_at_ = absl::InfinitePast();
  size_t address_index_ = 0;
  absl::Time last_failure_log_ = absl::InfinitePast();
  int failures_since_log_ = 0;

  BatchQueue queue_;
  size_t offset_ = 0;             // bytes of queue_.front() already written
  bool send_in_flight_ = false;
  std::vector<iovec> iov_;
  msghdr msg_{};
  SocketAddress connect_address_;
  __kernel_timespec connect_timeout_{};
  char recv_sink_[64];
};

}  // namespace fullerene::net
