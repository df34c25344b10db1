// Benchmarks for the pickle codec: decoding carbon-relay batches (500 datapoints, protocol 2,
// as MAX_DATAPOINTS_PER_MESSAGE makes them) and writing them with PickleBatchWriter.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "codec/pickle/pickle_decoder.h"
#include "codec/pickle/pickle_encoder.h"
#include "core/memory/byte_buffer.h"

namespace fullerene::codec {
namespace {

struct Point {
  std::string name;
  double timestamp;
  double value;
};

// Realistic names: a host tree with a few metric leaves, 30-60 bytes each.
std::vector<Point> MakePoints(int n) {
  static const char* const kLeaves[] = {"cpu.user", "cpu.system", "memory.used",
                                        "disk.sda.write_bytes", "net.eth0.rx_packets"};
  std::vector<Point> points;
  for (int i = 0; i < n; ++i) {
    points.push_back(
        {absl::StrCat("servers.dc1.rack", i % 17, ".host", i % 211, ".", kLeaves[i % 5]),
         1700000000.0 + i % 60, i * 0.37 + 0.125});
  }
  return points;
}

std::string EncodeFrame(const std::vector<Point>& points) {
  core::ByteBuffer out;
  PickleBatchWriter writer;
  writer.Begin(&out);
  for (const Point& p : points) {
    writer.Add("", p.name, p.timestamp, p.value);
  }
  writer.Finish();
  return std::string(out.view().substr(4));
}

struct CountingHandler {
  double sum = 0;
  int64_t metrics = 0;
  void OnMetric(const core::MetricView& m) {
    sum += m.value + static_cast<double>(m.name.size());
    ++metrics;
  }
  void OnBadItem(PickleItemError) {}
};

void BM_PickleDecoder_Decode(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::string payload = EncodeFrame(MakePoints(n));
  PickleDecoder decoder;
  CountingHandler handler;
  for (auto _ : state) {
    const PickleFrameStatus status = decoder.Decode(payload, handler);
    benchmark::DoNotOptimize(status);
  }
  if (handler.metrics != static_cast<int64_t>(state.iterations()) * n) {
    state.SkipWithError("decoder lost datapoints");
  }
  benchmark::DoNotOptimize(handler.sum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload.size()));
  state.counters["bytes_per_metric"] = static_cast<double>(payload.size()) / n;
}
BENCHMARK(BM_PickleDecoder_Decode)->Arg(500)->Arg(1)->Arg(5000);

void BM_PickleBatchWriter_Add(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<Point> points = MakePoints(n);
  core::ByteBuffer out;
  PickleBatchWriter writer;
  size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    writer.Begin(&out);
    for (const Point& p : points) {
      writer.Add("prefix.", p.name, p.timestamp, p.value);
    }
    writer.Finish();
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["bytes_per_metric"] = static_cast<double>(out.size()) / n;
}
BENCHMARK(BM_PickleBatchWriter_Add)->Arg(500)->Arg(5000);

}  // namespace
}  // namespace fullerene::codec
