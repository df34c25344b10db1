#include "tools/gen/encoded_stream.h"

#include <algorithm>
#include <cstdint>

#include "codec/line/line_encoder.h"
#include "codec/pickle/pickle_encoder.h"

namespace fullerene::gen {

namespace {

// a + b, or UINT64_MAX when that overflows ("no limit" is passed as UINT64_MAX).
uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; }

}  // namespace

EncodedStream EncodedStream::Build(const Workload& workload, uint64_t first, uint64_t count,
                                   const Options& options) {
  EncodedStream stream;
  stream.offsets_.push_back(0);
  stream.datapoints_.push_back(0);
  auto close_unit = [&stream](uint64_t datapoints) {
    stream.offsets_.push_back(stream.bytes_.size());
    stream.datapoints_.push_back(stream.datapoints_.back() + datapoints);
  };
  switch (options.protocol) {
    case Protocol::kLine:
      stream.offsets_.reserve(count + 1);
      stream.datapoints_.reserve(count + 1);
      for (uint64_t j = first; j < first + count; ++j) {
        const core::MetricView m = workload.At(j);
        codec::AppendLine(&stream.bytes_, "", m.name, m.timestamp, m.value);
        close_unit(1);
      }
      break;
    case Protocol::kPickle: {
      codec::PickleBatchWriter writer;
      for (uint64_t j = first; j < first + count;) {
        const uint64_t n = std::min<uint64_t>(options.batch, first + count - j);
        writer.Begin(&stream.bytes_);
        for (uint64_t end = j + n; j < end; ++j) {
          const core::MetricView m = workload.At(j);
          writer.Add("", m.name, m.timestamp, m.value);
        }
        writer.Finish();
        close_unit(n);
      }
      break;
    }
    case Protocol::kUdp: {
      // Lines are appended one by one; a line that would overflow the datagram being filled
      // moves to the next one (a line longer than max_datagram gets a datagram to itself).
      uint64_t in_datagram = 0;
      for (uint64_t j = first; j < first + count; ++j) {
        const size_t before = stream.bytes_.size();
        const core::MetricView m = workload.At(j);
        codec::AppendLine(&stream.bytes_, "", m.name, m.timestamp, m.value);
        if (in_datagram > 0 &&
            stream.bytes_.size() - stream.offsets_.back() > options.max_datagram) {
          stream.offsets_.push_back(before);
          stream.datapoints_.push_back(stream.datapoints_.back() + in_datagram);
          in_datagram = 0;
        }
        ++in_datagram;
      }
      if (in_datagram > 0) {
        close_unit(in_datagram);
      }
      break;
    }
  }
  return stream;
}

size_t EncodedStream::FitUnits(size_t begin, size_t max_bytes, uint64_t max_datapoints) const {
  // offsets_ and datapoints_ are non-decreasing: the last unit boundary within each limit is
  // one step before the first one past it.
  const auto by_bytes = std::upper_bound(offsets_.begin() + begin, offsets_.end(),
                                         SaturatingAdd(offsets_[begin], max_bytes));
  const auto by_points = std::upper_bound(datapoints_.begin() + begin, datapoints_.end(),
                                          SaturatingAdd(datapoints_[begin], max_datapoints));
  const size_t end_bytes = static_cast<size_t>(by_bytes - offsets_.begin()) - 1;
  const size_t end_points = static_cast<size_t>(by_points - datapoints_.begin()) - 1;
  return std::min(end_bytes, end_points);
}

}  // namespace fullerene::gen
