#include "net/uring/ring.h"

#include <errno.h>
#include <string.h>

#include "absl/strings/str_cat.h"
#include "core/base/check.h"
#include "core/base/log.h"

namespace fullerene::net {

std::string RingFeatures::Describe() const {
  return absl::StrCat("defer_taskrun=", defer_taskrun, " coop_taskrun=", coop_taskrun,
                      " single_issuer=", single_issuer, " ext_arg=", ext_arg,
                      " fast_poll=", fast_poll, " registered_ring_fd=", registered_ring_fd);
}

Ring::~Ring() {
  if (initialized_) {
    io_uring_queue_exit(&ring_);
  }
}

absl::Status Ring::Init(unsigned entries) {
  struct Attempt {
    unsigned flags;
    bool defer;
    bool coop;
    bool single;
  };
  const Attempt attempts[] = {
      {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, true, false, true},
      {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN, false, true, true},
      {IORING_SETUP_COOP_TASKRUN, false, true, false},
      {0, false, false, false},
  };
  int last_error = 0;
  for (const Attempt& attempt : attempts) {
    io_uring_params params{};
    params.flags = attempt.flags | IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
    params.cq_entries = entries * 8;
    int rc = io_uring_queue_init_params(entries, &ring_, &params);
    if (rc == -EINVAL) {
      // Older kernels do not know SUBMIT_ALL or the taskrun flags; try the next set.
      params = io_uring_params{};
      params.flags = attempt.flags | IORING_SETUP_CQSIZE;
      params.cq_entries = entries * 8;
      rc = io_uring_queue_init_params(entries, &ring_, &params);
    }
    if (rc < 0) {
      last_error = -rc;
      if (rc == -ENOMEM || rc == -EPERM || rc == -ENOSYS) {
        break;
      }
      continue;
    }
    initialized_ = true;
    features_.defer_taskrun = attempt.defer;
    features_.coop_taskrun = attempt.coop;
    features_.single_issuer = attempt.single;
    features_.ext_arg = (params.features & IORING_FEAT_EXT_ARG) != 0;
    features_.fast_poll = (params.features & IORING_FEAT_FAST_POLL) != 0;
    break;
  }
  if (!initialized_) {
    if (last_error == ENOMEM) {
      return absl::ResourceExhaustedError(
          "io_uring_setup: out of locked memory; raise RLIMIT_MEMLOCK (ulimit -l) or run with "
          "fewer workers");
    }
    if (last_error == ENOSYS || last_error == EPERM) {
      return absl::FailedPreconditionError(absl::StrCat(
          "io_uring is not available (", strerror(last_error),
          "): fullerene needs Linux >= 6.0 with io_uring enabled (sysctl kernel.io_uring_disabled=0)"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("io_uring_setup failed: ", strerror(last_error)));
  }
  if (!features_.ext_arg) {
    return absl::FailedPreconditionError(
        "this kernel's io_uring lacks IORING_FEAT_EXT_ARG (Linux >= 5.11 needed)");
  }
  features_.registered_ring_fd = io_uring_register_ring_fd(&ring_) == 1;
  return absl::OkStatus();
}

io_uring_sqe* Ring::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
    FULLERENE_CHECK(sqe != nullptr) << "io_uring SQ still full after submit";
  }
  return sqe;
}

void Ring::Reserve(unsigned n) {
  if (io_uring_sq_space_left(&ring_) < n) {
    io_uring_submit(&ring_);
  }
}

int Ring::SubmitAndWait(absl::Duration timeout) {
  io_uring_cqe* cqe = nullptr;
  int rc;
  if (timeout == absl::InfiniteDuration()) {
    rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, nullptr, nullptr);
  } else {
    if (timeout < absl::ZeroDuration()) {
      timeout = absl::ZeroDuration();
    }
    const int64_t ns = absl::ToInt64Nanoseconds(timeout);
    __kernel_timespec ts{ns / 1000000000, ns % 1000000000};
    rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  }
  if (rc == -ETIME || rc == -EINTR || rc == -EAGAIN || rc == -EBUSY) {
    return 0;
  }
  return rc < 0 ? rc : 0;
}

}  // namespace fullerene::net
