// File: sender.h
//
// The send mode of fullerene-gen: N connections to one relay port, fed from one pre-encoded
// EncodedStream by one thread through one io_uring ring.
//
//   SendOptions options;
//   options.port = 2003;
//   options.connections = 8;
//   options.count = 10'000'000;
//   absl::StatusOr<SendReport> report = RunSender(options, progress);
//
// How it stays cheap: the datapoints are encoded once, before the clock starts; after that a
// write is a pointer and a length into that buffer (up to kMaxWriteBytes of whole lines or
// frames, so a count is met exactly), and each TCP connection keeps one such write in flight,
// so the ring does all the waiting and the thread does next to nothing per datapoint. UDP
// sends one datagram per request, a window of them in flight per socket.
//
// Pacing (--rate): each connection gets rate / connections datapoints per second from its own
// TokenBucket holding 10 ms of traffic, and writes when half of that has accrued, so the
// stream is steady at the scale of milliseconds. Without --rate it sends flat out: as fast as
// the relay reads.
//
// Single-threaded: RunSender() runs the whole send on the calling thread and returns when
// every datapoint was written (count mode), the duration is over, or SIGINT/SIGTERM arrived.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/gen/progress_line.h"
#include "tools/gen/protocol.h"
#include "tools/gen/workload.h"

namespace fullerene::gen {

struct SendOptions {
  std::string host = "127.0.0.1";
  int port = 2003;
  Protocol protocol = Protocol::kLine;
  int connections = 1;
  // Datapoints to send in all, split evenly over the connections. 0: send for `duration`.
  uint64_t count = 0;
  absl::Duration duration = absl::ZeroDuration();
  // Datapoints per second in all; 0 sends flat out.
  double rate = 0;
  WorkloadSpec workload;
  // Items per pickle frame.
  size_t batch = 500;
};

struct SendReport {
  std::string target;  // "127.0.0.1:2003"
  Protocol protocol = Protocol::kLine;
  int connections = 0;
  uint64_t requested = 0;   // the count asked for; 0 in duration mode
  uint64_t datapoints = 0;  // written completely (handed to the kernel)
  uint64_t bytes = 0;
  uint64_t writes = 0;   // completed write requests
  uint64_t errors = 0;   // failed writes (the connection is closed after a TCP one)
  double elapsed_s = 0;  // from the first write submitted to the last one completed
  int64_t first_send_unix_ns = 0;
  int64_t last_send_unix_ns = 0;
  const char* stopped_by = nullptr;  // "SIGINT"/"SIGTERM" when interrupted, else nullptr

  // True when everything that was asked for was sent.
  bool complete() const {
    return errors == 0 && stopped_by == nullptr && (requested == 0 || datapoints == requested);
  }
  std::string ToJson() const;
  std::string ToText() const;
};

absl::StatusOr<SendReport> RunSender(const SendOptions& options, ProgressLine& progress);

}  // namespace fullerene::gen
