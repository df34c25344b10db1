// Fuzzes the pickle receive path: PickleFrameReader (1 MiB limit, fed in chunks whose size
// the first input byte picks) into PickleDecoder, plus the whole input decoded as one
// payload. Differential check: whatever datapoints a payload yields are written again with
// PickleBatchWriter, and decoding that batch must give back exactly the same names and
// bit-identical doubles, or the target aborts.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/pickle/pickle_decoder.h"
#include "codec/pickle/pickle_encoder.h"
#include "codec/pickle/pickle_frame_reader.h"
#include "core/memory/byte_buffer.h"

namespace {

using fullerene::codec::PickleBatchWriter;
using fullerene::codec::PickleDecoder;
using fullerene::codec::PickleFrameReader;
using fullerene::codec::PickleFrameStatus;
using fullerene::codec::PickleItemError;

struct Datapoint {
  std::string name;
  uint64_t timestamp_bits;
  uint64_t value_bits;
  bool operator==(const Datapoint& other) const {
    return name == other.name && timestamp_bits == other.timestamp_bits &&
           value_bits == other.value_bits;
  }
};

uint64_t Bits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  return bits;
}

struct Collector {
  std::vector<Datapoint> datapoints;
  size_t bad_items = 0;
  void OnMetric(const fullerene::core::MetricView& m) {
    datapoints.push_back({std::string(m.name), Bits(m.timestamp), Bits(m.value)});
  }
  void OnBadItem(PickleItemError) { ++bad_items; }
};

// Decodes `payload` and, when it yields datapoints, checks the encode/decode round trip.
void DecodeAndRoundTrip(PickleDecoder& decoder, absl::string_view payload) {
  Collector first;
  if (decoder.Decode(payload, first) != PickleFrameStatus::kOk || first.datapoints.empty()) {
    return;
  }
  fullerene::core::ByteBuffer out;
  PickleBatchWriter writer;
  writer.Begin(&out);
  for (const Datapoint& d : first.datapoints) {
    double ts;
    double value;
    std::memcpy(&ts, &d.timestamp_bits, sizeof(ts));
    std::memcpy(&value, &d.value_bits, sizeof(value));
    writer.Add("", d.name, ts, value);
  }
  writer.Finish();
  Collector second;
  const absl::string_view framed = out.view();
  if (decoder.Decode(framed.substr(4), second) != PickleFrameStatus::kOk || second.bad_items != 0 ||
      !(second.datapoints == first.datapoints)) {
    std::abort();
  }
}

struct FrameSink {
  PickleDecoder* decoder;
  void OnFrame(absl::string_view payload) { DecodeAndRoundTrip(*decoder, payload); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static PickleDecoder* decoder = new PickleDecoder();
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  // The whole input as one payload.
  DecodeAndRoundTrip(*decoder, input);

  // The input as a stream of frames, in chunks of 1 to 256 bytes.
  if (!input.empty()) {
    const size_t chunk = static_cast<size_t>(data[0]) + 1;
    PickleFrameReader reader(1 << 20);
    FrameSink sink{decoder};
    absl::string_view rest = input.substr(1);
    while (!rest.empty()) {
      const absl::string_view piece = rest.substr(0, chunk);
      rest.remove_prefix(piece.size());
      if (!reader.Feed(piece, sink)) {
        break;
      }
    }
  }
  return 0;
}
