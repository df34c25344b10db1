// File: sink.h
//
// The sink mode of fullerene-gen: a stand-in for carbon-caches that listens on 127.0.0.1
// ports, accepts any number of connections, and counts the datapoints that arrive on each
// port, as cheaply as possible, so that a relay under test is never held back by its
// destinations:
//
//   line:PORT    TCP; one datapoint per '\n' (CountNewlines, SSE2)
//   pickle:PORT  TCP; PickleFrameReader cuts frames, PickleItemCounter counts their items
//                (exactly what PickleDecoder would deliver)
//   udp:PORT     UDP datagrams of lines; one datapoint per line
//
//   SinkOptions options;
//   options.ports = {{Protocol::kLine, 2103}, {Protocol::kPickle, 2104}};
//   options.json_out = "/tmp/sink.json";
//   absl::StatusOr<SinkReport> report = RunSink(options, progress);   // until SIGTERM
//
// I/O: one thread, one io_uring ring, multishot accept on each listener, multishot recv into
// one provided-buffer ring (256 KiB buffers) for every connection, like the relay's workers.
// The totals are written to --json-out every report interval (atomically: a temporary file
// renamed over the old one, so a reader never sees half a document) and once more at
// SIGTERM/SIGINT, after which RunSink() returns.
//
// A port that is already taken is an error: the listeners do not use SO_REUSEPORT, so a
// benchmark never shares its traffic with a forgotten process.
//
// Single-threaded: RunSink() runs on the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/gen/progress_line.h"
#include "tools/gen/protocol.h"

namespace fullerene::gen {

struct SinkPortSpec {
  Protocol protocol = Protocol::kLine;
  int port = 0;
};

struct SinkOptions {
  std::vector<SinkPortSpec> ports;
  // Where the totals go as JSON; empty: nowhere.
  std::string json_out;
  absl::Duration report_interval = absl::Seconds(1);
};

struct SinkPortTotals {
  Protocol protocol = Protocol::kLine;
  int port = 0;
  uint64_t datapoints = 0;
  uint64_t bytes = 0;
  uint64_t connections = 0;  // accepted since start (UDP: 0)
  uint64_t open_connections = 0;
  uint64_t frames = 0;                  // pickle frames
  uint64_t bad_frames = 0;              // pickle frames the decoder rejects
  uint64_t bad_items = 0;               // pickle items that are not datapoints
  uint64_t errors = 0;                  // receive errors, oversized frames
  int64_t first_datapoint_unix_ns = 0;  // when the first and the last datapoint arrived
  int64_t last_datapoint_unix_ns = 0;
};

struct SinkReport {
  std::vector<SinkPortTotals> ports;
  int64_t started_unix_ns = 0;
  int64_t written_unix_ns = 0;
  bool final = false;                // written at the stop signal
  const char* stopped_by = nullptr;  // "SIGTERM" or "SIGINT"

  uint64_t datapoints() const;
  std::string ToJson() const;
  std::string ToText() const;
};

absl::StatusOr<SinkReport> RunSink(const SinkOptions& options, ProgressLine& progress);

}  // namespace fullerene::gen
