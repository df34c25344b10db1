#include "net/worker.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "core/base/check.h"
#include "core/base/log.h"
#include "net/socket_util.h"
#include "net/uring/user_data.h"

namespace fullerene::net {
namespace {

// Receive buffers per worker: 128 x 64 KiB. A 64 KiB recv holds ~1,500 typical lines, so one
// completion carries a lot of work; 128 of them absorb a burst from dozens of busy clients in
// one loop iteration. The memory is mapped lazily (ProvidedBufferRing), so an idle relay does
// not pay for it.
constexpr uint16_t kTcpBufferGroup = 0;
constexpr uint32_t kTcpBufferCount = 128;
constexpr uint32_t kTcpBufferSize = 64 << 10;

// UDP: every buffer must hold the largest datagram (65,507 bytes of payload over IPv4) plus
// the recvmsg header and the sender's address, so nothing is ever truncated (carbon cuts at
// 8192 bytes, COMPAT §3.3).
constexpr uint16_t kUdpBufferGroup = 1;
constexpr uint32_t kUdpBufferCount = 32;
constexpr uint32_t kUdpBufferSize = (64 << 10) + 512;

constexpr unsigned kRingEntries = 1024;

// While batches wait for room in another worker's ring, poll for that room this often.
constexpr absl::Duration kOutboxRetry = absl::Milliseconds(1);
// While draining, re-check whether the other workers have finished this often.
constexpr absl::Duration kDrainPoll = absl::Milliseconds(10);
// While clients are paused for flow control, check their destinations' queues this often.
constexpr absl::Duration kPausedPoll = absl::Milliseconds(2);

const char* ReceiverName(InboundConnection::Protocol protocol) {
  // carbon's class names, so log lines read the same as carbon-relay's (COMPAT §3.5).
  return protocol == InboundConnection::Protocol::kLine ? "MetricLineReceiver"
                                                        : "MetricPickleReceiver";
}

}  // namespace

Worker::Worker(RelayState& state, int id, std::unique_ptr<core::Router> router)
    : state_(state),
      id_(id),
      config_(state.config),
      stats_(*state.stats[id]),
      router_(std::move(router)),
      builder_(state, pool_),
      ingest_(state, *router_, builder_, stats_),
      owned_index_(state.config.destinations.size(), -1),
      outbox_(state.workers),
      wake_pending_(state.workers, false) {}

Worker::~Worker() {
  for (const Listener& listener : listeners_) {
    if (!listener.closed && listener.fd >= 0) {
      close(listener.fd);
    }
  }
  for (InboundConnection& connection : connections_) {
    if (connection.state == InboundConnection::State::kOpen) {
      close(connection.fd);
    }
  }
  for (int fd : pending_closes_) {
    close(fd);
  }
}

IoContext Worker::Io() {
  IoContext io;
  io.ring = &ring_;
  io.pool = &pool_;
  io.pending_closes = &pending_closes_;
  io.worker = id_;
  return io;
}

absl::Status Worker::Init() {
  absl::Status status = ring_.Init(kRingEntries);
  if (!status.ok()) {
    return status;
  }
  if (id_ == 0) {
    FULLERENE_LOG(INFO) << "io_uring: " << ring_.features().Describe();
  }
  status = tcp_buffers_.Init(ring_.raw(), kTcpBufferGroup, kTcpBufferCount, kTcpBufferSize);
  if (!status.ok()) {
    return status;
  }
  for (const ListenerSocket& socket : state_.listeners[id_]) {
    Listener listener;
    listener.kind = socket.kind;
    listener.fd = socket.fd;
    listeners_.push_back(listener);
  }
  for (uint32_t i = 0; i < listeners_.size(); ++i) {
    if (listeners_[i].kind == ListenerSocket::Kind::kUdp) {
      if (!udp_buffers_.has_value()) {
        udp_buffers_.emplace();
        status = udp_buffers_->Init(ring_.raw(), kUdpBufferGroup, kUdpBufferCount,
                                    kUdpBufferSize);
        if (!status.ok()) {
          return status;
        }
      }
      listeners_[i].udp_msg.msg_namelen = sizeof(sockaddr_storage);
      ArmUdpRecv(i);
    } else {
      ArmAccept(i);
    }
  }
  ArmWake();
  for (uint32_t d = 0; d < config_.destinations.size(); ++d) {
    if (state_.destinations[d]->owner != static_cast<uint32_t>(id_)) {
      continue;
    }
    owned_index_[d] = static_cast<int>(owned_.size());
    owned_.push_back(std::make_unique<OutboundDestination>(
        d, static_cast<uint32_t>(owned_.size()), config_, *state_.destinations[d],
        stats_.destinations[d], /*seed=*/static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) ^ d));
  }
  if (id_ == 0 && config_.carbon_metric_interval > 0) {
    self_metrics_.emplace(state_, absl::Now());
  }
  return absl::OkStatus();
}

