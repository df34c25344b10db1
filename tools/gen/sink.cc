#include "tools/gen/sink.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "codec/pickle/pickle_frame_reader.h"
#include "core/base/check.h"
#include "core/base/log.h"
#include "net/uring/buf_ring.h"
#include "net/uring/ring.h"
#include "tools/gen/json_writer.h"
#include "tools/gen/newline_count.h"
#include "tools/gen/pickle_item_counter.h"
#include "tools/gen/stop_signal.h"

namespace fullerene::gen {
namespace {

// 64 receive buffers of 256 KiB. Big buffers mean few completions, and few pickle frames (a
// relay's 500-item frame is ~35 KB) split across two receives and copied together: measured,
// 256 KiB buffers cost a pickle sink ~25% less CPU than 64 KiB ones (line: the same). 16 MiB
// in all absorb a burst from many fast connections in one loop iteration, and a UDP datagram
// (at most 65,507 bytes over IPv4) always fits in one.
constexpr uint16_t kBufferGroup = 0;
constexpr uint32_t kBufferCount = 64;
constexpr uint32_t kBufferSize = 256 << 10;
constexpr unsigned kRingEntries = 1024;
// carbon's pickle receivers refuse frames over 1 MiB by default; a relay under test may be
// configured higher, and the sink must not be the one that refuses.
constexpr uint32_t kMaxPickleFrame = 64 << 20;
constexpr absl::Duration kProgressInterval = absl::Milliseconds(250);

// user_data: op (8 bits) | generation of the slot (24 bits) | slot (32 bits). A slot is a
// listener (accept) or a connection (recv); the generation tells a late completion of a
// closed connection from one of the connection that reuses its slot.
enum class SinkOp : uint8_t { kAccept = 1, kRecv = 2, kStop = 3 };

uint64_t Pack(SinkOp op, uint32_t generation, uint32_t slot) {
  return (uint64_t{static_cast<uint8_t>(op)} << 56) | (uint64_t{generation & 0xffffff} << 32) |
         slot;
}

class Sink {
 public:
  Sink(const SinkOptions& options, ProgressLine& progress)
      : options_(options), progress_(progress) {}
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  ~Sink() {
    for (const Listener& listener : listeners_) {
      if (listener.fd >= 0) {
        close(listener.fd);
      }
    }
    for (const Connection& c : connections_) {
      if (c.open) {
        close(c.fd);
      }
    }
  }

  absl::Status Init();
  SinkReport Run();

 private:
  struct Listener {
    int fd = -1;
    size_t port = 0;  // index into report_.ports
  };
  struct Connection {
    int fd = -1;
    size_t port = 0;
    Protocol protocol = Protocol::kLine;
    bool open = false;   // the fd is ours to read and close
    bool armed = false;  // a multishot recv may still complete
    uint32_t generation = 0;
    // PickleFrameReader cannot move, and the connections vector grows.
    std::unique_ptr<codec::PickleFrameReader> frames;
  };

  absl::Status Listen(const SinkPortSpec& spec, size_t port);
  void ArmAccept(uint32_t listener);
  void ArmRecv(uint32_t slot);
  uint32_t OpenConnection(int fd, size_t port, Protocol protocol);
  void CloseConnection(Connection& c);
  void MaybeFreeSlot(uint32_t slot);
  void OnAccept(uint32_t listener, int res, uint32_t flags);
  void OnRecv(uint32_t slot, uint32_t generation, int res, uint32_t flags);
  // Counts the datapoints in `bytes` received on connection c.
  void Count(Connection& c, absl::string_view bytes);
  void WriteJson(bool final);
  void ShowProgress(bool force);

  const SinkOptions& options_;
  ProgressLine& progress_;
  net::Ring ring_;
  net::ProvidedBufferRing buffers_;
  StopSignal stop_;
  std::vector<Listener> listeners_;
  std::vector<Connection> connections_;
  std::vector<uint32_t> free_slots_;
  PickleItemCounter pickle_counter_;
  SinkReport report_;
  int64_t now_unix_ns_ = 0;
  absl::Time next_report_;
  absl::Time next_progress_;
  absl::Time progress_prev_;
  uint64_t progress_prev_datapoints_ = 0;
};

absl::Status Sink::Listen(const SinkPortSpec& spec, size_t port) {
  const bool udp = spec.protocol == Protocol::kUdp;
  const int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::ResourceExhaustedError(absl::StrCat("socket: ", strerror(errno)));
  }
  // SO_REUSEADDR only, so a port in TIME_WAIT can be reused at once; never SO_REUSEPORT,
  // which would let us share a port with another process without noticing.
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(spec.port));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      (!udp && listen(fd, SOMAXCONN) != 0)) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen on 127.0.0.1:", spec.port, " (",
                                               ProtocolName(spec.protocol),
                                               "): ", strerror(error)));
  }
  if (udp) {
    // Datagrams that arrive while the socket buffer is full are dropped by the kernel, so ask
    // for a deep one (the kernel caps it at net.core.rmem_max).
    const int bytes = 32 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    // A UDP port has no connections: its socket is read like one that never closes.
    OpenConnection(fd, port, Protocol::kUdp);
  } else {
    listeners_.push_back({fd, port});
  }
  return absl::OkStatus();
}

