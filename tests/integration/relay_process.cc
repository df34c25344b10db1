#include "tests/integration/relay_process.h"

#include <signal.h>
#include <sys/wait.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/child_process.h"

namespace fullerene::testing {
namespace {

pid_t SpawnWithOutput(const std::vector<std::string>& args, const std::string& out,
                      const std::string& err) {
  ChildOptions options;
  options.stdout_path = out;
  options.stderr_path = err;
  return SpawnChild(args, options);
}

}  // namespace

std::string RelayProcess::BinaryPath() { return FULLERENE_BINARY_DIR "/fullerene"; }

RelayProcess::~RelayProcess() {
  if (pid_ > 0) {
    Kill();
  }
}

absl::Status RelayProcess::Start(absl::string_view carbon_conf, absl::string_view relay_rules,
                                 std::vector<std::string> args, absl::Duration timeout) {
  const std::string conf = dir_.Write("carbon.conf", carbon_conf);
  if (!relay_rules.empty()) {
    dir_.Write("relay-rules.conf", relay_rules);
  }
  std::vector<std::string> full = {"--config", conf};
  full.insert(full.end(), args.begin(), args.end());
  return StartWithArgs(std::move(full), timeout);
}

absl::Status RelayProcess::StartWithArgs(std::vector<std::string> args, absl::Duration timeout) {
  args.insert(args.begin(), BinaryPath());
  return Spawn(args, timeout);
}

absl::Status RelayProcess::Spawn(const std::vector<std::string>& args, absl::Duration timeout) {
  pid_ = SpawnWithOutput(args, dir_.Join("stdout.txt"), dir_.Join("stderr.txt"));
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (absl::StrContains(Stderr(), "fullerene running")) {
      return absl::OkStatus();
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat("fullerene exited during start-up:\n", Stderr()));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  Kill();
  return absl::DeadlineExceededError(absl::StrCat("fullerene did not start:\n", Stderr()));
}

int RelayProcess::Stop(absl::Duration timeout) {
  if (pid_ <= 0) {
    return -1;
  }
  kill(pid_, SIGTERM);
  int status = WaitForExit(pid_, timeout);
  if (status == -1) {
    Kill();
    return -1;
  }
  pid_ = -1;
  return status;
}

void RelayProcess::Kill() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGKILL);
  WaitForExit(pid_, absl::Seconds(10));
  pid_ = -1;
}

int RelayProcess::WaitExit(absl::Duration timeout) {
  if (pid_ <= 0) {
    return -1;
  }
  int status = WaitForExit(pid_, timeout);
  if (status != -1) {
    pid_ = -1;
  }
  return status;
}

bool RelayProcess::WaitForLog(absl::string_view needle, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (absl::StrContains(Stderr(), needle)) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::StrContains(Stderr(), needle);
}

std::string RelayProcess::Stderr() const { return ReadFileOrEmpty(dir_.Join("stderr.txt")); }
std::string RelayProcess::Stdout() const { return ReadFileOrEmpty(dir_.Join("stdout.txt")); }

ExitResult RunRelayToExit(std::vector<std::string> args, absl::Duration timeout) {
  TempDir dir;
  args.insert(args.begin(), RelayProcess::BinaryPath());
  pid_t pid = SpawnWithOutput(args, dir.Join("stdout.txt"), dir.Join("stderr.txt"));
  ExitResult result;
  result.status = WaitForExit(pid, timeout);
  if (result.status == -1) {
    kill(pid, SIGKILL);
    WaitForExit(pid, absl::Seconds(10));
  }
  result.stderr_text = ReadFileOrEmpty(dir.Join("stderr.txt"));
  result.stdout_text = ReadFileOrEmpty(dir.Join("stdout.txt"));
  return result;
}

}  // namespace fullerene::testing
