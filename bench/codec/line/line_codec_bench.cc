// Benchmarks for codec/line: decoding a realistic plaintext stream, and encoding datapoints
// the way DESTINATION_PROTOCOL = line writes them.
//
//   build/bench/codec_bench --benchmark_filter='BM_Line'
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "codec/line/line_decoder.h"
#include "codec/line/line_encoder.h"
#include "core/memory/byte_buffer.h"

namespace fullerene::codec {
namespace {

// Lines like collectd/diamond send: a dotted host/metric path, a gauge with a short fraction
// or an integer counter, and an integral epoch timestamp.
std::string RealisticStream(int lines) {
  const char* const metrics[] = {"cpu.user",       "cpu.system",        "memory.used",
                                 "disk.sda.reads", "net.eth0.rx_bytes", "load.1min"};
  std::mt19937 rng(42);
  std::string stream;
  for (int i = 0; i < lines; ++i) {
    const uint32_t r = rng();
    absl::StrAppend(&stream, "dc", r % 4, ".rack", (r >> 2) % 50, ".host", (r >> 8) % 1000, ".",
                    metrics[(r >> 20) % 6], " ");
    if (i % 2 == 0) {
      absl::StrAppend(&stream, (r >> 4) % 1000, ".", (r >> 12) % 10);
    } else {
      absl::StrAppend(&stream, r % 100000000);
    }
    absl::StrAppend(&stream, " ", 1700000000 + i / 100, "\n");
  }
  return stream;
}

struct CountingHandler {
  void OnMetric(const core::MetricView& metric) {
    ++metrics;
    sum += metric.value + static_cast<double>(metric.name.size());
  }
  void OnBadLine(LineStatus, absl::string_view) { ++bad; }
  int64_t metrics = 0;
  int64_t bad = 0;
  double sum = 0;
};

// Feeds the stream in reads of state.range(0) bytes, as a socket delivers it; reads do not
// end on line boundaries, so the carry path is part of the cost.
void BM_LineDecoder_Feed(benchmark::State& state) {
  const int kLines = 20000;
  const std::string stream = RealisticStream(kLines);
  const size_t read_size = static_cast<size_t>(state.range(0));
  // The receive buffer, with the padding the receive path guarantees.
  core::ByteBuffer buffer;
  buffer.Append(stream);
  LineStreamDecoder decoder;
  CountingHandler handler;
  for (auto _ : state) {
    for (size_t i = 0; i < stream.size(); i += read_size) {
      const size_t n = std::min(read_size, stream.size() - i);
      if (!decoder.Feed(absl::string_view(buffer.data() + i, n), handler)) {
        state.SkipWithError("decoder closed the stream");
        return;
      }
    }
    benchmark::DoNotOptimize(handler.sum);
  }
  if (handler.bad != 0 || handler.metrics != kLines * static_cast<int64_t>(state.iterations())) {
    state.SkipWithError("unexpected callbacks");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kLines);
  state.counters["bytes_per_metric"] = static_cast<double>(stream.size()) / kLines;
}
BENCHMARK(BM_LineDecoder_Feed)->Arg(1500)->Arg(16384)->Arg(262144);

void BM_LineDecoder_Datagram(benchmark::State& state) {
  const int kLines = 150;
  const std::string datagram = RealisticStream(kLines);
  CountingHandler handler;
  for (auto _ : state) {
    DecodeDatagram(datagram, handler);
    benchmark::DoNotOptimize(handler.sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * datagram.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kLines);
}
BENCHMARK(BM_LineDecoder_Datagram);

// state.range(0): 0 for integral values (counters), 1 for fractional ones (gauges).
void BM_LineEncoder_AppendLine(benchmark::State& state) {
  const int kMetrics = 1000;
  std::mt19937 rng(7);
  std::vector<std::string> names;
  std::vector<double> values;
  for (int i = 0; i < kMetrics; ++i) {
    const uint32_t r = rng();
    names.push_back(absl::StrCat("dc1.rack", r % 50, ".host", (r >> 8) % 1000, ".cpu.user"));
    values.push_back(state.range(0) == 0 ? static_cast<double>(r % 100000000)
                                         : static_cast<double>(r % 100000) / 8 + 0.1);
  }
  core::ByteBuffer out;
  size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    for (int i = 0; i < kMetrics; ++i) {
      AppendLine(&out, "", names[i], 1700000000 + i, values[i]);
    }
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kMetrics);
}
BENCHMARK(BM_LineEncoder_AppendLine)->ArgName("fractional")->Arg(0)->Arg(1);

}  // namespace
}  // namespace fullerene::codec
