// File: ring.h
//
// Ring owns one io_uring instance for one worker thread. Setup follows the decision list of
// liburing's examples/proxy.c:
//   - SINGLE_ISSUER | DEFER_TASKRUN: only the owning thread submits, and completion work runs
//     when that thread asks for events, not in interrupt context on whatever CPU. Falls back to
//     COOP_TASKRUN, then to no flags, on kernels that refuse them (logged, not fatal).
//   - a CQ ring 8x the SQ ring: multishot accept/recv post many CQEs per SQE, and an overflowed
//     CQ costs a slow path in the kernel.
//   - the ring fd is registered so io_uring_enter skips the fd lookup.
//
//   Ring ring;
//   FULLERENE_RETURN_IF_ERROR(ring.Init(/*entries=*/1024));
//   io_uring_sqe* sqe = ring.GetSqe();     // never null: flushes when the SQ is full
//   io_uring_prep_nop(sqe); sqe->user_data = ...;
//   ring.SubmitAndWait(timeout);           // one io_uring_enter per loop iteration
//
// Worker-confined: every method must be called from the thread that called Init().
#pragma once

#include <liburing.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace fullerene::net {

struct RingFeatures {
  bool defer_taskrun = false;
  bool coop_taskrun = false;
  bool single_issuer = false;
  bool ext_arg = false;           // timeouts in io_uring_enter (required)
  bool fast_poll = false;
  bool registered_ring_fd = false;
  std::string Describe() const;
};

class Ring {
 public:
  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring();

  absl::Status Init(unsigned entries);

  // Returns a zeroed SQE; submits pending SQEs first when the SQ is full.
  io_uring_sqe* GetSqe();
  // Makes sure the next `n` GetSqe() calls will not submit in between, so that a linked
  // chain of requests is submitted together.
  void Reserve(unsigned n);

  // Submits everything prepared and waits until at least one CQE is ready or `timeout`
  // passes (absl::ZeroDuration(): do not wait; absl::InfiniteDuration(): no timeout).
  // Returns a negative errno only for errors other than timeouts and interruptions.
  int SubmitAndWait(absl::Duration timeout);

  io_uring* raw() { return &ring_; }
  const RingFeatures& features() const { return features_; }

 private:
  io_uring ring_{};
  bool initialized_ = false;
  RingFeatures features_;
};

}  // namespace fullerene::net
