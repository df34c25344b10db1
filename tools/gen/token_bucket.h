// File: token_bucket.h
//
// TokenBucket paces one connection of the generator to `rate` datapoints per second: tokens
// accrue continuously (not once a second), and the capacity `burst` bounds how far a writer
// may run ahead, so a paced stream is steady at the scale of `burst / rate` seconds instead of
// arriving as one lump at the top of every second.
//
//   TokenBucket bucket(/*rate=*/50000, /*burst=*/500, now_ns);   // 10 ms of traffic at most
//   bucket.Refill(now_ns);
//   if (bucket.tokens() >= frame) { bucket.Take(frame); send it; }
//   else { wake up in bucket.NanosUntil(frame) ns; }
//
// Time is passed in (nanoseconds on any monotonic clock), so the arithmetic is testable
// without sleeping. Thread-compatible: one bucket per connection.
#pragma once

#include <cstdint>

namespace fullerene::gen {

class TokenBucket {
 public:
  // rate > 0 tokens per second, burst > 0. The bucket starts full at now_ns.
  TokenBucket(double rate, double burst, int64_t now_ns);

  // Adds the tokens accrued since the previous Refill(), up to the capacity. A clock that
  // went backwards adds nothing.
  void Refill(int64_t now_ns);
  double tokens() const { return tokens_; }
  double rate() const { return rate_; }
  double burst() const { return burst_; }
  // Spends n tokens; the balance may go negative (a write of one whole frame bigger than the
  // balance), which delays the next write by exactly that debt.
  void Take(double n) { tokens_ -= n; }
  // Nanoseconds after the last Refill() until the balance reaches n (0 when it has), rounded
  // up so that waking then always finds enough.
  int64_t NanosUntil(double n) const;

 private:
  double rate_;
  double burst_;
  double tokens_;
  int64_t last_ns_;
};

}  // namespace fullerene::gen
