// fullerene-gen: the traffic generator and counting sink for load-testing Graphite relays.
//
//   fullerene-gen --target 127.0.0.1:2003 --protocol line --connections 8 --count 10M
//   fullerene-gen --sink line:2103 pickle:2104 --json-out /tmp/sink.json
//
// See tools/gen/flags.h (or --help) for every flag, sender.h and sink.h for how each mode
// works. Exit status: 0 when everything asked for was done (a sink: after SIGTERM/SIGINT),
// 1 when it could not start or a send fell short, 2 for a bad command line.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tools/gen/flags.h"
#include "tools/gen/progress_line.h"
#include "tools/gen/sender.h"
#include "tools/gen/sink.h"

namespace {

using fullerene::gen::GenFlags;
using fullerene::gen::ProgressLine;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "fullerene-gen: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const absl::StatusOr<GenFlags> flags =
      fullerene::gen::ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) {
    std::fprintf(stderr, "fullerene-gen: %s\n\n%s", std::string(flags.status().message()).c_str(),
                 fullerene::gen::kUsage);
    return 2;
  }
  if (flags->mode == GenFlags::Mode::kHelp) {
    std::fputs(fullerene::gen::kUsage, stdout);
    return 0;
  }
  // A write to a connection the peer closed must be an error (EPIPE), not a fatal signal.
  signal(SIGPIPE, SIG_IGN);
  ProgressLine progress(ProgressLine::StderrIsTerminal());

  if (flags->mode == GenFlags::Mode::kSink) {
    const absl::StatusOr<fullerene::gen::SinkReport> report =
        fullerene::gen::RunSink(flags->sink, progress);
    if (!report.ok()) {
      return Fail(report.status());
    }
    std::fprintf(stderr, "fullerene-gen: %s\n", report->ToText().c_str());
    if (flags->json) {
      std::printf("%s\n", report->ToJson().c_str());
    }
    return 0;
  }

  const absl::StatusOr<fullerene::gen::SendReport> report =
      fullerene::gen::RunSender(flags->send, progress);
  if (!report.ok()) {
    return Fail(report.status());
  }
  std::fprintf(stderr, "fullerene-gen: %s\n", report->ToText().c_str());
  if (flags->json) {
    std::printf("%s\n", report->ToJson().c_str());
  }
  return report->complete() ? 0 : 1;
}
