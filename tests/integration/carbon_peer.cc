#include "tests/integration/carbon_peer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "tests/integration/child_process.h"
#include "tests/testing/loopback.h"

namespace fullerene::testing {
namespace {

// Debian's interpreter must not be pointed at another installation by the test's
// environment.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& cwd, const std::string& out,
            const std::string& err) {
  ChildOptions options;
  options.cwd = cwd;
  options.stdout_path = out;
  options.stderr_path = err;
  options.drop_environment = {"PYTHONPATH",     "PYTHONHOME",      "PYTHONSTARTUP",
                              "PYTHONUSERBASE", "PYTHONNOUSERSITE", "PYTHONDONTWRITEBYTECODE",
                              "GRAPHITE_ROOT",  "GRAPHITE_CONF_DIR", "GRAPHITE_STORAGE_DIR"};
  options.add_environment = {"PYTHONNOUSERSITE=1", "PYTHONDONTWRITEBYTECODE=1"};
  return SpawnChild(argv, options);
}

std::string KindName(CarbonPeer::Kind kind) {
  return kind == CarbonPeer::Kind::kCache ? "cache" : "relay";
}

void AppendU32Le(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

void AppendF64Be(std::string& out, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  for (int i = 7; i >= 0; --i) {
    out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
}

}  // namespace

CarbonPeer::CarbonPeer(Kind kind) : kind_(kind) {}

CarbonPeer::~CarbonPeer() {
  if (pid_ > 0) {
    Stop(absl::Seconds(10));
  }
}

std::string CarbonPeer::ScriptPath(Kind kind) {
  return absl::StrCat("/usr/bin/carbon-", KindName(kind));
}

std::string CarbonPeer::Unavailable(Kind kind) {
  // The answer cannot change while the tests run; probe once per kind.
  static std::string* answers[2] = {nullptr, nullptr};
  std::string*& answer = answers[kind == Kind::kCache ? 0 : 1];
  if (answer == nullptr) {
    answer = new std::string(Probe(kind));
  }
  return *answer;
}

std::string CarbonPeer::Probe(Kind kind) {
  if (access(PythonPath().c_str(), X_OK) != 0) {
    return absl::StrCat(PythonPath(), " is missing: install the Debian package python3");
  }
  if (access(ScriptPath(kind).c_str(), R_OK) != 0) {
    return absl::StrCat(ScriptPath(kind),
                        " is missing: install the Debian package graphite-carbon "
                        "(tools/bootstrap does)");
  }
  // carbon imports whisper even as a relay (DATABASE = whisper), and the cache tests read
  // whisper files with it.
  CommandResult probe = RunCommand({PythonPath(), "-c", "import whisper, carbon"});
  if (probe.status != 0) {
    return absl::StrCat(
        "Debian's python3 cannot import whisper and carbon: install the Debian "
        "packages python3-whisper and graphite-carbon\n",
        probe.stderr_text);
  }
  return "";
}

absl::Status CarbonPeer::Start(const Options& options, absl::Duration timeout) {
  if (pid_ > 0) {
    return absl::FailedPreconditionError("already running");
  }
  const std::string conf = dir_.Write(
      "carbon.conf", absl::Substitute("[$0]\n"
                                      "STORAGE_DIR = $1/storage\n"
                                      "LOCAL_DATA_DIR = $2\n"
                                      "WHITELISTS_DIR = $1/storage/lists\n"
                                      "LOG_DIR = $1/log\n"
                                      "PID_DIR = $1\n"
                                      "$3",
                                      KindName(kind_), dir_.path(), DataDir(), options.settings));
  dir_.Write("storage-schemas.conf", options.storage_schemas);
  if (!options.relay_rules.empty()) {
    dir_.Write("relay-rules.conf", options.relay_rules);
  }
  pid_ = Spawn({PythonPath(), ScriptPath(kind_), absl::StrCat("--config=", conf),
                absl::StrCat("--pidfile=", dir_.Join("carbon.pid")), "--nodaemon", "start"},
               dir_.path(), dir_.Join("output.txt"), "");
  if (pid_ < 0) {
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  const absl::Time deadline = absl::Now() + timeout;
  size_t ready = 0;
  while (ready < options.wait_ports.size()) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError(absl::StrCat(
          "carbon-", KindName(kind_), " exited during start-up (status ",
          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), "):\n", Output()));
    }
    if (CanConnect(options.wait_ports[ready])) {
      ++ready;
      continue;
    }
    if (absl::Now() >= deadline) {
      Kill();
      return absl::DeadlineExceededError(absl::StrCat(
          "carbon-", KindName(kind_), " did not listen on port ", options.wait_ports[ready],
          " within ", absl::FormatDuration(timeout), ":\n", Output()));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::OkStatus();
}

int CarbonPeer::Stop(absl::Duration timeout) {
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
  // twistd shuts down cleanly on SIGTERM and then re-raises the signal to exit with it.
  if (status == 128 + SIGTERM && absl::StrContains(Output(), "Server Shut Down.")) {
    return 0;
  }
  return status;
}

void CarbonPeer::Kill() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGKILL);
  WaitForExit(pid_, absl::Seconds(10));
  pid_ = -1;
}

