#include "net/destination.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/base/log.h"
#include "net/socket_util.h"
#include "net/uring/user_data.h"

namespace fullerene::net {
namespace {

// One sendmsg gathers at most this many batches / bytes: enough to amortise the syscall,
// small enough that one destination cannot monopolise the worker for long.
constexpr size_t kMaxIov = 64;
constexpr size_t kMaxSendBytes = 4 << 20;

// Log the first failure of a streak, then at most one line per this interval (with a count),
// so a destination that stays down does not fill the log every five seconds.
constexpr absl::Duration kFailureLogInterval = absl::Seconds(60);

std::string Seconds(absl::Duration d) {
  return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(d));
}

}  // namespace

OutboundDestination::OutboundDestination(uint32_t id, uint32_t slot, const core::Config& config,
                                         DestinationShared& shared, DestinationStats& stats,
                                         uint64_t seed)
    : id_(id),
      slot_(slot),
      spec_(config.destinations[id]),
      config_(config),
      shared_(shared),
      stats_(stats),
      backoff_(seed) {}

uint64_t OutboundDestination::UserData(uint8_t op) const {
  return net::UserData{static_cast<Op>(op), slot_, generation_}.Pack();
}

void OutboundDestination::Start(const IoContext& io, absl::Time now) { Connect(io, now); }

void OutboundDestination::Connect(const IoContext& io, absl::Time now) {
  if (spec_.is_file()) {
    OpenFile(io, now);
    return;
  }
  std::vector<SocketAddress> addresses = shared_.Addresses();
  if (addresses.empty()) {
    Failed(io, now, absl::StrCat("cannot resolve ", spec_.server, " yet"));
    return;
  }
  connect_address_ = addresses[address_index_ % addresses.size()];
  int fd = socket(connect_address_.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    Failed(io, now, absl::StrCat("socket(): ", strerror(errno)));
    return;
  }
  // Batches are written whole; waiting for more data (Nagle) would only add latency.
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ApplyKeepAlive(fd, config_);
  fd_ = fd;
  ++generation_;
  state_ = State::kConnecting;

  io.ring->Reserve(2);
  io_uring_sqe* sqe = io.ring->GetSqe();
  io_uring_prep_connect(sqe, fd_, connect_address_.get(), connect_address_.length);
  sqe->flags |= IOSQE_IO_LINK;
  sqe->user_data = UserData(static_cast<uint8_t>(Op::kConnect));
  const int64_t timeout_ns = absl::ToInt64Nanoseconds(kConnectTimeout);
  connect_timeout_ = __kernel_timespec{timeout_ns / 1000000000, timeout_ns % 1000000000};
  sqe = io.ring->GetSqe();
  io_uring_prep_link_timeout(sqe, &connect_timeout_, 0);
  sqe->user_data = UserData(static_cast<uint8_t>(Op::kConnectTimeout));
}

void OutboundDestination::OpenFile(const IoContext& io, absl::Time now) {
  int fd = spec_.file_path == "-"
               ? fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0)
               : open(spec_.file_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    Failed(io, now, absl::StrCat("cannot open ", spec_.file_path, ": ", strerror(errno)));
    return;
  }
  fd_ = fd;
  ++generation_;
  state_ = State::kConnected;
  shared_.connected.store(true, std::memory_order_relaxed);
  stats_.connects.Add();
  backoff_.Reset();
  FULLERENE_LOG(INFO) << "writing destination " << spec_.text << " ("
                      << (spec_.file_path == "-" ? "standard output" : spec_.file_path) << ")";
  Pump(io);
}

void OutboundDestination::OnConnect(const IoContext& io, uint32_t generation, int res,
                                    absl::Time now) {
  if (generation != generation_ || state_ != State::kConnecting) {
    return;
  }
  if (res < 0) {
    const std::string why = res == -ECANCELED
                                ? absl::StrCat("timed out after ", Seconds(kConnectTimeout))
                                : std::string(strerror(-res));
    // Try the next address of a multi-address name on the next attempt.
    ++address_index_;
    CloseFd(io);
    Failed(io, now, absl::StrCat("connect to ", connect_address_.ToString(), ": ", why));
    return;
  }
  state_ = State::kConnected;
  shared_.connected.store(true, std::memory_order_relaxed);
  stats_.connects.Add();
  backoff_.Reset();
  FULLERENE_LOG(INFO) << "connected to destination " << spec_.text << " ("
                      << connect_address_.ToString() << "), " << queue_.datapoints()
                      << " datapoints queued";
  failures_since_log_ = 0;
  last_failure_log_ = absl::InfinitePast();
  ArmRecv(io);
  Pump(io);
}

void OutboundDestination::ArmRecv(const IoContext& io) {
  io_uring_sqe* sqe = io.ring->GetSqe();
  io_uring_prep_recv(sqe, fd_, recv_sink_, sizeof(recv_sink_), 0);
  sqe->user_data = UserData(static_cast<uint8_t>(Op::kDestinationRecv));
}

void OutboundDestination::OnRecv(const IoContext& io, uint32_t generation, int res,
                                 absl::Time now) {
  if (generation != generation_ || state_ != State::kConnected) {
    return;
  }
  if (res > 0) {
    // carbon-caches never write to a relay; whatever arrives is read and ignored so that the
    // peer's close or reset is seen as soon as it happens.
    ArmRecv(io);
    return;
  }
  Lost(io, now, res == 0 ? "closed by peer" : strerror(-res));
}

