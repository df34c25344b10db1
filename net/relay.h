// File: relay.h
//
// Relay is the running relay: it opens the listening sockets (one per listener and worker,
// SO_REUSEPORT), resolves the destinations, builds one Router per worker, starts the worker
// threads and, on request, stops them with a drain.
//
//   FULLERENE_ASSIGN_OR_RETURN(std::unique_ptr<Relay> relay, Relay::Create(std::move(config)));
//   // drop privileges, write the pid file ...
//   FULLERENE_RETURN_IF_ERROR(relay->Start());
//   ... on SIGTERM: relay->RequestStop();
//   relay->Wait();
//   relay->LogShutdownReport();
//
// Create() reports every start-up problem (a port in use, a destination port out of range, a
// regex RE2 cannot compile) as a Status naming the key, before anything runs.
//
// Thread-safe: RequestStop() may be called from any thread (a signal-handling thread).
#pragma once

#include <atomic>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "core/config/config.h"
#include "net/relay_state.h"

namespace fullerene::net {

class Worker;

class Relay {
 public:
  static absl::StatusOr<std::unique_ptr<Relay>> Create(core::Config config);
  ~Relay();

  absl::Status Start();
  void RequestStop();
  void Wait();
  // Logs, per destination, how many datapoints were written and how many were given up.
  void LogShutdownReport() const;

  const RelayState& state() const { return *state_; }

 private:
  explicit Relay(std::unique_ptr<RelayState> state);
  void ResolveLoop();

  std::unique_ptr<RelayState> state_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  // Opened once every worker has initialised; start_aborted_ says whether to run or leave.
  std::latch start_gate_{1};
  std::atomic<bool> start_aborted_{false};
  std::thread resolver_;
  std::atomic<bool> resolver_stop_{false};
  absl::Mutex resolver_mu_;
  absl::CondVar resolver_cv_;
};

// Number of CPUs this process may run on (sched_getaffinity), so `taskset -c 0 fullerene`
// starts one worker.
int AvailableCpus();

}  // namespace fullerene::net
