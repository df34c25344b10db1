// File: encoded_stream.h
//
// EncodedStream holds datapoints [first, first + count) of a Workload encoded once, exactly as
// they go on the wire, so that sending costs a pointer and a length per write and nothing per
// datapoint. The bytes are cut into units, the smallest piece a sender may write:
//
//   line    one line, "name value timestamp\r\n" (codec::AppendLine, carbon's own format)
//   pickle  one framed message of up to `batch` items (codec::PickleBatchWriter)
//   udp     one datagram: as many whole lines as fit in `max_datagram` bytes
//
//   EncodedStream stream = EncodedStream::Build(workload, 0, 100000, {Protocol::kPickle});
//   size_t end = stream.FitUnits(u, /*max_bytes=*/1 << 20, /*max_datapoints=*/left);
//   write(fd, stream.Units(u, end));       // whole frames, at most 1 MiB, at most `left` points
//
// A sender cycles through one big stream; a count that does not end on a unit boundary ends
// with a small stream built for just the remainder (Build(workload, j, r, ...)).
//
// Immutable after Build(); thread-compatible. Move-only (it owns its bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/memory/byte_buffer.h"
#include "tools/gen/protocol.h"
#include "tools/gen/workload.h"

namespace fullerene::gen {

class EncodedStream {
 public:
  struct Options {
    Protocol protocol = Protocol::kLine;
    // Items per pickle frame: carbon-relay's MAX_DATAPOINTS_PER_MESSAGE default.
    size_t batch = 500;
    // UDP payload: 1500-byte Ethernet MTU minus IP and UDP headers, with room to spare, so a
    // datagram is never fragmented on a real network either.
    size_t max_datagram = 1400;
  };

  static EncodedStream Build(const Workload& workload, uint64_t first, uint64_t count,
                             const Options& options);

  absl::string_view bytes() const { return bytes_.view(); }
  size_t units() const { return offsets_.size() - 1; }
  uint64_t datapoints() const { return datapoints_.back(); }
  // Datapoints in units [0, u), for u <= units().
  uint64_t DatapointsBefore(size_t u) const { return datapoints_[u]; }
  // The bytes of units [begin, end).
  absl::string_view Units(size_t begin, size_t end) const {
    return absl::string_view(bytes_.data() + offsets_[begin], offsets_[end] - offsets_[begin]);
  }
  // The largest end >= begin such that units [begin, end) hold at most max_bytes bytes and
  // at most max_datapoints datapoints. end == begin when not even unit `begin` fits.
  size_t FitUnits(size_t begin, size_t max_bytes, uint64_t max_datapoints) const;

 private:
  core::ByteBuffer bytes_;
  std::vector<uint64_t> offsets_;     // offsets_[u]: where unit u starts; one past the last
  std::vector<uint64_t> datapoints_;  // datapoints_[u]: datapoints in units before u
};

}  // namespace fullerene::gen
