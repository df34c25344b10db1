// File: user_data.h
//
// Every SQE we submit carries a packed, typed user_data, so a completion is dispatched by an
// exhaustive switch on its op and can be recognised as stale (its slot was closed and reused)
// by the generation. Raw object pointers never go into user_data: a multishot request can
// complete after the object it was for is gone.
//
//   bits 56..63  op
//   bits 32..55  slot (index of a connection, listener or destination in the worker)
//   bits  0..31  generation of that slot when the request was made
#pragma once

#include <cstdint>

namespace fullerene::net {

enum class Op : uint8_t {
  kAccept = 1,         // multishot accept on a TCP listener; slot = listener index
  kRecv = 2,           // multishot recv on a client connection; slot = connection
  kUdpRecv = 3,        // multishot recvmsg on a UDP listener; slot = listener index
  kWake = 4,           // read on the worker's eventfd (another worker has batches for us)
  kConnect = 5,        // connect to a destination; slot = local destination index
  kConnectTimeout = 6, // the link timeout bounding a connect
  kSend = 7,           // sendmsg/writev of queued batches to a destination
  kDestinationRecv = 8,// recv on a destination socket: only ever completes on close/error
  kIgnored = 9,        // cancellations and other requests whose result we do not need
};

struct UserData {
  Op op;
  uint32_t slot;
  uint32_t generation;

  uint64_t Pack() const {
    return (static_cast<uint64_t>(op) << 56) | (static_cast<uint64_t>(slot & 0xffffff) << 32) |
           generation;
  }
  static UserData Unpack(uint64_t v) {
    return UserData{static_cast<Op>(v >> 56), static_cast<uint32_t>((v >> 32) & 0xffffff),
                    static_cast<uint32_t>(v)};
  }
};

inline constexpr uint32_t kMaxSlots = 1u << 24;

}  // namespace fullerene::net
