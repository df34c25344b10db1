// File: backoff.h
//
// ReconnectBackoff reproduces the reconnect schedule carbon-relay gets from Twisted's
// ReconnectingClientFactory (COMPAT §4.5): initialDelay 1.0 s, factor e, maxDelay 5 s
// (carbon overrides Twisted's default), jitter 0.119626565582 applied as
// delay = normalvariate(d, d * jitter) on the stored delay. In practice the first retry comes
// after about 2.7 s and later ones about every 5 s, each +-12 %; a successful connection
// resets the delay. The random source is injected so tests are deterministic.
//
//   ReconnectBackoff backoff(/*seed=*/42);
//   double wait_s = backoff.NextDelay();   // ~2.7
//   backoff.Reset();                       // after a successful connect
//
// Thread-compatible.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>

namespace fullerene::core {

class ReconnectBackoff {
 public:
  static constexpr double kInitialDelay = 1.0;
  static constexpr double kFactor = 2.7182818284590451;
  static constexpr double kMaxDelay = 5.0;
  static constexpr double kJitter = 0.119626565582;

  explicit ReconnectBackoff(uint64_t seed) : random_(seed) {}

  // Seconds to wait before the next attempt; every call is one more failed attempt.
  double NextDelay() {
    delay_ = std::min(delay_ * kFactor, kMaxDelay);
    std::normal_distribution<double> jittered(delay_, delay_ * kJitter);
    delay_ = jittered(random_);
    // A normal draw can in theory be negative; Twisted would then retry at once. Keep a floor
    // so a wild draw cannot turn into a busy loop.
    return std::max(delay_, 0.05);
  }

  void Reset() { delay_ = kInitialDelay; }

 private:
  double delay_ = kInitialDelay;
  std::mt19937_64 random_;
};

}  // namespace fullerene::core
