// fullerene: the relay daemon. Runs in the foreground and logs to stderr.
//
//   fullerene [--config PATH/carbon.conf] [--instance a] [--rules FILE] [--workers N]
//             [--pidfile FILE]
//
// With no --config it runs the embedded default: line on 127.0.0.1:2003, pickle on
// 127.0.0.1:2004, every datapoint printed to standard output in line format.
//
// carbon-relay's own command line is accepted too, so an init script can switch binaries:
// `--config=F`, `--instance=a`, `--rules=R`, `--pidfile=P`, `--nodaemon`, `--debug` and a
// trailing `start`. `--logdir` is accepted and ignored (we log to stderr). fullerene never
// daemonises: `stop` and `status` are refused with a message.
//
// Signals: SIGTERM/SIGINT stop accepting and drain the queues, then exit 0; a second one exits
// at once with status 1. SIGHUP is logged and ignored.
#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/base/log.h"
#include "core/config/config.h"
#include "net/relay.h"

namespace {

using fullerene::core::Config;
using fullerene::core::LoadOptions;

constexpr char kUsage[] =
    "usage: fullerene [--config PATH/carbon.conf] [--instance NAME] [--rules FILE]\n"
    "                 [--workers N] [--pidfile FILE]\n"
    "\n"
    "A Graphite carbon relay. Without --config: line on 127.0.0.1:2003, pickle on\n"
    "127.0.0.1:2004, every datapoint written to standard output.\n";

struct Flags {
  LoadOptions load;
  std::string pidfile;
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "fullerene: %s\n", message.c_str());
  std::exit(1);
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (absl::StartsWith(arg, "--") && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      has_value = true;
    }
    auto take = [&]() -> std::string {
      if (has_value) {
        return value;
      }
      if (i + 1 >= argc) {
        Die(absl::StrCat(arg, " needs a value\n", kUsage));
      }
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--config") {
      flags.load.config_path = take();
    } else if (arg == "--instance") {
      flags.load.instance = take();
    } else if (arg == "--rules") {
      flags.load.rules_path = take();
    } else if (arg == "--pidfile") {
      flags.pidfile = take();
    } else if (arg == "--workers") {
      const std::string text = take();
      int workers = 0;
      if (!absl::SimpleAtoi(text, &workers) || workers < 1 || workers > 1024) {
        Die(absl::StrCat("--workers ", text, ": expected a number from 1 to 1024"));
      }
      flags.load.workers = workers;
    } else if (arg == "--logdir") {
      take();
    } else if (arg == "--nodaemon" || arg == "--debug" || arg == "start") {
      // carbon-relay's foreground switches; fullerene is always in the foreground.
    } else if (arg == "stop" || arg == "status") {
      Die(absl::StrCat("'", arg,
                       "' is not supported: fullerene runs in the foreground; stop it with "
                       "SIGTERM (systemd, or kill $(cat PIDFILE))"));
    } else {
      Die(absl::StrCat("unknown argument '", argv[i], "'\n", kUsage));
    }
  }
  return flags;
}

void DropPrivileges(const std::string& user) {
  errno = 0;
  struct passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) {
    Die(absl::StrCat("USER = ", user, ": no such user"));
  }
  if (getuid() == pw->pw_uid) {
    return;
  }
  if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
      setuid(pw->pw_uid) != 0) {
    Die(absl::StrCat("USER = ", user, ": cannot switch to it: ", strerror(errno)));
  }
  FULLERENE_LOG(INFO) << "running as user " << user;
}

void WritePidFile(const std::string& path) {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  std::ofstream out(path, std::ios::trunc);
  out << getpid() << "\n";
  out.close();
  if (!out) {
    Die(absl::StrCat("cannot write pid file ", path));
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Outbound batches (tens of KiB each) pile up while a destination is slow or down and are
  // freed when it catches up. From heap arenas those pages would stay resident at the peak;
  // as their own mappings they go back to the kernel on free. A fixed threshold also stops
  // glibc from raising it on its own after the first large free.
  mallopt(M_MMAP_THRESHOLD, 16 << 10);
  Flags flags = ParseFlags(argc, argv);

  absl::StatusOr<Config> config = fullerene::core::LoadConfig(flags.load);
  if (!config.ok()) {
    Die(std::string(config.status().message()));
  }
  for (const std::string& warning : config->warnings) {
    FULLERENE_LOG(WARNING) << warning;
  }
  if (config->config_path.empty()) {
    FULLERENE_LOG(INFO) << "no --config: using the embedded default (datapoints go to stdout)";
  } else {
    FULLERENE_LOG(INFO) << "configuration " << config->config_path << " [relay:"
                        << config->instance << "]";
  }
  if (flags.pidfile.empty() && !config->pid_dir.empty()) {
    flags.pidfile = absl::StrCat(config->pid_dir, "/carbon-relay-", config->instance, ".pid");
  }
  const std::string user = config->user;

  // Every thread inherits this mask, so the signals reach only the sigwait below. A write to
  // a closed socket must be an error (EPIPE), not a process-killing signal.
  signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<fullerene::net::Relay>> relay =
      fullerene::net::Relay::Create(*std::move(config));
  if (!relay.ok()) {
    Die(std::string(relay.status().message()));
  }
  if (!user.empty()) {
    DropPrivileges(user);
  }
  if (!flags.pidfile.empty()) {
    WritePidFile(flags.pidfile);
  }
  absl::Status started = (*relay)->Start();
  if (!started.ok()) {
    Die(std::string(started.message()));
  }

  bool stopping = false;
  std::thread waiter;
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) {
      continue;
    }
    if (sig == SIGUSR1 && stopping) {
      break;  // the drain is over
    }
    if (sig == SIGHUP) {
      FULLERENE_LOG(WARNING) << "SIGHUP: configuration reload is not supported yet; ignored";
      continue;
    }
    if (sig == SIGTERM || sig == SIGINT) {
      if (stopping) {
        FULLERENE_LOG(WARNING) << strsignal(sig) << " again: exiting without finishing the drain";
        std::_Exit(1);
      }
      stopping = true;
      FULLERENE_LOG(INFO) << strsignal(sig)
                          << ": no longer accepting; delivering queued datapoints";
      (*relay)->RequestStop();
      waiter = std::thread([&relay] {
        (*relay)->Wait();
        kill(getpid(), SIGUSR1);
      });
    }
  }
  waiter.join();
  (*relay)->LogShutdownReport();
  if (!flags.pidfile.empty()) {
    unlink(flags.pidfile.c_str());
  }
  return 0;
}
