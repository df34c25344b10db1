// File: relay_process.h
//
// RelayProcess runs the real build/fullerene binary for an integration test: it writes the
// config files into a fresh temporary directory, starts the relay with its stdout and stderr
// captured into files there, waits until it says it is running, and stops it (SIGTERM, then
// SIGKILL after a bound) when the test is done. It only ever signals the process it started.
//
//   RelayProcess relay;
//   ASSERT_OK(relay.Start(CarbonConf(...), RulesConf(...)));
//   ...
//   EXPECT_EQ(relay.Stop(), 0);
//   EXPECT_THAT(relay.Stderr(), HasSubstr("delivered"));
//
// Not thread-safe; one test thread drives it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::testing {

class RelayProcess {
 public:
  RelayProcess() = default;
  ~RelayProcess();
  RelayProcess(const RelayProcess&) = delete;
  RelayProcess& operator=(const RelayProcess&) = delete;

  static std::string BinaryPath();

  // Writes carbon.conf (and relay-rules.conf when `relay_rules` is not empty) and starts
  // `fullerene --config <dir>/carbon.conf <args...>`. Returns an error (with the relay's
  // stderr) if it exits or does not report "fullerene running" within `timeout`.
  absl::Status Start(absl::string_view carbon_conf, absl::string_view relay_rules = "",
                     std::vector<std::string> args = {},
                     absl::Duration timeout = absl::Seconds(20));
  // Starts the binary with exactly these arguments (no config written).
  absl::Status StartWithArgs(std::vector<std::string> args,
                             absl::Duration timeout = absl::Seconds(20));

  // SIGTERM, then wait; returns the exit status, or -1 after SIGKILL when it did not exit in
  // time.
  int Stop(absl::Duration timeout = absl::Seconds(45));
  void Kill();
  // Waits for the process to exit on its own; returns the exit status or -1 on timeout.
  int WaitExit(absl::Duration timeout);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  bool WaitForLog(absl::string_view needle, absl::Duration timeout);
  std::string Stderr() const;
  std::string Stdout() const;
  const TempDir& dir() const { return dir_; }

 private:
  absl::Status Spawn(const std::vector<std::string>& args, absl::Duration timeout);

  TempDir dir_;
  pid_t pid_ = -1;
};

struct ExitResult {
  int status = -1;  // exit status, or -1 when it had to be killed
  std::string stderr_text;
  std::string stdout_text;
};

// Runs `fullerene <args>` to completion (for start-up failures); kills it after `timeout`.
ExitResult RunRelayToExit(std::vector<std::string> args,
                          absl::Duration timeout = absl::Seconds(20));

}  // namespace fullerene::testing
