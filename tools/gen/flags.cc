#include "tools/gen/flags.h"

#include <cmath>
#include <cstdint>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/gen/name_generator.h"

namespace fullerene::gen {

const char kUsage[] =
    "usage:\n"
    "  fullerene-gen --target HOST:PORT --protocol line|pickle|udp [--connections N]\n"
    "                (--count N | --duration S) [--rate DP_PER_S] [--names N] [--depth D]\n"
    "                [--batch B] [--seed S] [--json]\n"
    "  fullerene-gen --sink line:PORT pickle:PORT udp:PORT ... [--json-out FILE]\n"
    "                [--report-interval S] [--json]\n"
    "\n"
    "Send mode writes pre-encoded datapoints to a relay, flat out or at --rate datapoints\n"
    "per second (in all, spread over the connections). Names look like\n"
    "dc1.rack07.host123.cpu.user: --names distinct ones (default 10000) of --depth\n"
    "components (default 5), the same for the same --seed. Pickle frames hold --batch items\n"
    "(default 500); UDP datagrams hold whole lines, up to 1400 bytes.\n"
    "\n"
    "Sink mode listens on 127.0.0.1 and counts the datapoints that arrive on each port,\n"
    "writing the totals as JSON to --json-out every --report-interval seconds (default 1)\n"
    "and at SIGTERM/SIGINT, then exits 0.\n"
    "\n"
    "Counts and rates take a k, M or G suffix: --count 10M --rate 250k.\n";

namespace {

absl::Status Invalid(absl::string_view flag, absl::string_view value, absl::string_view want) {
  return absl::InvalidArgumentError(absl::StrCat(flag, " ", value, ": expected ", want));
}

// "250", "250k", "10M", "1G": a non-negative decimal number with an optional power-of-ten
// suffix; fractions are allowed with a suffix ("2.5M").
bool ParseScaled(absl::string_view text, double* out) {
  double scale = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'k':
      case 'K':
        scale = 1e3;
        break;
      case 'M':
        scale = 1e6;
        break;
      case 'G':
        scale = 1e9;
        break;
      default:
        break;
    }
    if (scale != 1) {
      text.remove_suffix(1);
    }
  }
  double value = 0;
  if (text.empty() || !absl::SimpleAtod(text, &value) || !std::isfinite(value) || value < 0) {
    return false;
  }
  *out = value * scale;
  return true;
}

bool ParseCount(absl::string_view text, uint64_t min, uint64_t max, uint64_t* out) {
  double value = 0;
  if (!ParseScaled(text, &value) || value != std::floor(value) ||
      value < static_cast<double>(min) || value > static_cast<double>(max)) {
    return false;
  }
  *out = static_cast<uint64_t>(value);
  return true;
}

bool ParseSeconds(absl::string_view text, absl::Duration* out) {
  double seconds = 0;
  if (!absl::SimpleAtod(text, &seconds) || !std::isfinite(seconds) || seconds <= 0 ||
      seconds > 1e7) {
    return false;
  }
  *out = absl::Seconds(seconds);
  return true;
}

bool ParsePort(absl::string_view text, int* port) {
  return absl::SimpleAtoi(text, port) && *port >= 1 && *port <= 65535;
}

// "127.0.0.1:2003", "localhost:2003", "[::1]:2003".
bool ParseTarget(absl::string_view text, std::string* host, int* port) {
  const size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return false;
  }
  absl::string_view h = text.substr(0, colon);
  if (absl::StartsWith(h, "[") && absl::EndsWith(h, "]")) {
    h = h.substr(1, h.size() - 2);
  }
  if (h.empty() || !ParsePort(text.substr(colon + 1), port)) {
    return false;
  }
  *host = std::string(h);
  return true;
}

}  // namespace

