#include "tools/gen/workload.h"

#include "tools/gen/mix.h"

namespace fullerene::gen {
namespace {

// Salts for Mix64: one independent stream per property.
enum Salt : uint64_t {
  kSecondSalt = 3,
  kKindSalt,
  kSampleSalt,
  kCounterBaseSalt,
  kCounterStepSalt,
};

}  // namespace

Workload::Workload(const WorkloadSpec& spec)
    : spec_(spec), names_(spec.names, spec.depth, spec.seed) {}

core::MetricView Workload::At(uint64_t j) const {
  const uint64_t seed = spec_.seed;
  const uint64_t name = j % spec_.names;
  const uint64_t round = j / spec_.names;
  core::MetricView m;
  m.name = names_.Name(name);
  m.timestamp = kBaseTimestamp + 60.0 * static_cast<double>(round) +
                static_cast<double>(Mix64(seed, kSecondSalt, name) % 60);
  const uint64_t sample = Mix64(seed, kSampleSalt, j);
  switch (Mix64(seed, kKindSalt, name) % 4) {
    case 0:  // a percentage: 0.00 .. 99.99
      m.value = static_cast<double>(sample % 10000) / 100.0;
      break;
    case 1: {  // a counter: a per-name start below 1e9, a per-name step below 10000 per round
      const uint64_t base = Mix64(seed, kCounterBaseSalt, name) % 1'000'000'000;
      const uint64_t step = Mix64(seed, kCounterStepSalt, name) % 10'000;
      m.value = static_cast<double>(base + round * step);
      break;
    }
    case 2:  // a latency: 0.000 .. 4999.999 ms
      m.value = static_cast<double>(sample % 5'000'000) / 1000.0;
      break;
    default:  // a signed gauge: -1000.0 .. 1000.0
      m.value = static_cast<double>(static_cast<int64_t>(sample % 20001) - 10000) / 10.0;
      break;
  }
  return m;
}

}  // namespace fullerene::gen
