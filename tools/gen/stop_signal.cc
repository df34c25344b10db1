#include "tools/gen/stop_signal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace fullerene::gen {

StopSignal::~StopSignal() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

absl::Status StopSignal::Init() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  fd_ = signalfd(-1, &signals, SFD_CLOEXEC);
  if (fd_ < 0) {
    return absl::InternalError(absl::StrCat("signalfd: ", strerror(errno)));
  }
  return absl::OkStatus();
}

void StopSignal::Arm(net::Ring& ring, uint64_t user_data) {
  io_uring_sqe* sqe = ring.GetSqe();
  io_uring_prep_read(sqe, fd_, &info_, sizeof(info_), 0);
  sqe->user_data = user_data;
}

const char* StopSignal::signal_name() const {
  return info_.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
}

}  // namespace fullerene::gen
