// File: batch.h
//
// A Batch is one encoded message for one destination: a framed pickle (protocol 2, at most
// MAX_DATAPOINTS_PER_MESSAGE datapoints) or a run of lines. Batches, not datapoints, cross
// between workers (DESIGN.md): the worker that decodes a datapoint encodes it straight into
// its open batch for each destination, exactly once, and hands the closed batch to the worker
// that owns the destination's connection.
//
// BatchQueue is an intrusive FIFO of batches; BatchPool a worker's free list, capped so that a
// worker that mostly frees other workers' batches does not hoard them.
//
// Worker-confined, except that a Batch travels from its producer to the owner's worker through
// an SpscRing (ownership moves with it).
#pragma once

#include <cstdint>

#include "core/memory/byte_buffer.h"

namespace fullerene::net {

struct Batch {
  core::ByteBuffer bytes;
  uint32_t destination = 0;
  uint32_t datapoints = 0;
  Batch* next = nullptr;
};

class BatchQueue {
 public:
  bool empty() const { return head_ == nullptr; }
  Batch* front() const { return head_; }
  uint64_t batches() const { return batches_; }
  uint64_t datapoints() const { return datapoints_; }

  void PushBack(Batch* batch) {
    batch->next = nullptr;
    if (tail_ == nullptr) {
      head_ = tail_ = batch;
    } else {
      tail_->next = batch;
      tail_ = batch;
    }
    ++batches_;
    datapoints_ += batch->datapoints;
  }

  void PushFront(Batch* batch) {
    batch->next = head_;
    head_ = batch;
    if (tail_ == nullptr) {
      tail_ = batch;
    }
    ++batches_;
    datapoints_ += batch->datapoints;
  }

  Batch* PopFront() {
    Batch* batch = head_;
    if (batch != nullptr) {
      head_ = batch->next;
      if (head_ == nullptr) {
        tail_ = nullptr;
      }
      batch->next = nullptr;
      --batches_;
      datapoints_ -= batch->datapoints;
    }
    return batch;
  }

 private:
  Batch* head_ = nullptr;
  Batch* tail_ = nullptr;
  uint64_t batches_ = 0;
  uint64_t datapoints_ = 0;
};

class BatchPool {
 public:
  static constexpr int kMaxFree = 256;
  // A batch whose buffer grew beyond this (a huge line) gives the memory back when freed.
  static constexpr size_t kMaxKeptCapacity = 1 << 20;

  BatchPool() = default;
  BatchPool(const BatchPool&) = delete;
  BatchPool& operator=(const BatchPool&) = delete;
  ~BatchPool() {
    while (free_ != nullptr) {
      Batch* next = free_->next;
      delete free_;
      free_ = next;
    }
  }

  Batch* Get() {
    if (free_ == nullptr) {
      return new Batch();
    }
    Batch* batch = free_;
    free_ = batch->next;
    --free_count_;
    batch->next = nullptr;
    return batch;
  }

  void Put(Batch* batch) {
    if (free_count_ >= kMaxFree) {
      delete batch;
      return;
    }
    batch->bytes.clear();
    batch->bytes.ShrinkTo(kMaxKeptCapacity);
    batch->datapoints = 0;
    batch->next = free_;
    free_ = batch;
    ++free_count_;
  }

 private:
  Batch* free_ = nullptr;
  int free_count_ = 0;
};

}  // namespace fullerene::net
