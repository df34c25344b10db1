// File: flags.h
//
// The command line of fullerene-gen, parsed into the options of its two modes:
//
//   fullerene-gen --target 127.0.0.1:2003 --protocol line|pickle|udp [--connections N]
//                 (--count N | --duration S) [--rate DP_PER_S] [--names N] [--depth D]
//                 [--batch B] [--seed S] [--json]
//   fullerene-gen --sink line:PORT pickle:PORT udp:PORT ... [--json-out FILE]
//                 [--report-interval S] [--json]
//
// Counts and rates take a k, M or G suffix (powers of ten): --count 10M, --rate 250k.
// Both `--flag value` and `--flag=value` work; --sink takes one or more specs.
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/gen/sender.h"
#include "tools/gen/sink.h"

namespace fullerene::gen {

struct GenFlags {
  enum class Mode { kSend, kSink, kHelp };
  Mode mode = Mode::kSend;
  SendOptions send;
  SinkOptions sink;
  // Print the final summary as one JSON object on stdout.
  bool json = false;
};

extern const char kUsage[];

// `args` without the program name. Errors are kInvalidArgument with a message for the user.
absl::StatusOr<GenFlags> ParseFlags(const std::vector<std::string>& args);

}  // namespace fullerene::gen
