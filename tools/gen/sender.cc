#include "tools/gen/sender.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/base/log.h"
#include "net/socket_util.h"
#include "net/uring/ring.h"
#include "tools/gen/encoded_stream.h"
#include "tools/gen/json_writer.h"
#include "tools/gen/stop_signal.h"
#include "tools/gen/token_bucket.h"

namespace fullerene::gen {
namespace {

// Bytes per TCP write: large enough that one completion moves thousands of datapoints, so the
// per-request cost vanishes. Measured on loopback: 64 KiB, 256 KiB and 1 MiB writes cost the
// same CPU per datapoint (generator and sink together) within the noise.
constexpr size_t kMaxWriteBytes = 256 << 10;
// Datagrams in flight per UDP socket: a window that keeps the socket busy without letting one
// socket monopolise the submission queue.
constexpr int kUdpWindow = 64;
// The pre-encoded stream holds at least this many datapoints (about 4.5 MB of lines), and at
// least one of every name: big enough that connections starting at different places send
// different names, small enough to stay mostly in the last-level cache.
constexpr uint64_t kMinStreamDatapoints = 100'000;
// A paced connection's bucket holds 10 ms of its traffic, and it writes once half of that has
// accrued: steady at the scale of milliseconds, with about 200 wake-ups per second per
// connection rather than one per datapoint.
constexpr double kBurstSeconds = 0.010;
constexpr unsigned kRingEntries = 1024;
constexpr absl::Duration kProgressInterval = absl::Milliseconds(250);

// user_data: the op in the top byte; for a send, the slot below it and, for UDP, the
// datagram's datapoint count in bits 32..47 (a datagram of 1400 bytes holds far fewer than
// 65536 lines), because several datagrams of one socket are in flight at once.
enum class SendOp : uint8_t { kSend = 1, kStop = 2 };

uint64_t PackSend(uint32_t slot, uint64_t datapoints) {
  return (uint64_t{static_cast<uint8_t>(SendOp::kSend)} << 56) | (datapoints << 32) | slot;
}
constexpr uint64_t kStopUserData = uint64_t{static_cast<uint8_t>(SendOp::kStop)} << 56;

int64_t MonotonicNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t UnixNanos() { return absl::ToUnixNanos(absl::Now()); }

class Sender {
 public:
  Sender(const SendOptions& options, ProgressLine& progress)
      : options_(options),
        progress_(progress),
        workload_(options.workload),
        tcp_(options.protocol != Protocol::kUdp) {}
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  ~Sender() {
    for (const Connection& c : connections_) {
      if (c.fd >= 0) {
        close(c.fd);
      }
    }
  }

  absl::Status Init();
  SendReport Run();

 private:
  static constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

  struct Connection {
    int fd = -1;
    size_t unit = 0;    // the next unit of stream_ to write
    uint64_t left = 0;  // datapoints not yet submitted; kUnlimited in duration mode
    // The remainder of a count that does not end on a unit boundary, written last.
    std::optional<EncodedStream> tail;
    int in_flight = 0;  // TCP: 0 or 1 write; UDP: datagrams
    // TCP: what the write in flight still has to move (a short send is continued).
    const char* pending = nullptr;
    size_t pending_size = 0;
    uint64_t pending_datapoints = 0;
    std::optional<TokenBucket> bucket;
    bool waiting = false;  // has an entry in wakeups_
    bool done = false;
  };

  absl::Status Connect(Connection& c, const net::SocketAddress& address);
  // Builds connection c's share of a count: where it starts and, if needed, its tail.
  void PlanCount(Connection& c, size_t index, uint64_t share);
  // Submits as much as connection `slot` may write now.
  void Pump(uint32_t slot, int64_t now_ns);
  void PumpTcp(uint32_t slot, int64_t now_ns);
  void PumpUdp(uint32_t slot, int64_t now_ns);
  // How many datapoints the bucket lets through now; 0 after scheduling a wake-up for when
  // `need` will have accrued.
  uint64_t Allowance(uint32_t slot, uint64_t need, int64_t now_ns);
  void SubmitSend(uint32_t slot, const char* data, size_t size, uint64_t datapoints);
  void OnSend(uint32_t slot, uint64_t datapoints, int res, int64_t now_ns);
  void Finish(Connection& c);
  void BeginStop(const char* why);
  void ShowProgress(int64_t now_ns, bool force);
  // Datapoints in the unit at c.unit.
  uint64_t UnitDatapoints(const Connection& c) const {
    return stream_->DatapointsBefore(c.unit + 1) - stream_->DatapointsBefore(c.unit);
  }

