#include "tests/integration/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace fullerene::testing {

pid_t SpawnChild(const std::vector<std::string>& argv, const ChildOptions& options) {
  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  std::vector<std::string> environment = options.add_environment;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const absl::string_view entry(*e);
    bool drop = false;
    for (const std::string& name : options.drop_environment) {
      drop = drop || absl::StartsWith(entry, absl::StrCat(name, "="));
    }
    if (!drop) {
      environment.emplace_back(entry);
    }
  }
  std::vector<char*> envp;
  for (const std::string& e : environment) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);
  const char* out = options.stdout_path.c_str();
  const char* err = options.stderr_path.empty() ? nullptr : options.stderr_path.c_str();
  const char* cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) {
      _exit(127);
    }
    int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = err == nullptr ? o : open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    dup2(o, STDOUT_FILENO);
    dup2(e, STDERR_FILENO);
    if (cwd != nullptr && chdir(cwd) != 0) {
      _exit(127);
    }
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  return pid;
}

int WaitForExit(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
      }
      if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
      }
      return -1;
    }
    if (r < 0 || absl::Now() >= deadline) {
      return -1;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

}  // namespace fullerene::testing
