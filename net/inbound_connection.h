// File: inbound_connection.h
//
// InboundConnection is one client connection of a worker: its socket, which protocol its
// listener speaks, and the decoder state that must survive between two reads (an unterminated
// line, a pickle frame that spans reads). Receive buffers are not part of it: they come from
// the worker's provided-buffer ring only while data is being processed, so an idle connection
// costs this struct and the kernel's socket buffers, nothing more.
//
// Slots live in the worker's slab and are reused; `generation` tells a reused slot from the
// connection that had it before. A closed connection keeps its slot (kClosing) until the
// kernel has posted the final completion of its multishot recv.
//
// Worker-confined.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/container/inlined_vector.h"

#include "codec/line/line_decoder.h"
#include "codec/pickle/pickle_frame_reader.h"

namespace fullerene::net {

struct InboundConnection {
  enum class State : uint8_t { kFree, kOpen, kClosing };
  enum class Protocol : uint8_t { kLine, kPickle };

  int fd = -1;
  uint32_t generation = 0;
  State state = State::kFree;
  Protocol protocol = Protocol::kLine;
  bool recv_armed = false;
  // Flow control: reading stopped because a destination its datapoints need is full; its
  // recv is cancelled and re-armed once every destination in `blocked_on` has room again.
  bool paused = false;
  // Shutdown: the read side is shut, the rest of what the client sent is being read.
  bool reading_out = false;
  absl::InlinedVector<uint32_t, 2> blocked_on;
  codec::LineStreamDecoder line;
  std::optional<codec::PickleFrameReader> pickle;
};

}  // namespace fullerene::net
