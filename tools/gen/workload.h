// File: workload.h
//
// Workload is the endless, deterministic datapoint sequence fullerene-gen sends: datapoint j
// is a pure function of (seed, j), so the pre-encoded buffers, the exact-count tails and the
// tests all agree on what datapoint j is without sharing any state.
//
//   Workload workload({.names = 100000, .depth = 5, .seed = 1});
//   core::MetricView m = workload.At(12345);   // m.name views workload.names()
//
// Datapoint j is name j % names (so every name comes round once per `names` datapoints, as
// from a fleet reporting every interval), in round j / names:
//   timestamp  1700000000 + 60 * round + a per-name second in [0, 60): whole seconds, as
//              collectd and diamond send them.
//   value      one of four per-name kinds: a percentage with two decimals, an integer counter
//              that grows every round, a latency in ms with three decimals, a signed gauge with
//              one decimal.
// Every value is k / 10^d with |k| < 2^53 and d <= 3, so it survives carbon's "%.10f" line
// format exactly: decoding what we encode gives back the very same double.
//
// Thread-compatible; const methods are safe from any thread.
#pragma once

#include <cstdint>

#include "core/base/metric_view.h"
#include "tools/gen/name_generator.h"

namespace fullerene::gen {

struct WorkloadSpec {
  uint64_t names = 10000;
  int depth = 5;
  uint64_t seed = 1;
};

class Workload {
 public:
  // The first round's minute: a fixed, plausible time, so runs repeat byte for byte.
  static constexpr double kBaseTimestamp = 1700000000;

  explicit Workload(const WorkloadSpec& spec);

  core::MetricView At(uint64_t j) const;

  const NameGenerator& names() const { return names_; }
  const WorkloadSpec& spec() const { return spec_; }

 private:
  WorkloadSpec spec_;
  NameGenerator names_;
};

}  // namespace fullerene::gen
