#include "net/batch_builder.h"

#include <algorithm>

#include "codec/line/line_encoder.h"

namespace fullerene::net {

BatchBuilder::BatchBuilder(RelayState& state, BatchPool& pool)
    : state_(state),
      pool_(pool),
      max_per_message_(static_cast<uint32_t>(
          std::clamp<int64_t>(state.config.max_datapoints_per_message, 1, 1 << 30))),
      open_(state.config.destinations.size()) {}

void BatchBuilder::Add(uint32_t destination, absl::string_view name, double timestamp,
                       double value) {
  const core::DestinationSpec& spec = state_.config.destinations[destination];
  OpenBatch& open = open_[destination];
  if (open.batch == nullptr) {
    open.batch = pool_.Get();
    open.batch->destination = destination;
    if (spec.protocol == core::WireProtocol::kPickle) {
      open.writer.Begin(&open.batch->bytes);
    }
    dirty_.push_back(destination);
  }
  if (spec.protocol == core::WireProtocol::kPickle) {
    open.writer.Add(spec.prefix, name, timestamp, value);
  } else {
    codec::AppendLine(&open.batch->bytes, spec.prefix, name, timestamp, value);
  }
  if (++open.count >= max_per_message_) {
    Close(destination);
  }
}

void BatchBuilder::Close(uint32_t destination) {
  OpenBatch& open = open_[destination];
  if (open.batch == nullptr) {
    return;
  }
  if (state_.config.destinations[destination].protocol == core::WireProtocol::kPickle) {
    open.writer.Finish();
  }
  open.batch->datapoints = open.count;
  // Counted in the shared queue from here on, before any other thread can see the batch, so
  // the owner's subtraction never runs ahead of this addition.
  state_.destinations[destination]->queued.fetch_add(open.count, std::memory_order_relaxed);
  closed_.push_back(open.batch);
  open.batch = nullptr;
  open.count = 0;
}

void BatchBuilder::CloseAll() {
  for (uint32_t destination : dirty_) {
    Close(destination);
  }
  dirty_.clear();
}

}  // namespace fullerene::net
