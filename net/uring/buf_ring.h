// File: buf_ring.h
//
// ProvidedBufferRing is one registered provided-buffer ring (IORING_REGISTER_PBUF_RING):
// `count` buffers of `size` bytes that the kernel picks from when a multishot recv completes,
// so an idle connection owns no receive memory. liburing 2.3 has no io_uring_setup_buf_ring,
// so the ring memory is mapped and registered here, as liburing's examples/io_uring-udp.c does.
//
// Each buffer is followed by kPadding bytes that the kernel never writes into for it (the
// buffer stride is size + kPadding), so the codec may read a vector past the end of the data
// (ByteBuffer::kPadding is the same contract).
//
//   ProvidedBufferRing buffers;
//   FULLERENE_RETURN_IF_ERROR(buffers.Init(ring.raw(), /*group=*/0, /*count=*/128, 64 << 10));
//   // on a CQE with IORING_CQE_F_BUFFER:
//   uint16_t bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
//   Process(buffers.Data(bid), cqe->res);
//   buffers.Recycle(bid);         // queued; made visible to the kernel by Publish()
//   buffers.Publish();            // once per loop iteration
//
// Worker-confined.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"

namespace fullerene::net {

class ProvidedBufferRing {
 public:
  static constexpr size_t kPadding = 64;

  ProvidedBufferRing() = default;
  ProvidedBufferRing(const ProvidedBufferRing&) = delete;
  ProvidedBufferRing& operator=(const ProvidedBufferRing&) = delete;
  ~ProvidedBufferRing();

  // `count` must be a power of two (the kernel's requirement), at most 32768.
  absl::Status Init(io_uring* ring, uint16_t group, uint32_t count, uint32_t size);

  uint16_t group() const { return group_; }
  uint32_t buffer_size() const { return size_; }
  char* Data(uint16_t bid) const { return buffers_ + static_cast<size_t>(bid) * stride_; }

  // Hands buffer `bid` back to the kernel (visible after the next Publish()).
  void Recycle(uint16_t bid);
  void Publish();

  // Buffers currently owned by the kernel or queued for it; for ENOBUFS diagnostics.
  uint32_t available() const { return available_; }
  void MarkTaken() { --available_; }

 private:
  io_uring* ring_ = nullptr;
  io_uring_buf_ring* br_ = nullptr;
  size_t br_bytes_ = 0;
  char* buffers_ = nullptr;
  size_t buffers_bytes_ = 0;
  size_t stride_ = 0;
  uint32_t size_ = 0;
  uint32_t count_ = 0;
  uint16_t group_ = 0;
  int pending_ = 0;
  uint32_t available_ = 0;
};

}  // namespace fullerene::net