absl::Status Sink::Init() {
  absl::Status status = ring_.Init(kRingEntries);
  if (!status.ok()) {
    return status;
  }
  status = buffers_.Init(ring_.raw(), kBufferGroup, kBufferCount, kBufferSize);
  if (!status.ok()) {
    return status;
  }
  status = stop_.Init();
  if (!status.ok()) {
    return status;
  }
  report_.started_unix_ns = absl::ToUnixNanos(absl::Now());
  for (const SinkPortSpec& spec : options_.ports) {
    SinkPortTotals totals;
    totals.protocol = spec.protocol;
    totals.port = spec.port;
    report_.ports.push_back(totals);
  }
  for (size_t i = 0; i < options_.ports.size(); ++i) {
    status = Listen(options_.ports[i], i);
    if (!status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

void Sink::ArmAccept(uint32_t listener) {
  io_uring_sqe* sqe = ring_.GetSqe();
  io_uring_prep_multishot_accept(sqe, listeners_[listener].fd, nullptr, nullptr, SOCK_CLOEXEC);
  sqe->user_data = Pack(SinkOp::kAccept, 0, listener);
}

void Sink::ArmRecv(uint32_t slot) {
  Connection& c = connections_[slot];
  io_uring_sqe* sqe = ring_.GetSqe();
  io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  sqe->user_data = Pack(SinkOp::kRecv, c.generation, slot);
  c.armed = true;
}

uint32_t Sink::OpenConnection(int fd, size_t port, Protocol protocol) {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(connections_.size());
    connections_.emplace_back();
  }
  Connection& c = connections_[slot];
  c.fd = fd;
  c.port = port;
  c.protocol = protocol;
  c.open = true;
  ++c.generation;
  if (protocol == Protocol::kPickle) {
    if (c.frames != nullptr) {
      c.frames->Reset();
    } else {
      c.frames = std::make_unique<codec::PickleFrameReader>(kMaxPickleFrame);
    }
  }
  if (protocol != Protocol::kUdp) {
    ++report_.ports[port].open_connections;
  }
  ArmRecv(slot);
  return slot;
}

void Sink::CloseConnection(Connection& c) {
  if (!c.open) {
    return;
  }
  // shutdown() ends a multishot recv that is still armed with a final completion; the fd is
  // closed when that has arrived (MaybeFreeSlot), so it is never reused under a live request.
  shutdown(c.fd, SHUT_RDWR);
  c.open = false;
  if (c.protocol != Protocol::kUdp) {
    --report_.ports[c.port].open_connections;
  }
}

void Sink::MaybeFreeSlot(uint32_t slot) {
  Connection& c = connections_[slot];
  if (!c.open && !c.armed && c.fd >= 0) {
    close(c.fd);
    c.fd = -1;
    free_slots_.push_back(slot);
  }
}

void Sink::OnAccept(uint32_t listener, int res, uint32_t flags) {
  if (res >= 0) {
    const size_t port = listeners_[listener].port;
    ++report_.ports[port].connections;
    OpenConnection(res, port, options_.ports[port].protocol);
  } else if (res != -ECANCELED) {
    ++report_.ports[listeners_[listener].port].errors;
    FULLERENE_LOG(WARNING) << "accept on port " << report_.ports[listeners_[listener].port].port
                           << " failed: " << strerror(-res);
  }
  if ((flags & IORING_CQE_F_MORE) == 0) {
    ArmAccept(listener);
  }
}

void Sink::Count(Connection& c, absl::string_view bytes) {
  SinkPortTotals& totals = report_.ports[c.port];
  totals.bytes += bytes.size();
  uint64_t datapoints = 0;
  switch (c.protocol) {
    case Protocol::kLine:
      datapoints = CountNewlines(bytes);
      break;
    case Protocol::kUdp:
      // A datagram's last line needs no '\n' (carbon splits datagrams with splitlines()).
      datapoints = CountNewlines(bytes) + (bytes.back() != '\n' ? 1 : 0);
      break;
    case Protocol::kPickle: {
      struct FrameTally {
        PickleItemCounter* counter;
        SinkPortTotals* totals;
        uint64_t* datapoints;
        void OnFrame(absl::string_view payload) {
          const PickleCount count = counter->Count(payload);
          ++totals->frames;
          *datapoints += count.datapoints;
          totals->bad_items += count.bad_items;
          totals->bad_frames += count.frame_ok ? 0 : 1;
        }
      } tally{&pickle_counter_, &totals, &datapoints};
      if (!c.frames->Feed(bytes, tally)) {
        ++totals.errors;
        FULLERENE_LOG(WARNING) << "pickle frame of " << c.frames->declared_length()
                               << " bytes on port " << totals.port << " is over the "
                               << kMaxPickleFrame << "-byte limit; closing the connection";
        CloseConnection(c);
      }
      break;
    }
  }
  if (datapoints > 0) {
    totals.datapoints += datapoints;
    if (totals.first_datapoint_unix_ns == 0) {
      totals.first_datapoint_unix_ns = now_unix_ns_;
    }
    totals.last_datapoint_unix_ns = now_unix_ns_;
  }
}

void Sink::OnRecv(uint32_t slot, uint32_t generation, int res, uint32_t flags) {
  Connection& c = connections_[slot];
  const bool has_buffer = (flags & IORING_CQE_F_BUFFER) != 0;
  const auto bid = static_cast<uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
  if ((generation & 0xffffff) != (c.generation & 0xffffff)) {
    // A slot is reused only after its recv's final completion, so this cannot happen.
    FULLERENE_BUG("recv completion for stale sink slot " << slot);
    if (has_buffer) {
      buffers_.Recycle(bid);
    }
    return;
  }
  if ((flags & IORING_CQE_F_MORE) == 0) {
    c.armed = false;
  }
  if (res > 0 || (res == 0 && c.protocol == Protocol::kUdp)) {
    // (An empty datagram is a datagram, not the end of a stream.)
    if (c.open && res > 0) {
      Count(c, absl::string_view(buffers_.Data(bid), static_cast<size_t>(res)));
    }
    if (has_buffer) {
      buffers_.Recycle(bid);
    }
    if (!c.armed && c.open) {
      ArmRecv(slot);
    }
  } else if (res == -ENOBUFS) {
    // Every buffer was in use: they are handed back before the next submit, so re-arming now
    // is enough (flow control, not failure).
    if (c.open) {
      ArmRecv(slot);
    }
  } else {
    if (has_buffer) {
      buffers_.Recycle(bid);
    }
    if (res < 0 && res != -ECANCELED && c.open) {
      ++report_.ports[c.port].errors;
    }
    CloseConnection(c);
  }
  MaybeFreeSlot(slot);
}

void Sink::WriteJson(bool final) {
  report_.written_unix_ns = now_unix_ns_;
  report_.final = final;
  if (options_.json_out.empty()) {
    return;
  }
  const std::string tmp = absl::StrCat(options_.json_out, ".tmp");
  const std::string json = absl::StrCat(report_.ToJson(), "\n");
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    FULLERENE_LOG(ERROR) << "cannot write " << tmp << ": " << strerror(errno);
    return;
  }
  const bool written = std::fwrite(json.data(), 1, json.size(), f) == json.size();
  if (std::fclose(f) != 0 || !written || std::rename(tmp.c_str(), options_.json_out.c_str()) != 0) {
    FULLERENE_LOG(ERROR) << "cannot write " << options_.json_out << ": " << strerror(errno);
  }
}

void Sink::ShowProgress(bool force) {
  const absl::Time now = absl::FromUnixNanos(now_unix_ns_);
  if (!progress_.enabled() || (!force && now < next_progress_)) {
    return;
  }
  uint64_t datapoints = 0;
  uint64_t open = 0;
  uint64_t errors = 0;
  for (const SinkPortTotals& totals : report_.ports) {
    datapoints += totals.datapoints;
    open += totals.open_connections;
    errors += totals.errors + totals.bad_frames + totals.bad_items;
  }
  const double interval = absl::ToDoubleSeconds(now - progress_prev_);
  const double rate =
      interval > 0 ? static_cast<double>(datapoints - progress_prev_datapoints_) / interval : 0;
  progress_.Show(absl::StrFormat("received %s dp  %s dp/s  connections %d  errors %d",
                                 HumanCount(static_cast<double>(datapoints)), HumanCount(rate),
                                 open, errors));
  progress_prev_ = now;
  progress_prev_datapoints_ = datapoints;
  next_progress_ = now + kProgressInterval;
}

SinkReport Sink::Run() {
  constexpr uint64_t kStopUserData = uint64_t{static_cast<uint8_t>(SinkOp::kStop)} << 56;
  stop_.Arm(ring_, kStopUserData);
  for (uint32_t i = 0; i < listeners_.size(); ++i) {
    ArmAccept(i);
  }
  absl::Time now = absl::Now();
  now_unix_ns_ = absl::ToUnixNanos(now);
  next_report_ = now + options_.report_interval;
  next_progress_ = now;
  progress_prev_ = now;
  WriteJson(false);
  bool stop = false;
  while (!stop) {
    buffers_.Publish();
    absl::Time wake = next_report_;
    if (progress_.enabled()) {
      wake = std::min(wake, next_progress_);
    }
    const int rc = ring_.SubmitAndWait(std::max(absl::ZeroDuration(), wake - now));
    FULLERENE_CHECK(rc >= 0) << "io_uring_enter: " << strerror(-rc);
    now = absl::Now();
    now_unix_ns_ = absl::ToUnixNanos(now);
    unsigned head;
    unsigned seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring_.raw(), head, cqe) {
      const uint64_t data = cqe->user_data;
      const auto slot = static_cast<uint32_t>(data);
      const auto generation = static_cast<uint32_t>(data >> 32) & 0xffffff;
      switch (static_cast<SinkOp>(data >> 56)) {
        case SinkOp::kAccept:
          OnAccept(slot, cqe->res, cqe->flags);
          break;
        case SinkOp::kRecv:
          OnRecv(slot, generation, cqe->res, cqe->flags);
          break;
        case SinkOp::kStop:
          stop = true;
          report_.stopped_by = stop_.signal_name();
          break;
      }
      ++seen;
    }
    io_uring_cq_advance(ring_.raw(), seen);
    if (now >= next_report_) {
      WriteJson(false);
      next_report_ = now + options_.report_interval;
    }
    ShowProgress(false);
  }
  WriteJson(true);
  ShowProgress(true);
  progress_.Finish();
  return report_;
}

}  // namespace