std::string CarbonPeer::Output() const { return ReadFileOrEmpty(dir_.Join("output.txt")); }

bool CarbonPeer::WaitForOutput(absl::string_view needle, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (absl::StrContains(Output(), needle)) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::StrContains(Output(), needle);
}

std::map<std::string, size_t> CarbonPeer::WrittenDatapoints() const {
  std::map<std::string, size_t> written;
  constexpr absl::string_view kMarker = "[updates] wrote ";
  for (absl::string_view line : absl::StrSplit(Output(), '\n')) {
    size_t at = line.find(kMarker);
    if (at == absl::string_view::npos) {
      continue;
    }
    // "wrote 6 datapoints for some.metric in 0.00012 seconds[ after waiting ...]"
    std::vector<absl::string_view> words =
        absl::StrSplit(line.substr(at + kMarker.size()), ' ', absl::SkipEmpty());
    size_t count = 0;
    if (words.size() >= 4 && words[1] == "datapoints" && words[2] == "for" &&
        absl::SimpleAtoi(words[0], &count)) {
      written[std::string(words[3])] += count;
    }
  }
  return written;
}

std::string CarbonPeer::WhisperPath(absl::string_view metric) const {
  return absl::StrCat(DataDir(), "/", absl::StrReplaceAll(metric, {{".", "/"}}), ".wsp");
}

CommandResult RunCommand(const std::vector<std::string>& argv, absl::Duration timeout) {
  TempDir dir;
  pid_t pid = Spawn(argv, "", dir.Join("stdout.txt"), dir.Join("stderr.txt"));
  CommandResult result;
  result.status = WaitForExit(pid, timeout);
  if (result.status == -1) {
    kill(pid, SIGKILL);
    WaitForExit(pid, absl::Seconds(10));
  }
  result.stdout_text = ReadFileOrEmpty(dir.Join("stdout.txt"));
  result.stderr_text = ReadFileOrEmpty(dir.Join("stderr.txt"));
  return result;
}

absl::Status ReadWhisper(const std::string& path, int64_t from, std::vector<WhisperPoint>* out) {
  constexpr char kScript[] =
      "import sys, whisper\n"
      "r = whisper.fetch(sys.argv[1], int(sys.argv[2]))\n"
      "if r is not None:\n"
      "  (start, end, step), values = r\n"
      "  for i, v in enumerate(values):\n"
      "    if v is not None:\n"
      "      print(start + i * step, repr(float(v)))\n";
  CommandResult r = RunCommand({CarbonPeer::PythonPath(), "-c", kScript, path, absl::StrCat(from)});
  if (r.status != 0) {
    return absl::InternalError(absl::StrCat("whisper.fetch(", path, ") failed (status ", r.status,
                                            "):\n", r.stderr_text, r.stdout_text));
  }
  out->clear();
  for (absl::string_view line : absl::StrSplit(r.stdout_text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    WhisperPoint point;
    char* end = nullptr;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &point.timestamp)) {
      return absl::InternalError(absl::StrCat("unexpected whisper output line: ", line));
    }
    // strtod, not SimpleAtod: it is exact for Python's repr, including inf and nan.
    point.value = std::strtod(fields[1].c_str(), &end);
    if (end == fields[1].c_str() || *end != '\0') {
      return absl::InternalError(absl::StrCat("unexpected whisper value: ", line));
    }
    out->push_back(point);
  }
  return absl::OkStatus();
}

std::string PickleMessage(const std::vector<Received>& datapoints) {
  std::string p = "\x80\x02]";  // PROTO 2, EMPTY_LIST
  p.push_back('(');             // MARK
  for (const Received& d : datapoints) {
    p.push_back('X');  // BINUNICODE
    AppendU32Le(p, static_cast<uint32_t>(d.name.size()));
    p.append(d.name);
    p.push_back('G');  // BINFLOAT
    AppendF64Be(p, d.timestamp);
    p.push_back('G');
    AppendF64Be(p, d.value);
    p.push_back('\x86');  // TUPLE2 (timestamp, value)
    p.push_back('\x86');  // TUPLE2 (name, (...))
  }
  p.push_back('e');  // APPENDS
  p.push_back('.');  // STOP
  return Frame(p);
}

}  // namespace fullerene::testing
