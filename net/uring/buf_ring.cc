#include "net/uring/buf_ring.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "absl/strings/str_cat.h"
#include "core/base/check.h"

namespace fullerene::net {

ProvidedBufferRing::~ProvidedBufferRing() {
  if (br_ != nullptr) {
    io_uring_unregister_buf_ring(ring_, group_);
    munmap(br_, br_bytes_);
  }
  if (buffers_ != nullptr) {
    munmap(buffers_, buffers_bytes_);
  }
}

absl::Status ProvidedBufferRing::Init(io_uring* ring, uint16_t group, uint32_t count,
                                      uint32_t size) {
  FULLERENE_CHECK(count > 0 && (count & (count - 1)) == 0 && count <= 32768)
      << "buffer count must be a power of two";
  ring_ = ring;
  group_ = group;
  count_ = count;
  size_ = size;
  stride_ = size + kPadding;

  br_bytes_ = count * sizeof(io_uring_buf);
  void* br = mmap(nullptr, br_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (br == MAP_FAILED) {
    return absl::ResourceExhaustedError(absl::StrCat("mmap buffer ring: ", strerror(errno)));
  }
  br_ = static_cast<io_uring_buf_ring*>(br);
  // Payload memory is mapped, not malloc'ed: pages the kernel never writes to stay unbacked,
  // so a quiet relay keeps a small RSS however many buffers it registers.
  buffers_bytes_ = stride_ * count;
  void* mem = mmap(nullptr, buffers_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
                   -1, 0);
  if (mem == MAP_FAILED) {
    return absl::ResourceExhaustedError(absl::StrCat("mmap receive buffers: ", strerror(errno)));
  }
  buffers_ = static_cast<char*>(mem);

  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(br_);
  reg.ring_entries = count;
  reg.bgid = group;
  int rc = io_uring_register_buf_ring(ring_, &reg, 0);
  if (rc < 0) {
    munmap(br_, br_bytes_);
    br_ = nullptr;
    return absl::FailedPreconditionError(
        absl::StrCat("io_uring_register_buf_ring: ", strerror(-rc),
                     " (provided buffer rings need Linux >= 5.19)"));
  }
  io_uring_buf_ring_init(br_);
  for (uint32_t i = 0; i < count; ++i) {
    io_uring_buf_ring_add(br_, Data(static_cast<uint16_t>(i)), size, static_cast<uint16_t>(i),
                          io_uring_buf_ring_mask(count), static_cast<int>(i));
  }
  io_uring_buf_ring_advance(br_, static_cast<int>(count));
  available_ = count;
  return absl::OkStatus();
}

void ProvidedBufferRing::Recycle(uint16_t bid) {
  io_uring_buf_ring_add(br_, Data(bid), size_, bid, io_uring_buf_ring_mask(count_), pending_);
  ++pending_;
  ++available_;
}

void ProvidedBufferRing::Publish() {
  if (pending_ > 0) {
    io_uring_buf_ring_advance(br_, pending_);
    pending_ = 0;
  }
}

}  // namespace fullerene::net