uint64_t SinkReport::datapoints() const {
  uint64_t total = 0;
  for (const SinkPortTotals& totals : ports) {
    total += totals.datapoints;
  }
  return total;
}

std::string SinkReport::ToJson() const {
  JsonWriter json;
  json.BeginObject();
  json.Key("mode").String("sink");
  json.Key("datapoints").Uint(datapoints());
  json.Key("started_unix_ns").Int(started_unix_ns);
  json.Key("written_unix_ns").Int(written_unix_ns);
  json.Key("final").Bool(final);
  json.Key("ports").BeginArray();
  for (const SinkPortTotals& totals : ports) {
    json.BeginObject();
    json.Key("protocol").String(ProtocolName(totals.protocol));
    json.Key("port").Int(totals.port);
    json.Key("datapoints").Uint(totals.datapoints);
    json.Key("bytes").Uint(totals.bytes);
    json.Key("connections").Uint(totals.connections);
    json.Key("open_connections").Uint(totals.open_connections);
    if (totals.protocol == Protocol::kPickle) {
      json.Key("frames").Uint(totals.frames);
      json.Key("bad_frames").Uint(totals.bad_frames);
      json.Key("bad_items").Uint(totals.bad_items);
    }
    json.Key("errors").Uint(totals.errors);
    json.Key("first_datapoint_unix_ns").Int(totals.first_datapoint_unix_ns);
    json.Key("last_datapoint_unix_ns").Int(totals.last_datapoint_unix_ns);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return json.str();
}

std::string SinkReport::ToText() const {
  std::string text = absl::StrFormat("received %d datapoints in all", datapoints());
  for (const SinkPortTotals& totals : ports) {
    absl::StrAppendFormat(&text, "\n  %s:%d  %d datapoints, %d bytes, %d connections",
                          ProtocolName(totals.protocol), totals.port, totals.datapoints,
                          totals.bytes, totals.connections);
    if (totals.protocol == Protocol::kPickle) {
      absl::StrAppendFormat(&text, ", %d frames (%d bad), %d bad items", totals.frames,
                            totals.bad_frames, totals.bad_items);
    }
    if (totals.errors > 0) {
      absl::StrAppendFormat(&text, ", %d errors", totals.errors);
    }
  }
  if (stopped_by != nullptr) {
    absl::StrAppend(&text, "\n  (stopped by ", stopped_by, ")");
  }
  return text;
}

absl::StatusOr<SinkReport> RunSink(const SinkOptions& options, ProgressLine& progress) {
  Sink sink(options, progress);
  absl::Status status = sink.Init();
  if (!status.ok()) {
    return status;
  }
  return sink.Run();
}

}  // namespace fullerene::gen
