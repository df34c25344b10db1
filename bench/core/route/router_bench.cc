// Placement cost per datapoint: carbon's hash functions (BM_CarbonHash_<type>) and
// Router::Route for a consistent-hashing ring and for a relay-rules file (BM_Router_Route).
// Names are the shape of real metric paths, 20-60 bytes.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "core/config/config.h"
#include "core/route/hash/carbon_hash.h"
#include "core/route/router.h"

namespace fullerene::core {
namespace {

// 1024 metric names from a fixed linear congruential sequence, so every run sees the same
// set. They have the shapes the rules of RulesConfig() look for, and about half of them
// carry a host number that one of those rules names; the rest fall through to the default.
const std::vector<std::string>& MetricNames() {
  static const std::vector<std::string>* names = [] {
    // Prefix, two-digit host number, suffix.
    static constexpr const char* kShapes[][2] = {{"app.host", ".requests.count"},
                                                 {"servers.host", ".db.cpu.user"},
                                                 {"db.host", ".memory.used"},
                                                 {"web", ".stats.latency.p99"},
                                                 {"collectd.host", ".interface.if_octets.rx"}};
    auto* out = new std::vector<std::string>();
    uint64_t state = 42;
    auto next = [&state](uint64_t bound) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      return static_cast<int>((state >> 33) % bound);
    };
    for (int i = 0; i < 1024; ++i) {
      const int shape = next(5);
      const int host = i % 2 == 0 ? next(10) * 5 + shape : next(100);
      out->push_back(
          absl::StrCat(kShapes[shape][0], absl::Dec(host, absl::kZeroPad2), kShapes[shape][1]));
    }
    return out;
  }();
  return *names;
}

void RunCarbonHash(benchmark::State& state, HashType type) {
  const std::vector<std::string>& names = MetricNames();
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& name = names[i++ & 1023];
    benchmark::DoNotOptimize(CarbonHash(name, type));
    bytes += static_cast<int64_t>(name.size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}

void BM_CarbonHash_carbon_ch(benchmark::State& state) { RunCarbonHash(state, HashType::kCarbonCh); }
void BM_CarbonHash_fnv1a_ch(benchmark::State& state) { RunCarbonHash(state, HashType::kFnv1aCh); }
void BM_CarbonHash_mmh3_ch(benchmark::State& state) { RunCarbonHash(state, HashType::kMmh3Ch); }
BENCHMARK(BM_CarbonHash_carbon_ch);
BENCHMARK(BM_CarbonHash_fnv1a_ch);
BENCHMARK(BM_CarbonHash_mmh3_ch);

DestinationSpec Destination(std::string server, int64_t port, std::string instance) {
  DestinationSpec spec;
  spec.server = std::move(server);
  spec.port = port;
  spec.instance = std::move(instance);
  return spec;
}

// DESTINATIONS = 127.0.0.1:2104:a .. 127.0.0.1:2404:d, carbon_ch, RF 1.
Config ConsistentHashingConfig() {
  Config config;
  config.relay_method = RelayMethod::kConsistentHashing;
  config.hash_type = HashType::kCarbonCh;
  config.replication_factor = 1;
  config.destinations = {Destination("127.0.0.1", 2104, "a"), Destination("127.0.0.1", 2204, "b"),
                         Destination("127.0.0.1", 2304, "c"), Destination("127.0.0.1", 2404, "d")};
  return config;
}

// 50 pattern rules of the shapes relay-rules files use (anchored prefixes, infixes,
// alternations, classes, end anchors), a few with continue = true, then a default.
Config RulesConfig() {
  Config config = ConsistentHashingConfig();
  config.relay_method = RelayMethod::kRules;
  for (int i = 0; i < 50; ++i) {
    RelayRule rule;
    rule.name = absl::StrCat("rule", i);
    switch (i % 5) {
      case 0:
        rule.pattern = absl::StrFormat(R"(^app\.host%02d\.)", i);
        break;
      case 1:
        rule.pattern = absl::StrFormat(R"(\.host%02d\.db\.cpu)", i);
        break;
      case 2:
        rule.pattern = absl::StrFormat(R"(^(?:db|cache)\.host%02d\.(?:memory|disk))", i);
        break;
      case 3:
        rule.pattern = absl::StrFormat(R"([a-z]+%02d\.stats\.latency\.p(?:50|99)$)", i);
        break;
      default:
        rule.pattern = absl::StrFormat(R"(^collectd\.host%02d\..*\.if_octets)", i);
        break;
    }
    rule.continue_matching = i % 10 == 9;
    rule.destinations = {static_cast<uint32_t>(i % 4)};
    config.rules.push_back(rule);
  }
  RelayRule default_rule;
  default_rule.name = "default";
  default_rule.is_default = true;
  default_rule.destinations = {0};
  config.rules.push_back(default_rule);
  return config;
}

void BM_Router_Route(benchmark::State& state, Config (*make_config)()) {
  absl::StatusOr<std::unique_ptr<Router>> router = Router::Create(make_config());
  if (!router.ok()) {
    state.SkipWithError(std::string(router.status().message()).c_str());
    return;
  }
  const std::vector<std::string>& names = MetricNames();
  DestinationSet out;
  size_t i = 0;
  int64_t routed = 0;
  for (auto _ : state) {
    (*router)->Route(names[i++ & 1023], &out);
    routed += static_cast<int64_t>(out.size());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["destinations_per_metric"] =
      static_cast<double>(routed) / static_cast<double>(state.iterations());
}
BENCHMARK_CAPTURE(BM_Router_Route, consistent_hashing_carbon_ch_4dest_rf1,
                  &ConsistentHashingConfig);
BENCHMARK_CAPTURE(BM_Router_Route, rules_50_regex, &RulesConfig);

}  // namespace
}  // namespace fullerene::core
