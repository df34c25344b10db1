// File: spsc_ring.h
//
// SpscRing is a bounded single-producer single-consumer ring of trivially copyable values
// (in practice: pointers to outbound batches). Workers hand batches to the worker that owns
// a destination through one SpscRing per ordered pair of workers, a batch at a time, never a
// datapoint at a time (DESIGN.md, "Data path").
//
//   SpscRing<Batch*> ring(1024);
//   // producer thread                 // consumer thread
//   if (!ring.TryPush(batch)) ...      Batch* b; while (ring.TryPop(&b)) { ... }
//
// Thread-safety: exactly one thread may call TryPush and exactly one (other) thread TryPop.
// The indices live on separate cache lines, and each side keeps a cached copy of the other's
// index so that the shared line is read only when the ring looks full (or empty).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "absl/base/optimization.h"

namespace fullerene::core {

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "SpscRing holds plain values");

 public:
  // `capacity` is rounded up to a power of two.
  explicit SpscRing(size_t capacity) {
    size_t c = 2;
    while (c < capacity) {
      c *= 2;
    }
    mask_ = c - 1;
    slots_ = std::make_unique<T[]>(c);
  }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  size_t capacity() const { return mask_ + 1; }

  // Producer side. Returns false when the ring is full.
  bool TryPush(T value) {
    const uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    if (ABSL_PREDICT_FALSE(tail - producer_.cached_head > mask_)) {
      producer_.cached_head = consumer_.head.load(std::memory_order_acquire);
      if (tail - producer_.cached_head > mask_) {
        return false;
      }
    }
    slots_[tail & mask_] = value;
    producer_.tail.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Consumer side. Returns false when the ring is empty.
  bool TryPop(T* value) {
    const uint64_t head = consumer_.head.load(std::memory_order_relaxed);
    if (ABSL_PREDICT_FALSE(head == consumer_.cached_tail)) {
      consumer_.cached_tail = producer_.tail.load(std::memory_order_acquire);
      if (head == consumer_.cached_tail) {
        return false;
      }
    }
    *value = slots_[head & mask_];
    consumer_.head.store(head + 1, std::memory_order_release);
    return true;
  }

  // Either side: true when nothing is queued at the moment of the call.
  bool EmptyApprox() const {
    return consumer_.head.load(std::memory_order_acquire) ==
           producer_.tail.load(std::memory_order_acquire);
  }

 private:
  // Producer and consumer state on separate cache lines (and away from slots_/mask_), so the
  // two threads never write to the same line.
  struct alignas(ABSL_CACHELINE_SIZE) Producer {
    std::atomic<uint64_t> tail{0};
    uint64_t cached_head = 0;
  };
  struct alignas(ABSL_CACHELINE_SIZE) Consumer {
    std::atomic<uint64_t> head{0};
    uint64_t cached_tail = 0;
  };

  size_t mask_ = 0;
  std::unique_ptr<T[]> slots_;
  Producer producer_;
  Consumer consumer_;
};

}  // namespace fullerene::core