void Worker::ArmAccept(uint32_t index) {
  Listener& listener = listeners_[index];
  io_uring_sqe* sqe = ring_.GetSqe();
  io_uring_prep_multishot_accept(sqe, listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
  sqe->user_data = UserData{Op::kAccept, index, 0}.Pack();
  listener.armed = true;
}

void Worker::ArmUdpRecv(uint32_t index) {
  Listener& listener = listeners_[index];
  io_uring_sqe* sqe = ring_.GetSqe();
  io_uring_prep_recvmsg_multishot(sqe, listener.fd, &listener.udp_msg, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kUdpBufferGroup;
  sqe->user_data = UserData{Op::kUdpRecv, index, 0}.Pack();
  listener.armed = true;
}

void Worker::ArmRecv(uint32_t slot) {
  InboundConnection& connection = connections_[slot];
  io_uring_sqe* sqe = ring_.GetSqe();
  io_uring_prep_recv_multishot(sqe, connection.fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kTcpBufferGroup;
  sqe->user_data = UserData{Op::kRecv, slot, connection.generation}.Pack();
  connection.recv_armed = true;
}

void Worker::ArmWake() {
  io_uring_sqe* sqe = ring_.GetSqe();
  io_uring_prep_read(sqe, state_.wakes[id_]->eventfd, &wake_buffer_, sizeof(wake_buffer_), 0);
  sqe->user_data = UserData{Op::kWake, 0, 0}.Pack();
}

void Worker::Run() {
  IoContext io = Io();
  absl::Time now = absl::Now();
  for (auto& destination : owned_) {
    destination->Start(io, now);
  }
  while (phase_ != Phase::kDone) {
    now = absl::Now();
    ingest_.SetNow(absl::ToDoubleSeconds(now - absl::UnixEpoch()));
    DrainInbox();
    if (phase_ == Phase::kRunning && state_.stopping.load(std::memory_order_acquire)) {
      BeginStop(now);
    }
    for (auto& destination : owned_) {
      destination->Tick(io, now);
      destination->Pump(io);
    }
    ResumePausedConnections();
    if (self_metrics_.has_value() && phase_ == Phase::kRunning &&
        now >= self_metrics_->next_due()) {
      CollectSelfMetrics(now);
    }
    tcp_buffers_.Publish();
    if (udp_buffers_.has_value()) {
      udp_buffers_->Publish();
    }
    FlushOutboxes();
    MaybeFinishProducing(now);
    if (phase_ == Phase::kDraining && DrainComplete(now)) {
      phase_ = Phase::kDone;
    }

    absl::Duration timeout = phase_ == Phase::kDone ? absl::ZeroDuration() : Timeout(now);
    WorkerWake& wake = *state_.wakes[id_];
    if (timeout > absl::ZeroDuration()) {
      wake.sleeping.store(true, std::memory_order_seq_cst);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (!InboxEmpty()) {
        timeout = absl::ZeroDuration();
      }
    }
    const int rc = ring_.SubmitAndWait(timeout);
    wake.sleeping.store(false, std::memory_order_relaxed);
    FULLERENE_CHECK(rc >= 0) << "io_uring_enter: " << strerror(-rc);
    for (int fd : pending_closes_) {
      close(fd);
    }
    pending_closes_.clear();

    now = absl::Now();
    ingest_.SetNow(absl::ToDoubleSeconds(now - absl::UnixEpoch()));
    unsigned head;
    unsigned seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring_.raw(), head, cqe) {
      Dispatch(cqe);
      ++seen;
    }
    io_uring_cq_advance(ring_.raw(), seen);
    FlushClosedBatches();
    FlushOutboxes();
  }
  // Requests still in flight refer to sockets that are shut down; submitting once more lets
  // the deferred closes happen in order.
  io_uring_submit(ring_.raw());
  for (int fd : pending_closes_) {
    close(fd);
  }
  pending_closes_.clear();
}

void Worker::Dispatch(const io_uring_cqe* cqe) {
  const UserData ud = UserData::Unpack(cqe->user_data);
  const IoContext io = Io();
  const absl::Time now = absl::Now();
  switch (ud.op) {
    case Op::kAccept:
      OnAccept(ud.slot, cqe->res, cqe->flags);
      return;
    case Op::kRecv:
      OnRecv(ud.slot, ud.generation, cqe->res, cqe->flags);
      return;
    case Op::kUdpRecv:
      OnUdpRecv(ud.slot, cqe->res, cqe->flags);
      return;
    case Op::kWake:
      // The batches themselves travel through the SPSC rings; the read only woke us.
      ArmWake();
      return;
    case Op::kConnect:
      owned_[ud.slot]->OnConnect(io, ud.generation, cqe->res, now);
      return;
    case Op::kSend:
      owned_[ud.slot]->OnSend(io, ud.generation, cqe->res, now);
      return;
    case Op::kDestinationRecv:
      owned_[ud.slot]->OnRecv(io, ud.generation, cqe->res, now);
      return;
    case Op::kConnectTimeout:
    case Op::kIgnored:
      return;
  }
  FULLERENE_BUG("completion with unknown op " << static_cast<int>(ud.op));
}

void Worker::OnAccept(uint32_t index, int res, uint32_t flags) {
  Listener& listener = listeners_[index];
  if ((flags & IORING_CQE_F_MORE) == 0) {
    listener.armed = false;
  }
  if (res >= 0) {
    const int fd = res;
    if (phase_ != Phase::kRunning) {
      close(fd);
    } else if (state_.client_connections.fetch_add(1, std::memory_order_relaxed) >=
               config_.max_receiver_connections) {
      state_.client_connections.fetch_sub(1, std::memory_order_relaxed);
      stats_.worker.connections_refused.Add();
      static core::RateLimiter limiter;
      if (limiter.Allow()) {
        FULLERENE_LOG(WARNING) << "refusing connection from " << PeerName(fd)
                               << ": MAX_RECEIVER_CONNECTIONS (" << config_.max_receiver_connections
                               << ") reached";
      }
      close(fd);
    } else {
      ApplyKeepAlive(fd, config_);
      const uint32_t slot = AllocateSlot();
      InboundConnection& connection = connections_[slot];
      connection.fd = fd;
      connection.state = InboundConnection::State::kOpen;
      if (listener.kind == ListenerSocket::Kind::kPickle) {
        connection.protocol = InboundConnection::Protocol::kPickle;
        connection.pickle.emplace(static_cast<uint32_t>(config_.pickle_receiver_max_length));
      } else {
        connection.protocol = InboundConnection::Protocol::kLine;
        connection.pickle.reset();
      }
      connection.line.Reset();
      connection.paused = false;
      connection.reading_out = false;
      connection.blocked_on.clear();
      ArmRecv(slot);
      ++open_connections_;
      stats_.worker.connections_accepted.Add();
      stats_.worker.active_connections.Set(open_connections_);
      if (config_.log_listener_conn_success) {
        FULLERENE_LOG(INFO) << ReceiverName(connection.protocol) << " connection with "
                            << PeerName(fd) << " established";
      }
    }
  } else if (res != -ECANCELED && !listener.closed) {
    static core::RateLimiter limiter;
    if (limiter.Allow()) {
      FULLERENE_LOG(WARNING) << "accept failed: " << strerror(-res);
    }
  }
  if (!listener.armed) {
    if (listener.closed) {
      pending_closes_.push_back(listener.fd);
      listener.fd = -1;
    } else {
      ArmAccept(index);
    }
  }
}

uint32_t Worker::AllocateSlot() {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  FULLERENE_CHECK(connections_.size() < kMaxSlots) << "more than 16M connections on one worker";
  connections_.emplace_back();
  return static_cast<uint32_t>(connections_.size() - 1);
}

void Worker::OnRecv(uint32_t slot, uint32_t generation, int res, uint32_t flags) {
  const bool has_buffer = (flags & IORING_CQE_F_BUFFER) != 0;
  const auto bid = static_cast<uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
  if (slot >= connections_.size() || connections_[slot].generation != generation) {
    // A slot is reused only after the final completion of its recv, so this cannot happen.
    FULLERENE_BUG("recv completion for stale connection slot " << slot);
    if (has_buffer) {
      tcp_buffers_.Recycle(bid);
    }
    return;
  }
  InboundConnection& connection = connections_[slot];
  const bool more = (flags & IORING_CQE_F_MORE) != 0;
  if (!more) {
    connection.recv_armed = false;
  }
  if (res > 0) {
    stats_.worker.bytes_received.Add(static_cast<uint64_t>(res));
    if (connection.state == InboundConnection::State::kOpen) {
      Process(slot, tcp_buffers_.Data(bid), static_cast<size_t>(res));
    }
    tcp_buffers_.Recycle(bid);
    if (!more && connection.state == InboundConnection::State::kOpen && !connection.paused) {
      ArmRecv(slot);
    }
  } else if (res == 0) {
    if (connection.state == InboundConnection::State::kOpen) {
      CloseConnection(connection, "closed cleanly", true);
    }
  } else if (res == -ENOBUFS) {
    // Flow control, not failure: every buffer was in use when data arrived. They are handed
    // back before the next submit, so re-arming now is enough.
    stats_.worker.recv_enobufs.Add();
    if (connection.state == InboundConnection::State::kOpen && !connection.paused) {
      ArmRecv(slot);
    }
  } else if (res == -ECANCELED) {
    // Flow control stopped it (Pause). If the connection was resumed before the cancel
    // landed, reading starts again here.
    if (connection.state == InboundConnection::State::kOpen && !connection.paused) {
      ArmRecv(slot);
    }
  } else {
    if (has_buffer) {
      tcp_buffers_.Recycle(bid);
    }
    if (connection.state == InboundConnection::State::kOpen) {
      CloseConnection(connection, strerror(-res), false);
    }
  }
  MaybeFreeSlot(slot);
}

void Worker::Process(uint32_t slot, const char* data, size_t size) {
  InboundConnection& connection = connections_[slot];
  const absl::string_view bytes(data, size);
  const bool can_wait = !connection.reading_out;
  if (connection.protocol == InboundConnection::Protocol::kLine) {
    ingest_.SetSource(connection.fd, "line", can_wait);
    if (!connection.line.Feed(bytes, ingest_)) {
      stats_.worker.lines_too_long.Add();
      FULLERENE_LOG(WARNING) << "line of " << connection.line.overlong_length()
                             << " bytes (limit " << codec::LineStreamDecoder::kMaxLineLength
                             << ") from " << PeerName(connection.fd) << ", closing the connection";
      CloseConnection(connection, "line too long", false);
    }
  } else {
    ingest_.SetSource(connection.fd, "pickle", can_wait);
    struct FrameSink {
      Worker* worker;
      void OnFrame(absl::string_view payload) { worker->OnFrame(payload); }
    } sink{this};
    if (!connection.pickle->Feed(bytes, sink)) {
      stats_.worker.pickle_frames_too_long.Add();
      FULLERENE_LOG(WARNING) << "pickle frame of " << connection.pickle->declared_length()
                             << " bytes (PICKLE_RECEIVER_MAX_LENGTH "
                             << config_.pickle_receiver_max_length << ") from "
                             << PeerName(connection.fd) << ", closing the connection";
      CloseConnection(connection, "frame too long", false);
    }
  }
  if (!ingest_.blocked().empty() && connection.state == InboundConnection::State::kOpen) {
    Pause(slot, ingest_.blocked());
  }
}

void Worker::Pause(uint32_t slot, const core::DestinationSet& blocked) {
  InboundConnection& connection = connections_[slot];
  for (uint32_t destination : blocked) {
    if (std::find(connection.blocked_on.begin(), connection.blocked_on.end(), destination) ==
        connection.blocked_on.end()) {
      connection.blocked_on.push_back(destination);
    }
  }
  if (connection.paused) {
    return;
  }
  connection.paused = true;
  paused_.push_back(PausedSlot{slot, connection.generation});
  stats_.worker.flow_control_pauses.Add();
  if (connection.recv_armed) {
    // Stop the multishot recv; completions already posted are still processed, so the
    // queue may go past its limit by what one loop iteration had received.
    io_uring_sqe* sqe = ring_.GetSqe();
    io_uring_prep_cancel64(sqe, UserData{Op::kRecv, slot, connection.generation}.Pack(), 0);
    sqe->user_data = UserData{Op::kIgnored, 0, 0}.Pack();
  }
  static core::RateLimiter limiter(1);
  if (limiter.Allow()) {
    const uint32_t destination = connection.blocked_on.front();
    FULLERENE_LOG(INFO) << "pausing " << ReceiverName(connection.protocol) << " client "
                        << PeerName(connection.fd) << ": the queue of destination "
                        << config_.destinations[destination].text << " is full ("
                        << state_.destinations[destination]->queued.load(std::memory_order_relaxed)
                        << " datapoints); reading resumes below "
                        << LowWatermark() << " (QUEUE_LOW_WATERMARK_PCT)";
  }
}

int64_t Worker::LowWatermark() const {
  return static_cast<int64_t>(static_cast<double>(config_.max_queue_size) *
                              std::clamp(config_.queue_low_watermark_pct, 0.0, 1.0));
}

void Worker::ResumePausedConnections() {
  if (paused_.empty()) {
    return;
  }
  const int64_t low = LowWatermark();
  size_t kept = 0;
  for (const PausedSlot& paused : paused_) {
    InboundConnection& connection = connections_[paused.slot];
    if (connection.generation != paused.generation || !connection.paused ||
        connection.state != InboundConnection::State::kOpen) {
      continue;
    }
    bool room = true;
    for (uint32_t destination : connection.blocked_on) {
      room = room &&
             state_.destinations[destination]->queued.load(std::memory_order_relaxed) <= low;
    }
    if (!room) {
      paused_[kept++] = paused;
      continue;
    }
    connection.paused = false;
    connection.blocked_on.clear();
    if (!connection.recv_armed) {
      ArmRecv(paused.slot);
    }
  }
  paused_.resize(kept);
}

void Worker::OnFrame(absl::string_view payload) {
  stats_.worker.pickle_frames.Add();
  const codec::PickleFrameStatus status = pickle_decoder_.Decode(payload, ingest_);
  if (status != codec::PickleFrameStatus::kOk) {
    stats_.worker.pickle_frames_invalid.Add();
    static core::RateLimiter limiter;
    if (limiter.Allow()) {
      FULLERENE_LOG(WARNING) << "invalid pickle received from " << ingest_.SourceName() << " ("
                             << payload.size() << " bytes), error: "
                             << codec::PickleFrameStatusName(status) << ", frame dropped";
    }
  }
}

void Worker::CloseConnection(InboundConnection& connection, const char* why, bool clean) {
  const std::string peer = PeerName(connection.fd);
  connection.state = InboundConnection::State::kClosing;
  Io().CloseSocket(connection.fd);
  connection.line.Reset();
  connection.pickle.reset();
  --open_connections_;
  state_.client_connections.fetch_sub(1, std::memory_order_relaxed);
  stats_.worker.connections_closed.Add();
  stats_.worker.active_connections.Set(open_connections_);
  if (!clean) {
    FULLERENE_LOG(INFO) << ReceiverName(connection.protocol) << " connection with " << peer
                        << " lost: " << why;
  } else if (config_.log_listener_conn_success) {
    FULLERENE_LOG(INFO) << ReceiverName(connection.protocol) << " connection with " << peer
                        << " " << why;
  }
}

void Worker::MaybeFreeSlot(uint32_t slot) {
  InboundConnection& connection = connections_[slot];
  if (connection.state == InboundConnection::State::kClosing && !connection.recv_armed) {
    connection.state = InboundConnection::State::kFree;
    connection.fd = -1;
    ++connection.generation;
    free_slots_.push_back(slot);
  }
}

void Worker::OnUdpRecv(uint32_t index, int res, uint32_t flags) {
  Listener& listener = listeners_[index];
  if ((flags & IORING_CQE_F_MORE) == 0) {
    listener.armed = false;
  }
  if (res >= 0 && (flags & IORING_CQE_F_BUFFER) != 0) {
    const auto bid = static_cast<uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
    char* buffer = udp_buffers_->Data(bid);
    io_uring_recvmsg_out* out = io_uring_recvmsg_validate(buffer, res, &listener.udp_msg);
    if (out != nullptr && phase_ == Phase::kRunning) {
      stats_.worker.udp_datagrams.Add();
      const auto* from = static_cast<const sockaddr*>(io_uring_recvmsg_name(out));
      const socklen_t from_length =
          std::min<socklen_t>(out->namelen, listener.udp_msg.msg_namelen);
      if ((out->flags & MSG_TRUNC) != 0) {
        stats_.worker.udp_truncated.Add();
        static core::RateLimiter limiter;
        if (limiter.Allow()) {
          ingest_.SetDatagramSource(from, from_length);
          FULLERENE_LOG(WARNING) << "datagram from " << ingest_.SourceName()
                                 << " did not fit in " << kUdpBufferSize
                                 << " bytes, dropped whole";
        }
      } else {
        const auto* payload =
            static_cast<const char*>(io_uring_recvmsg_payload(out, &listener.udp_msg));
        const uint32_t length = io_uring_recvmsg_payload_length(out, res, &listener.udp_msg);
        stats_.worker.bytes_received.Add(length);
        ProcessDatagram(payload, length, from, from_length);
      }
    }
    udp_buffers_->Recycle(bid);
  } else if (res == -ENOBUFS) {
    stats_.worker.recv_enobufs.Add();
  } else if (res < 0 && res != -ECANCELED && !listener.closed) {
    static core::RateLimiter limiter;
    if (limiter.Allow()) {
      FULLERENE_LOG(WARNING) << "UDP receive failed: " << strerror(-res);
    }
  }
  if (!listener.armed) {
    if (listener.closed) {
      pending_closes_.push_back(listener.fd);
      listener.fd = -1;
    } else {
      ArmUdpRecv(index);
    }
  }
}

void Worker::ProcessDatagram(const char* data, size_t size, const sockaddr* from,
                             socklen_t length) {
  ingest_.SetDatagramSource(from, length);
  codec::DecodeDatagram(absl::string_view(data, size), ingest_);
}

void Worker::DrainInbox() {
  for (int from = 0; from < state_.workers; ++from) {
    if (from == id_) {
      continue;
    }
    core::SpscRing<Batch*>& ring = state_.Mesh(from, id_);
    Batch* batch;
    while (ring.TryPop(&batch)) {
      HandOver(batch);
    }
  }
}

bool Worker::InboxEmpty() const {
  for (int from = 0; from < state_.workers; ++from) {
    if (from != id_ && !state_.Mesh(from, id_).EmptyApprox()) {
      return false;
    }
  }
  return true;
}

void Worker::HandOver(Batch* batch) {
  const uint32_t owner = state_.destinations[batch->destination]->owner;
  if (owner == static_cast<uint32_t>(id_)) {
    OutboundDestination& destination = *owned_[owned_index_[batch->destination]];
    if (destination.state() == OutboundDestination::State::kClosed) {
      // Given up at the end of a drain that timed out: count it there too.
      stats_.destinations[batch->destination].given_up.Add(batch->datapoints);
      state_.destinations[batch->destination]->queued.fetch_sub(batch->datapoints,
                                                                std::memory_order_relaxed);
      pool_.Put(batch);
      return;
    }
    destination.Enqueue(batch);
    return;
  }
  if (outbox_[owner].empty() && state_.Mesh(id_, static_cast<int>(owner)).TryPush(batch)) {
    wake_pending_[owner] = true;
    return;
  }
  outbox_[owner].PushBack(batch);
}

void Worker::FlushClosedBatches() {
  builder_.CloseAll();
  std::vector<Batch*>& closed = builder_.closed();
  for (Batch* batch : closed) {
    HandOver(batch);
  }
  closed.clear();
}

void Worker::FlushOutboxes() {
  for (int to = 0; to < state_.workers; ++to) {
    BatchQueue& outbox = outbox_[to];
    core::SpscRing<Batch*>& ring = state_.Mesh(id_, to);
    while (!outbox.empty()) {
      // Unlink before pushing: once pushed, the batch (and its next pointer) belongs to the
      // other worker.
      Batch* batch = outbox.PopFront();
      if (!ring.TryPush(batch)) {
        outbox.PushFront(batch);
        break;
      }
      wake_pending_[to] = true;
    }
    if (wake_pending_[to]) {
      wake_pending_[to] = false;
      Wake(to);
    }
  }
}

void Worker::Wake(int worker) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  WorkerWake& wake = *state_.wakes[worker];
  if (wake.sleeping.load(std::memory_order_seq_cst)) {
    const uint64_t one = 1;
    // A full eventfd counter (EAGAIN) still wakes the reader; nothing else can fail here.
    [[maybe_unused]] ssize_t n = write(wake.eventfd, &one, sizeof(one));
  }
}

void Worker::CollectSelfMetrics(absl::Time now) {
  self_metrics_->Collect(now, [this](absl::string_view name, double value) {
    ingest_.RelaySelfMetric(name, value);
  });
  FlushClosedBatches();
}

void Worker::BeginStop(absl::Time now) {
  phase_ = Phase::kStopping;
  drain_started_ = now;
  drain_deadline_ = now + kDrainTimeout;
  for (uint32_t i = 0; i < listeners_.size(); ++i) {
    Listener& listener = listeners_[i];
    listener.closed = true;
    if (listener.armed) {
      const Op op = listener.kind == ListenerSocket::Kind::kUdp ? Op::kUdpRecv : Op::kAccept;
      io_uring_sqe* sqe = ring_.GetSqe();
      io_uring_prep_cancel64(sqe, UserData{op, i, 0}.Pack(), 0);
      sqe->user_data = UserData{Op::kIgnored, 0, 0}.Pack();
    } else if (listener.fd >= 0) {
      pending_closes_.push_back(listener.fd);
      listener.fd = -1;
    }
  }
  // Read what the clients have already sent: after SHUT_RD the kernel still hands out the
  // bytes queued on the socket, then end-of-file, which closes the connection as usual.
  // Paused clients are resumed; from now on a full queue drops instead of waiting.
  for (uint32_t slot = 0; slot < connections_.size(); ++slot) {
    InboundConnection& connection = connections_[slot];
    if (connection.state != InboundConnection::State::kOpen) {
      continue;
    }
    connection.reading_out = true;
    connection.paused = false;
    connection.blocked_on.clear();
    shutdown(connection.fd, SHUT_RD);
    if (!connection.recv_armed) {
      ArmRecv(slot);
    }
  }
  paused_.clear();
}

void Worker::MaybeFinishProducing(absl::Time now) {
  if (phase_ != Phase::kStopping) {
    return;
  }
  if (open_connections_ > 0) {
    if (now < drain_deadline_) {
      return;
    }
    FULLERENE_LOG(WARNING) << "drain timeout: closing " << open_connections_
                           << " client connections that were still sending";
    for (InboundConnection& connection : connections_) {
      if (connection.state == InboundConnection::State::kOpen) {
        CloseConnection(connection, "closed: drain timeout", false);
      }
    }
  }
  FlushClosedBatches();
  phase_ = Phase::kDraining;
  state_.producers_done.fetch_add(1, std::memory_order_acq_rel);
  for (auto& destination : owned_) {
    // A destination that is down gets one more attempt now rather than after its backoff;
    // if that fails its queue is given up (carbon drops it at the next failed connect).
    destination->RetryNow(now);
  }
}

bool Worker::DrainComplete(absl::Time now) {
  const IoContext io = Io();
  const bool timed_out = now >= drain_deadline_;
  if (!timed_out) {
    if (state_.producers_done.load(std::memory_order_acquire) < state_.workers ||
        !InboxEmpty()) {
      return false;
    }
    for (const BatchQueue& outbox : outbox_) {
      if (!outbox.empty()) {
        return false;
      }
    }
  }
  bool complete = true;
  for (auto& destination : owned_) {
    // Down, and its one attempt after the stop (RetryNow) has failed already.
    const bool down = destination->state() == OutboundDestination::State::kBackoff &&
                      destination->NextDeadline() > drain_started_;
    if (destination->state() != OutboundDestination::State::kClosed && !destination->Idle() &&
        (timed_out || down)) {
      const uint64_t dropped = destination->GiveUp(io);
      FULLERENE_LOG(WARNING) << "giving up " << dropped << " datapoints queued for destination "
                             << destination->spec().text
                             << (timed_out ? ": drain timed out" : ": destination is down");
    }
    if (!destination->Idle()) {
      complete = false;
    }
  }
  return complete;
}

absl::Duration Worker::Timeout(absl::Time now) const {
  absl::Time deadline = absl::InfiniteFuture();
  for (const auto& destination : owned_) {
    deadline = std::min(deadline, destination->NextDeadline());
  }
  if (self_metrics_.has_value() && phase_ == Phase::kRunning) {
    deadline = std::min(deadline, self_metrics_->next_due());
  }
  absl::Duration timeout = deadline - now;
  if (phase_ != Phase::kRunning) {
    timeout = std::min(timeout, kDrainPoll);
    timeout = std::min(timeout, drain_deadline_ - now);
  }
  for (const BatchQueue& outbox : outbox_) {
    if (!outbox.empty()) {
      timeout = std::min(timeout, kOutboxRetry);
    }
  }
  if (!paused_.empty()) {
    // Queues drain on other workers too, which do not wake this one: look again soon.
    timeout = std::min(timeout, kPausedPoll);
  }
  return std::max(timeout, absl::ZeroDuration());
}

}  // namespace fullerene::net
