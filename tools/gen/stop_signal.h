// File: stop_signal.h
//
// StopSignal turns SIGINT and SIGTERM into an io_uring completion, so the event loops of the
// sender and the sink learn about a stop request in their one io_uring_enter, with no signal
// handler and no flag polling: the signals are blocked and read from a signalfd.
//
//   StopSignal stop;
//   FULLERENE_RETURN_IF_ERROR(stop.Init());          // before any thread is started
//   stop.Arm(ring, kStopUserData);
//   ... a CQE with kStopUserData: finish up and report (stop.signal_name() says which)
//
// Thread-compatible: owned by the thread that runs the ring.
#pragma once

#include <sys/signalfd.h>

#include <cstdint>

#include "absl/status/status.h"
#include "net/uring/ring.h"

namespace fullerene::gen {

class StopSignal {
 public:
  StopSignal() = default;
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  ~StopSignal();

  // Blocks SIGINT and SIGTERM in the calling thread (threads started later inherit that) and
  // opens the signalfd that receives them instead.
  absl::Status Init();
  // Queues a read of the signalfd; it completes when one of the signals arrives.
  void Arm(net::Ring& ring, uint64_t user_data);
  // "SIGTERM" or "SIGINT" after the read completed.
  const char* signal_name() const;

 private:
  int fd_ = -1;
  signalfd_siginfo info_{};
};

}  // namespace fullerene::gen