absl::StatusOr<GenFlags> ParseFlags(const std::vector<std::string>& args) {
  GenFlags flags;
  std::set<std::string> seen;
  bool have_target = false;
  bool have_protocol = false;
  const std::set<std::string> send_flags = {"--target",   "--protocol", "--connections", "--count",
                                            "--duration", "--rate",     "--names",       "--depth",
                                            "--batch",    "--seed"};
  const std::set<std::string> sink_flags = {"--sink", "--json-out", "--report-interval"};
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (absl::StartsWith(flag, "--") && flag.find('=') != std::string::npos) {
      value = flag.substr(flag.find('=') + 1);
      flag = flag.substr(0, flag.find('='));
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      flags.mode = GenFlags::Mode::kHelp;
      return flags;
    }
    if (flag == "--json") {
      flags.json = true;
      continue;
    }
    if (send_flags.count(flag) == 0 && sink_flags.count(flag) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument '", args[i], "'"));
    }
    if (flag != "--sink" && !seen.insert(flag).second) {
      return absl::InvalidArgumentError(absl::StrCat(flag, " given twice"));
    }
    if (!has_value) {
      if (i + 1 >= args.size() || absl::StartsWith(args[i + 1], "--")) {
        return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      }
      value = args[++i];
    }
    if (flag == "--sink") {
      // One or more specs: this value and every following argument that is not a flag.
      for (;;) {
        const std::vector<absl::string_view> parts = absl::StrSplit(value, ':');
        SinkPortSpec spec;
        if (parts.size() != 2 || !ParseProtocol(parts[0], &spec.protocol) ||
            !ParsePort(parts[1], &spec.port)) {
          return Invalid(flag, value, "line:PORT, pickle:PORT or udp:PORT");
        }
        for (const SinkPortSpec& other : flags.sink.ports) {
          // line and pickle share the TCP port space, udp has its own.
          if (other.port == spec.port &&
              (other.protocol == Protocol::kUdp) == (spec.protocol == Protocol::kUdp)) {
            return Invalid(flag, value, "each port once");
          }
        }
        flags.sink.ports.push_back(spec);
        if (i + 1 >= args.size() || absl::StartsWith(args[i + 1], "--")) {
          break;
        }
        value = args[++i];
      }
    } else if (flag == "--json-out") {
      flags.sink.json_out = value;
    } else if (flag == "--report-interval") {
      if (!ParseSeconds(value, &flags.sink.report_interval)) {
        return Invalid(flag, value, "seconds > 0");
      }
    } else if (flag == "--target") {
      if (!ParseTarget(value, &flags.send.host, &flags.send.port)) {
        return Invalid(flag, value, "HOST:PORT");
      }
      have_target = true;
    } else if (flag == "--protocol") {
      if (!ParseProtocol(value, &flags.send.protocol)) {
        return Invalid(flag, value, "line, pickle or udp");
      }
      have_protocol = true;
    } else if (flag == "--connections") {
      uint64_t n = 0;
      if (!ParseCount(value, 1, 65535, &n)) {
        return Invalid(flag, value, "a number from 1 to 65535");
      }
      flags.send.connections = static_cast<int>(n);
    } else if (flag == "--count") {
      if (!ParseCount(value, 1, uint64_t{1} << 62, &flags.send.count)) {
        return Invalid(flag, value, "a positive whole number (10M, 200k, ...)");
      }
    } else if (flag == "--duration") {
      if (!ParseSeconds(value, &flags.send.duration)) {
        return Invalid(flag, value, "seconds > 0");
      }
    } else if (flag == "--rate") {
      if (!ParseScaled(value, &flags.send.rate) || flags.send.rate <= 0) {
        return Invalid(flag, value, "datapoints per second > 0");
      }
    } else if (flag == "--names") {
      if (!ParseCount(value, 1, NameGenerator::kMaxCount, &flags.send.workload.names)) {
        return Invalid(flag, value, absl::StrCat("a number from 1 to ", NameGenerator::kMaxCount));
      }
    } else if (flag == "--depth") {
      uint64_t depth = 0;
      if (!ParseCount(value, NameGenerator::kMinDepth, NameGenerator::kMaxDepth, &depth)) {
        return Invalid(flag, value,
                       absl::StrCat("a number from ", NameGenerator::kMinDepth, " to ",
                                    NameGenerator::kMaxDepth));
      }
      flags.send.workload.depth = static_cast<int>(depth);
    } else if (flag == "--batch") {
      uint64_t batch = 0;
      // 100k items are a ~6 MB frame, well past any receiver's PICKLE_RECEIVER_MAX_LENGTH.
      if (!ParseCount(value, 1, 100'000, &batch)) {
        return Invalid(flag, value, "a number from 1 to 100000");
      }
      flags.send.batch = batch;
    } else if (flag == "--seed") {
      if (!absl::SimpleAtoi(value, &flags.send.workload.seed)) {
        return Invalid(flag, value, "a non-negative whole number");
      }
    }
  }

  bool any_send = false;
  bool any_sink = false;
  for (const std::string& flag : seen) {
    any_send = any_send || send_flags.count(flag) > 0;
    any_sink = any_sink || sink_flags.count(flag) > 0;
  }
  any_sink = any_sink || !flags.sink.ports.empty();
  if (any_send && any_sink) {
    return absl::InvalidArgumentError(
        "send flags (--target, --count, ...) and sink flags (--sink, --json-out, ...) cannot "
        "be mixed: run one fullerene-gen per role");
  }
  if (any_sink) {
    if (flags.sink.ports.empty()) {
      return absl::InvalidArgumentError("sink mode needs --sink PROTOCOL:PORT ...");
    }
    flags.mode = GenFlags::Mode::kSink;
    return flags;
  }
  if (!have_target || !have_protocol) {
    return absl::InvalidArgumentError("send mode needs --target HOST:PORT and --protocol");
  }
  if ((flags.send.count > 0) == (flags.send.duration > absl::ZeroDuration())) {
    return absl::InvalidArgumentError("send mode needs exactly one of --count and --duration");
  }
  flags.mode = GenFlags::Mode::kSend;
  return flags;
}

}  // namespace fullerene::gen
