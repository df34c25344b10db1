#include "tools/gen/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace fullerene::gen {

TokenBucket::TokenBucket(double rate, double burst, int64_t now_ns)
    : rate_(rate), burst_(burst), tokens_(burst), last_ns_(now_ns) {}

void TokenBucket::Refill(int64_t now_ns) {
  if (now_ns <= last_ns_) {
    return;
  }
  tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ns - last_ns_) * rate_ / 1e9);
  last_ns_ = now_ns;
}

int64_t TokenBucket::NanosUntil(double n) const {
  if (tokens_ >= n) {
    return 0;
  }
  // One nanosecond more than the exact quotient, so that floating-point rounding in Refill()
  // can never leave the balance a hair short of n when we wake.
  return static_cast<int64_t>(std::ceil((n - tokens_) * 1e9 / rate_)) + 1;
}

}  // namespace fullerene::gen