  const SendOptions& options_;
  ProgressLine& progress_;
  Workload workload_;
  const bool tcp_;
  std::optional<EncodedStream> stream_;
  std::vector<Connection> connections_;
  net::Ring ring_;
  StopSignal stop_;
  size_t active_ = 0;        // connections not done
  bool stopping_ = false;    // no new writes (deadline or signal)
  int64_t deadline_ns_ = 0;  // duration mode: when to stop; 0 otherwise
  // Paced connections waiting for tokens, earliest wake-up first.
  std::priority_queue<std::pair<int64_t, uint32_t>, std::vector<std::pair<int64_t, uint32_t>>,
                      std::greater<>>
      wakeups_;

  SendReport report_;
  int64_t start_ns_ = 0;
  int64_t last_done_ns_ = 0;
  int64_t next_progress_ns_ = 0;
  int64_t progress_prev_ns_ = 0;
  uint64_t progress_prev_datapoints_ = 0;
  bool error_logged_ = false;
};

absl::Status Sender::Connect(Connection& c, const net::SocketAddress& address) {
  c.fd = socket(address.family(), (tcp_ ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    return absl::ResourceExhaustedError(absl::StrCat("socket: ", strerror(errno)));
  }
  if (connect(c.fd, address.get(), address.length) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", address.ToString(), ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

void Sender::PlanCount(Connection& c, size_t index, uint64_t share) {
  const EncodedStream& stream = *stream_;
  const uint64_t total = stream.datapoints();
  c.unit = index * stream.units() / connections_.size();
  c.left = share;
  // Where the cursor stands once `share` datapoints minus less than one unit are written:
  // whole laps of the stream do not move it.
  const uint64_t start = stream.DatapointsBefore(c.unit);
  const uint64_t stop = (start + share) % total;
  const size_t last_unit = stream.FitUnits(0, std::numeric_limits<size_t>::max(), stop);
  const uint64_t remainder = stop - stream.DatapointsBefore(last_unit);
  if (remainder > 0) {
    // The tail continues the sequence exactly where the cursor will be.
    c.tail = EncodedStream::Build(workload_, stream.DatapointsBefore(last_unit), remainder,
                                  {options_.protocol, options_.batch});
  }
}

absl::Status Sender::Init() {
  absl::StatusOr<std::vector<net::SocketAddress>> addresses =
      net::ResolveAddress(options_.host, options_.port);
  if (!addresses.ok()) {
    return addresses.status();
  }
  const net::SocketAddress& address = addresses->front();
  report_.target = address.ToString();
  report_.protocol = options_.protocol;
  report_.connections = options_.connections;
  report_.requested = options_.count;

  uint64_t datapoints = std::max(options_.workload.names, kMinStreamDatapoints);
  if (options_.protocol == Protocol::kPickle) {
    // Whole frames only, so that every lap of the stream is the same frames.
    datapoints = (datapoints + options_.batch - 1) / options_.batch * options_.batch;
  }
  stream_ = EncodedStream::Build(workload_, 0, datapoints, {options_.protocol, options_.batch});

  absl::Status status = ring_.Init(kRingEntries);
  if (!status.ok()) {
    return status;
  }
  status = stop_.Init();
  if (!status.ok()) {
    return status;
  }
  // A paced connection's bucket must hold the biggest unit (a pickle frame, a datagram), or
  // it would never let that one through.
  uint64_t biggest = 1;
  for (size_t u = 0; u < stream_->units(); ++u) {
    biggest = std::max(biggest, stream_->DatapointsBefore(u + 1) - stream_->DatapointsBefore(u));
  }
  connections_.resize(static_cast<size_t>(options_.connections));
  const int64_t now = MonotonicNanos();
  for (size_t i = 0; i < connections_.size(); ++i) {
    Connection& c = connections_[i];
    status = Connect(c, address);
    if (!status.ok()) {
      return status;
    }
    if (options_.count > 0) {
      const uint64_t share =
          options_.count / connections_.size() + (i < options_.count % connections_.size() ? 1 : 0);
      PlanCount(c, i, share);
    } else {
      c.unit = i * stream_->units() / connections_.size();
      c.left = kUnlimited;
    }
    if (options_.rate > 0) {
      const double rate = options_.rate / static_cast<double>(connections_.size());
      c.bucket.emplace(rate, std::max(static_cast<double>(biggest), rate * kBurstSeconds), now);
    }
  }
  return absl::OkStatus();
}

uint64_t Sender::Allowance(uint32_t slot, uint64_t need, int64_t now_ns) {
  Connection& c = connections_[slot];
  if (!c.bucket.has_value()) {
    return kUnlimited;
  }
  TokenBucket& bucket = *c.bucket;
  bucket.Refill(now_ns);
  if (bucket.tokens() >= static_cast<double>(need)) {
    return static_cast<uint64_t>(bucket.tokens());
  }
  if (!c.waiting) {
    // Wake when half a bucket (at least `need`, at most what is left to send) has accrued, so
    // a paced connection writes in batches of ~5 ms rather than a datapoint at a time.
    const double batch = std::min(static_cast<double>(c.left),
                                  std::max(static_cast<double>(need), bucket.burst() / 2));
    wakeups_.emplace(now_ns + bucket.NanosUntil(batch), slot);
    c.waiting = true;
  }
  return 0;
}

void Sender::SubmitSend(uint32_t slot, const char* data, size_t size, uint64_t datapoints) {
  Connection& c = connections_[slot];
  io_uring_sqe* sqe = ring_.GetSqe();
  // MSG_WAITALL: io_uring retries a short TCP send itself, so a write normally completes
  // once, whole; OnSend still continues a short one (a signal, a shutdown).
  io_uring_prep_send(sqe, c.fd, data, size, tcp_ ? MSG_WAITALL : 0);
  sqe->user_data = PackSend(slot, tcp_ ? 0 : datapoints);
  ++c.in_flight;
  if (start_ns_ == 0) {
    start_ns_ = MonotonicNanos();
    report_.first_send_unix_ns = UnixNanos();
  }
}

void Sender::Pump(uint32_t slot, int64_t now_ns) {
  Connection& c = connections_[slot];
  if (c.done) {
    return;
  }
  if (stopping_ || c.left == 0) {
    if (c.in_flight == 0) {
      Finish(c);
    }
    return;
  }
  if (tcp_) {
    PumpTcp(slot, now_ns);
  } else {
    PumpUdp(slot, now_ns);
  }
}

void Sender::PumpTcp(uint32_t slot, int64_t now_ns) {
  Connection& c = connections_[slot];
  if (c.in_flight > 0) {
    return;
  }
  if (c.left < UnitDatapoints(c)) {
    // Only the tail is left (PlanCount put it exactly here).
    if (Allowance(slot, c.left, now_ns) == 0) {
      return;
    }
    const absl::string_view bytes = c.tail->bytes();
    if (c.bucket.has_value()) {
      c.bucket->Take(static_cast<double>(c.left));
    }
    c.pending = bytes.data();
    c.pending_size = bytes.size();
    c.pending_datapoints = c.left;
    c.left = 0;
    SubmitSend(slot, c.pending, c.pending_size, c.pending_datapoints);
    return;
  }
  const uint64_t allowed = Allowance(slot, UnitDatapoints(c), now_ns);
  if (allowed == 0) {
    return;
  }
  size_t end = stream_->FitUnits(c.unit, kMaxWriteBytes, std::min(allowed, c.left));
  if (end == c.unit) {
    end = c.unit + 1;  // one unit bigger than kMaxWriteBytes: it goes alone
  }
  const absl::string_view bytes = stream_->Units(c.unit, end);
  const uint64_t datapoints = stream_->DatapointsBefore(end) - stream_->DatapointsBefore(c.unit);
  if (c.bucket.has_value()) {
    c.bucket->Take(static_cast<double>(datapoints));
  }
  if (c.left != kUnlimited) {
    c.left -= datapoints;
  }
  c.unit = end == stream_->units() ? 0 : end;
  c.pending = bytes.data();
  c.pending_size = bytes.size();
  c.pending_datapoints = datapoints;
  SubmitSend(slot, c.pending, c.pending_size, datapoints);
}

void Sender::PumpUdp(uint32_t slot, int64_t now_ns) {
  Connection& c = connections_[slot];
  while (c.in_flight < kUdpWindow && c.left > 0) {
    if (c.left < UnitDatapoints(c)) {
      if (Allowance(slot, c.left, now_ns) == 0) {
        return;
      }
      if (c.bucket.has_value()) {
        c.bucket->Take(static_cast<double>(c.left));
      }
      const absl::string_view bytes = c.tail->bytes();
      SubmitSend(slot, bytes.data(), bytes.size(), c.left);
      c.left = 0;
      return;
    }
    const uint64_t datapoints = UnitDatapoints(c);
    if (Allowance(slot, datapoints, now_ns) == 0) {
      return;
    }
    if (c.bucket.has_value()) {
      c.bucket->Take(static_cast<double>(datapoints));
    }
    const absl::string_view bytes = stream_->Units(c.unit, c.unit + 1);
    SubmitSend(slot, bytes.data(), bytes.size(), datapoints);
    if (c.left != kUnlimited) {
      c.left -= datapoints;
    }
    c.unit = c.unit + 1 == stream_->units() ? 0 : c.unit + 1;
  }
}

void Sender::OnSend(uint32_t slot, uint64_t datapoints, int res, int64_t now_ns) {
  Connection& c = connections_[slot];
  --c.in_flight;
  if (res > 0) {
    report_.bytes += static_cast<uint64_t>(res);
  }
  if (tcp_) {
    if (res > 0 && static_cast<size_t>(res) < c.pending_size) {
      // A short send (interrupted MSG_WAITALL): continue with the rest of the same write.
      c.pending += res;
      c.pending_size -= static_cast<size_t>(res);
      SubmitSend(slot, c.pending, c.pending_size, 0);
      return;
    }
    if (res <= 0) {
      report_.errors += report_.stopped_by == nullptr ? 1 : 0;
      if (!error_logged_ && report_.stopped_by == nullptr) {
        FULLERENE_LOG(WARNING) << "write to " << report_.target
                               << " failed: " << (res == 0 ? "no progress" : strerror(-res))
                               << "; closing that connection";
        error_logged_ = true;
      }
      c.left = 0;
      Finish(c);
      return;
    }
    report_.datapoints += c.pending_datapoints;
    ++report_.writes;
    c.pending = nullptr;
    c.pending_size = 0;
  } else if (res >= 0) {
    report_.datapoints += datapoints;
    ++report_.writes;
  } else {
    // A connected UDP socket reports an earlier datagram's ICMP "port unreachable" on a
    // later send: count it and go on, as a UDP client would.
    ++report_.errors;
    if (!error_logged_) {
      FULLERENE_LOG(WARNING) << "datagram to " << report_.target << " failed: " << strerror(-res);
      error_logged_ = true;
    }
  }
  last_done_ns_ = now_ns;
  Pump(slot, now_ns);
}

void Sender::Finish(Connection& c) {
  if (c.done) {
    return;
  }
  c.done = true;
  --active_;
  // Everything written is in the kernel's send buffer, and close() still delivers it.
  close(c.fd);
  c.fd = -1;
}

void Sender::BeginStop(const char* why) {
  stopping_ = true;
  report_.stopped_by = why;
  for (uint32_t slot = 0; slot < connections_.size(); ++slot) {
    Connection& c = connections_[slot];
    if (why != nullptr && c.in_flight > 0) {
      // Interrupted: a relay that stopped reading would keep these writes pending forever.
      // Shutting the socket down completes them at once (with EPIPE, not counted as errors).
      shutdown(c.fd, SHUT_RDWR);
    }
    Pump(slot, MonotonicNanos());
  }
}

void Sender::ShowProgress(int64_t now_ns, bool force) {
  if (!progress_.enabled() || (!force && now_ns < next_progress_ns_)) {
    return;
  }
  const double interval = static_cast<double>(now_ns - progress_prev_ns_) / 1e9;
  const double rate =
      interval > 0 ? static_cast<double>(report_.datapoints - progress_prev_datapoints_) / interval
                   : 0;
  const double elapsed = start_ns_ == 0 ? 0 : static_cast<double>(now_ns - start_ns_) / 1e9;
  progress_.Show(absl::StrFormat("sent %s dp  %s dp/s  %s  errors %d  %.1fs",
                                 HumanCount(static_cast<double>(report_.datapoints)),
                                 HumanCount(rate), report_.target, report_.errors, elapsed));
  progress_prev_ns_ = now_ns;
  progress_prev_datapoints_ = report_.datapoints;
  next_progress_ns_ = now_ns + absl::ToInt64Nanoseconds(kProgressInterval);
}

SendReport Sender::Run() {
  stop_.Arm(ring_, kStopUserData);
  int64_t now = MonotonicNanos();
  progress_prev_ns_ = now;
  if (options_.count == 0) {
    deadline_ns_ = now + absl::ToInt64Nanoseconds(options_.duration);
  }
  active_ = connections_.size();
  for (uint32_t slot = 0; slot < connections_.size(); ++slot) {
    Pump(slot, now);
  }
  while (active_ > 0) {
    now = MonotonicNanos();
    if (!stopping_ && deadline_ns_ != 0 && now >= deadline_ns_) {
      BeginStop(nullptr);
      continue;
    }
    while (!wakeups_.empty() && wakeups_.top().first <= now) {
      const uint32_t slot = wakeups_.top().second;
      wakeups_.pop();
      connections_[slot].waiting = false;
      Pump(slot, now);
    }
    ShowProgress(now, false);
    int64_t wake = std::numeric_limits<int64_t>::max();
    if (!wakeups_.empty()) {
      wake = wakeups_.top().first;
    }
    if (deadline_ns_ != 0 && !stopping_) {
      wake = std::min(wake, deadline_ns_);
    }
    if (progress_.enabled()) {
      wake = std::min(wake, next_progress_ns_);
    }
    const absl::Duration timeout = wake == std::numeric_limits<int64_t>::max()
                                       ? absl::InfiniteDuration()
                                       : absl::Nanoseconds(std::max<int64_t>(0, wake - now));
    const int rc = ring_.SubmitAndWait(timeout);
    if (rc < 0) {
      FULLERENE_LOG(ERROR) << "io_uring_enter: " << strerror(-rc);
      break;
    }
    now = MonotonicNanos();
    unsigned head;
    unsigned seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring_.raw(), head, cqe) {
      const uint64_t data = cqe->user_data;
      if (static_cast<SendOp>(data >> 56) == SendOp::kStop) {
        if (!stopping_) {
          BeginStop(stop_.signal_name());
        }
      } else {
        OnSend(static_cast<uint32_t>(data), (data >> 32) & 0xffff, cqe->res, now);
      }
      ++seen;
    }
    io_uring_cq_advance(ring_.raw(), seen);
  }
  if (start_ns_ != 0) {
    const int64_t end = std::max(last_done_ns_, start_ns_);
    report_.elapsed_s = static_cast<double>(end - start_ns_) / 1e9;
    report_.last_send_unix_ns = report_.first_send_unix_ns + static_cast<int64_t>(end - start_ns_);
  }
  ShowProgress(MonotonicNanos(), true);
  progress_.Finish();
  return report_;
}

}  // namespace

std::string SendReport::ToJson() const {
  JsonWriter json;
  json.BeginObject();
  json.Key("mode").String("send");
  json.Key("target").String(target);
  json.Key("protocol").String(ProtocolName(protocol));
  json.Key("connections").Int(connections);
  json.Key("requested").Uint(requested);
  json.Key("datapoints").Uint(datapoints);
  json.Key("bytes").Uint(bytes);
  json.Key("writes").Uint(writes);
  json.Key("errors").Uint(errors);
  json.Key("elapsed_s").Double(elapsed_s);
  json.Key("datapoints_per_s")
      .Double(elapsed_s > 0 ? static_cast<double>(datapoints) / elapsed_s : 0);
  json.Key("first_send_unix_ns").Int(first_send_unix_ns);
  json.Key("last_send_unix_ns").Int(last_send_unix_ns);
  json.Key("complete").Bool(complete());
  if (stopped_by != nullptr) {
    json.Key("stopped_by").String(stopped_by);
  }
  json.EndObject();
  return json.str();
}

std::string SendReport::ToText() const {
  const double rate = elapsed_s > 0 ? static_cast<double>(datapoints) / elapsed_s : 0;
  std::string text = absl::StrFormat(
      "sent %d datapoints (%s) over %s to %s with %d connection%s in %.3f s: %s dp/s, %.1f "
      "MB/s, %d errors",
      datapoints, HumanCount(static_cast<double>(datapoints)), ProtocolName(protocol), target,
      connections, connections == 1 ? "" : "s", elapsed_s, HumanCount(rate),
      elapsed_s > 0 ? static_cast<double>(bytes) / elapsed_s / 1e6 : 0.0, errors);
  if (requested > 0 && datapoints != requested) {
    absl::StrAppend(&text, "; ", requested - datapoints, " of the ", requested,
                    " requested were not sent");
  }
  if (stopped_by != nullptr) {
    absl::StrAppend(&text, " (stopped by ", stopped_by, ")");
  }
  return text;
}

absl::StatusOr<SendReport> RunSender(const SendOptions& options, ProgressLine& progress) {
  Sender sender(options, progress);
  absl::Status status = sender.Init();
  if (!status.ok()) {
    return status;
  }
  return sender.Run();
}

}  // namespace fullerene::gen
