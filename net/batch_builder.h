// File: batch_builder.h
//
// BatchBuilder keeps, for one worker, an open batch per destination and encodes datapoints
// into it in the destination's protocol (pickle protocol 2 or line) with its name prefix.
// A batch closes when it holds MAX_DATAPOINTS_PER_MESSAGE datapoints or when the worker
// flushes at the end of a loop iteration; closed batches are collected for the worker to hand
// to their destinations' owners.
//
//   builder.Add(destination, name, timestamp, value);
//   builder.CloseAll();
//   for (Batch* batch : builder.TakeClosed()) { hand over }
//
// Worker-confined.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/pickle/pickle_encoder.h"
#include "core/config/config.h"
#include "net/batch.h"
#include "net/relay_state.h"

namespace fullerene::net {

class BatchBuilder {
 public:
  BatchBuilder(RelayState& state, BatchPool& pool);

  // Datapoints in the open batch of `destination` (not yet counted in its shared queue).
  uint32_t OpenCount(uint32_t destination) const { return open_[destination].count; }

  void Add(uint32_t destination, absl::string_view name, double timestamp, double value);
  void CloseAll();
  // The closed batches since the last call, in closing order.
  std::vector<Batch*>& closed() { return closed_; }

 private:
  struct OpenBatch {
    Batch* batch = nullptr;
    codec::PickleBatchWriter writer;
    uint32_t count = 0;
  };

  void Close(uint32_t destination);

  RelayState& state_;
  BatchPool& pool_;
  const uint32_t max_per_message_;
  std::vector<OpenBatch> open_;
  std::vector<uint32_t> dirty_;  // destinations with an open batch
  std::vector<Batch*> closed_;
};

}  // namespace fullerene::net