void OutboundDestination::Pump(const IoContext& io) {
  if (state_ != State::kConnected || send_in_flight_ || queue_.empty()) {
    return;
  }
  iov_.clear();
  size_t total = 0;
  for (Batch* batch = queue_.front();
       batch != nullptr && iov_.size() < kMaxIov && total < kMaxSendBytes; batch = batch->next) {
    const size_t start = batch == queue_.front() ? offset_ : 0;
    iov_.push_back(iovec{batch->bytes.data() + start, batch->bytes.size() - start});
    total += batch->bytes.size() - start;
  }
  io_uring_sqe* sqe = io.ring->GetSqe();
  if (spec_.is_file()) {
    // Offset -1: the file's current position (O_APPEND, or a pipe or terminal).
    io_uring_prep_writev(sqe, fd_, iov_.data(), static_cast<unsigned>(iov_.size()),
                         static_cast<uint64_t>(-1));
  } else {
    msg_ = msghdr{};
    msg_.msg_iov = iov_.data();
    msg_.msg_iovlen = iov_.size();
    io_uring_prep_sendmsg(sqe, fd_, &msg_, MSG_NOSIGNAL);
  }
  sqe->user_data = UserData(static_cast<uint8_t>(Op::kSend));
  send_in_flight_ = true;
}

void OutboundDestination::OnSend(const IoContext& io, uint32_t generation, int res,
                                 absl::Time now) {
  send_in_flight_ = false;
  if (generation != generation_) {
    // The write of a connection that is gone. Its batches stayed queued; now that the kernel
    // no longer reads them they may be freed or sent again.
    if (state_ == State::kClosed) {
      ReleaseQueue(io);
    } else {
      Pump(io);
    }
    return;
  }
  if (res <= 0) {
    Lost(io, now, res == 0 ? "wrote nothing" : strerror(-res));
    return;
  }
  size_t left = static_cast<size_t>(res);
  stats_.bytes_sent.Add(left);
  while (left > 0 && !queue_.empty()) {
    Batch* batch = queue_.front();
    const size_t remaining = batch->bytes.size() - offset_;
    if (left < remaining) {
      offset_ += left;
      break;
    }
    left -= remaining;
    offset_ = 0;
    queue_.PopFront();
    stats_.sent.Add(batch->datapoints);
    stats_.batches_sent.Add();
    shared_.queued.fetch_sub(batch->datapoints, std::memory_order_relaxed);
    io.pool->Put(batch);
  }
  Pump(io);
}

void OutboundDestination::RewindToMessageBoundary() {
  if (queue_.empty() || offset_ == 0) {
    return;
  }
  if (spec_.protocol == core::WireProtocol::kPickle) {
    // A batch is one frame; the receiver dropped the part it got with the connection.
    offset_ = 0;
    return;
  }
  const Batch* batch = queue_.front();
  const char* begin = batch->bytes.data();
  const void* newline = memrchr(begin, '\n', offset_);
  offset_ = newline == nullptr ? 0 : static_cast<const char*>(newline) - begin + 1;
}

bool OutboundDestination::ShouldLogFailure(absl::Time now) {
  ++failures_since_log_;
  if (now - last_failure_log_ < kFailureLogInterval) {
    return false;
  }
  last_failure_log_ = now;
  return true;
}

void OutboundDestination::Failed(const IoContext& io, absl::Time now, const std::string& why) {
  (void)io;
  stats_.connect_failures.Add();
  shared_.connected.store(false, std::memory_order_relaxed);
  state_ = State::kBackoff;
  const absl::Duration delay = absl::Seconds(backoff_.NextDelay());
  retry_at_ = now + delay;
  if (ShouldLogFailure(now)) {
    FULLERENE_LOG(WARNING) << "cannot reach destination " << spec_.text << ": " << why << " ("
                           << failures_since_log_ << " failed attempts); "
                           << queue_.datapoints() << " datapoints queued, retrying in "
                           << Seconds(delay);
    failures_since_log_ = 0;
  }
}

void OutboundDestination::Lost(const IoContext& io, absl::Time now, const std::string& why) {
  CloseFd(io);
  RewindToMessageBoundary();
  stats_.disconnects.Add();
  shared_.connected.store(false, std::memory_order_relaxed);
  state_ = State::kBackoff;
  const absl::Duration delay = absl::Seconds(backoff_.NextDelay());
  retry_at_ = now + delay;
  FULLERENE_LOG(WARNING) << "lost connection to destination " << spec_.text << ": " << why
                         << "; " << queue_.datapoints() << " datapoints queued, reconnecting in "
                         << Seconds(delay);
}

void OutboundDestination::CloseFd(const IoContext& io) {
  if (fd_ < 0) {
    return;
  }
  if (spec_.is_file()) {
    io.CloseFile(fd_);
  } else {
    io.CloseSocket(fd_);
  }
  fd_ = -1;
  ++generation_;
}

void OutboundDestination::Tick(const IoContext& io, absl::Time now) {
  if (state_ == State::kBackoff && now >= retry_at_) {
    Connect(io, now);
  }
}

absl::Time OutboundDestination::NextDeadline() const {
  return state_ == State::kBackoff ? retry_at_ : absl::InfiniteFuture();
}

void OutboundDestination::RetryNow(absl::Time now) {
  if (state_ == State::kBackoff) {
    retry_at_ = now;
  }
}

uint64_t OutboundDestination::GiveUp(const IoContext& io) {
  const uint64_t dropped = queue_.datapoints();
  stats_.given_up.Add(dropped);
  CloseFd(io);
  shared_.connected.store(false, std::memory_order_relaxed);
  state_ = State::kClosed;
  if (!send_in_flight_) {
    ReleaseQueue(io);
  }
  return dropped;
}

void OutboundDestination::ReleaseQueue(const IoContext& io) {
  while (Batch* batch = queue_.PopFront()) {
    shared_.queued.fetch_sub(batch->datapoints, std::memory_order_relaxed);
    io.pool->Put(batch);
  }
  offset_ = 0;
}

}  // namespace fullerene::net
