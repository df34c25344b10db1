// File: carbon_peer.h
//
// CarbonPeer runs a real Graphite carbon daemon (Debian's graphite-carbon: carbon-cache or
// carbon-relay) next to fullerene in an integration test. It renders carbon.conf into a fresh
// temporary directory, with every directory carbon writes to (STORAGE_DIR, LOCAL_DATA_DIR,
// WHITELISTS_DIR, LOG_DIR, PID_DIR) inside it, writes the stub storage-schemas.conf carbon
// insists on (and relay-rules.conf when given), runs
//
//   /usr/bin/python3 /usr/bin/carbon-<kind> --config=DIR/carbon.conf
//       --pidfile=DIR/carbon.pid --nodaemon start
//
// from that directory with its output captured in DIR/output.txt, waits (bounded) until each
// of its TCP ports accepts connections, and stops it with SIGTERM, then SIGKILL after a bound.
// It only ever signals the pid it started; the child also gets SIGTERM if the test process
// dies first (PR_SET_PDEATHSIG), so a crashed test leaves no carbon daemon behind.
//
//   if (std::string why = CarbonPeer::Unavailable(CarbonPeer::Kind::kRelay); !why.empty()) {
//     GTEST_SKIP() << why;
//   }
//   PortReservation line;
//   CarbonPeer relay(CarbonPeer::Kind::kRelay);
//   CarbonPeer::Options options;
//   options.settings = absl::StrCat("LINE_RECEIVER_INTERFACE = 127.0.0.1\n",
//                                   "LINE_RECEIVER_PORT = ", line.port(), "\n", ...);
//   options.wait_ports = {line.port()};
//   ASSERT_TRUE(relay.Start(options).ok()) << relay.Output();
//   line.Release();
//   ...
//   EXPECT_EQ(relay.Stop(), 0) << relay.Output();
//
// Things the real daemons do that a test must allow for (measured on Debian 12, 2 CPUs):
// * start-up takes about 1 second (carbon-relay) or 1.5 to 2 seconds (carbon-cache) before
//   the ports listen, 4 to 5 seconds on a cold page cache (it is mostly Python imports);
//   carbon-cache also needs about 2.5 seconds to exit after SIGTERM;
// * carbon-cache's writer thread wakes once a second and SIGTERM does *not* flush what
//   arrived since its last pass: wait for its "[updates] wrote N datapoints for M" lines
//   (WrittenDatapoints()) before stopping it, or the datapoints are lost;
// * with --nodaemon everything (the console, listener, creates and updates logs) goes to
//   stdout as "dd/mm/YYYY HH:MM:SS :: [channel] text".
//
// Not thread-safe; one test thread drives it.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tests/integration/sink.h"
#include "tests/testing/temp_dir.h"

namespace fullerene::testing {

class CarbonPeer {
 public:
  enum class Kind { kCache, kRelay };

  struct Options {
    // Lines for the daemon's section ([cache] or [relay]): ports, RELAY_METHOD,
    // DESTINATIONS, ... The directory settings are written by CarbonPeer and must not be
    // repeated here (carbon refuses a duplicate key).
    std::string settings;
    // CONF_DIR/storage-schemas.conf; carbon-relay requires the file but never reads it.
    std::string storage_schemas = "[default]\npattern = .*\nretentions = 10s:1d\n";
    // CONF_DIR/relay-rules.conf, written when not empty.
    std::string relay_rules;
    // TCP ports on 127.0.0.1 that Start() waits for (the daemon's receivers).
    std::vector<int> wait_ports;
  };

  explicit CarbonPeer(Kind kind);
  ~CarbonPeer();
  CarbonPeer(const CarbonPeer&) = delete;
  CarbonPeer& operator=(const CarbonPeer&) = delete;

  // The interpreter and script that run the daemon: Debian's, never a pyenv or venv one.
  static std::string PythonPath() { return "/usr/bin/python3"; }
  static std::string ScriptPath(Kind kind);
  // Empty when the daemon can run here; otherwise why not, naming the Debian package to
  // install (for GTEST_SKIP).
  static std::string Unavailable(Kind kind);

  // Writes the config files and starts the daemon, then waits until every wait_port accepts
  // connections. Returns an error with the daemon's output if it exits first or is not ready
  // within `timeout` (then it has been killed).
  absl::Status Start(const Options& options, absl::Duration timeout = absl::Seconds(60));
  // SIGTERM, then wait; returns 0 for a clean shutdown (twistd logs "Server Shut Down." and
  // then re-raises the SIGTERM, so the raw status would be 143), else the exit status (128+N
  // for signal N), or -1 after SIGKILL when it did not exit within `timeout`.
  int Stop(absl::Duration timeout = absl::Seconds(30));
  void Kill();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Everything the daemon printed (stdout and stderr, interleaved).
  std::string Output() const;
  bool WaitForOutput(absl::string_view needle, absl::Duration timeout);
  // carbon-cache only: datapoints written to whisper so far, per metric, from its
  // "[updates] wrote N datapoints for METRIC" log lines.
  std::map<std::string, size_t> WrittenDatapoints() const;

  const TempDir& dir() const { return dir_; }
  // LOCAL_DATA_DIR: carbon-cache's whisper files live under it.
  std::string DataDir() const { return dir_.Join("storage/whisper"); }
  // The whisper file carbon-cache writes for `metric` (dots become directories).
  std::string WhisperPath(absl::string_view metric) const;

 private:
  static std::string Probe(Kind kind);

  const Kind kind_;
  TempDir dir_;
  pid_t pid_ = -1;
};

struct CommandResult {
  int status = -1;  // exit status, 128+N for signal N, or -1 when it had to be killed
  std::string stdout_text;
  std::string stderr_text;
};

// Runs `argv` (argv[0] is an absolute path) to completion with its output captured; kills it
// after `timeout`.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         absl::Duration timeout = absl::Seconds(30));

struct WhisperPoint {
  int64_t timestamp = 0;
  double value = 0;
};

// Every non-empty point of the whisper file's finest archive from `from` (exclusive, whisper
// style: the first slot is the one after `from`'s) to now, read with python3-whisper. The
// values are exact (printed with repr and parsed back). Returns an error with the script's
// output when the file cannot be read.
absl::Status ReadWhisper(const std::string& path, int64_t from, std::vector<WhisperPoint>* out);

// One framed pickle message [(name, (timestamp, value)), ...] in protocol 2, written
// independently of fullerene's codec (PROTO, EMPTY_LIST, MARK, BINUNICODE/BINFLOAT/TUPLE2
// items, APPENDS, STOP; no memo), as carbon-relay and Python clients would send it.
std::string PickleMessage(const std::vector<Received>& datapoints);

}  // namespace fullerene::testing
