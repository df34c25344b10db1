// File: child_process.h
//
// Starting and reaping the processes an integration test runs (the relay under test, real
// carbon daemons, helper commands). Everything the child needs is prepared before fork(),
// because the test process has other threads (sinks) and only async-signal-safe calls are
// allowed between fork() and exec(). The child gets SIGTERM if the test process dies, so a
// crashed test leaves nothing running.
//
//   ChildOptions options;
//   options.stdout_path = dir.Join("out.txt");
//   pid_t pid = SpawnChild({"/usr/bin/true"}, options);
//   int status = WaitForExit(pid, absl::Seconds(5));   // -1: still running
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace fullerene::testing {

struct ChildOptions {
  std::string cwd;           // empty: the test's own
  std::string stdout_path;   // required
  std::string stderr_path;   // empty: the same file as stdout
  // Environment variables (by name) the child must not inherit.
  std::vector<std::string> drop_environment;
  // Extra "NAME=value" entries.
  std::vector<std::string> add_environment;
};

// fork + execve of argv[0] (an absolute path); returns the child's pid, or -1.
pid_t SpawnChild(const std::vector<std::string>& argv, const ChildOptions& options);

// Polls waitpid until the child exits or `timeout` passes; returns its exit status, 128+N
// when a signal N ended it, or -1 when it is still running.
int WaitForExit(pid_t pid, absl::Duration timeout);

}  // namespace fullerene::testing
