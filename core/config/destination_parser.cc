// ParseDestination(): carbon's util.parseDestination (COMPAT §2.2) plus our two extensions.
//
// carbon's algorithm, reproduced exactly, including its oddities:
//   s = item.strip()
//   "[v6]:port[:instance]"  server = s[1 : s.rfind(']:')], port = s[s.rfind(']:') + 2 :]
//   otherwise               server = s[: s.find(':')],    port = s[s.find(':') + 1 :]
//   instance = everything after the first ':' of the port part ('' when it is empty), else None
//   port = int(port)  (Python int(): whitespace, sign, '_' between digits)
// Python slicing with the -1 that find() returns for "not found" gives `2004` ->
// ('200', 2004, None) and `localhost` -> int('localhost') -> error; both are kept.
//
// Extensions (decisions recorded here because the spec left them open):
//   * `?name=value&...` after the destination, split at the FIRST '?', so a host, port or
//     instance cannot contain '?'. Known names: `prefix` (prepended verbatim to every metric
//     name sent there: write the trailing dot yourself) and `protocol` (`line` or `pickle`,
//     overriding DESTINATION_PROTOCOL). An unknown or repeated name, an empty parameter, a
//     missing '=' or an empty value is an error. Values are NOT percent-decoded, and a '%' in
//     a value is refused rather than taken literally, so that nobody gets a surprise either
//     way (in carbon.conf a literal '%' would have to be written '%%' anyway). A prefix may
//     not contain whitespace, which would break the line protocol.
//   * `file:PATH` is a file destination (`file:-` is standard output): server "file:PATH",
//     port 0, no instance, always the line protocol (DESTINATION_PROTOCOL does not apply and
//     `protocol=pickle` is an error); `?prefix=` works as above. PATH is kept as written,
//     relative paths being relative to the working directory. A carbon host literally named
//     "file" cannot be written host:port any more; use its address or a longer name.
//   * `tls://...` is refused: TLS destinations are not supported yet.
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/config/config.h"
#include "core/config/config_parser.h"

namespace fullerene::core {
namespace {

constexpr absl::string_view kFilePrefix = "file:";
constexpr absl::string_view kTlsPrefix = "tls://";

// Python's s[start:stop] for 0 <= start and -1 <= stop (find()'s "not found").
absl::string_view PySlice(absl::string_view s, ptrdiff_t start, ptrdiff_t stop) {
  const auto size = static_cast<ptrdiff_t>(s.size());
  if (stop < 0) {
    stop += size;
  }
  start = std::min(start, size);
  stop = std::clamp<ptrdiff_t>(stop, 0, size);
  if (start >= stop) {
    return absl::string_view();
  }
  return s.substr(static_cast<size_t>(start), static_cast<size_t>(stop - start));
}

ptrdiff_t PyFind(size_t pos) {
  return pos == absl::string_view::npos ? -1 : static_cast<ptrdiff_t>(pos);
}

absl::Status Invalid(absl::string_view item, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("destination ", python::Repr(item), ": ", why));
}

struct UrlOptions {
  std::optional<std::string> prefix;
  std::optional<WireProtocol> protocol;
};

absl::StatusOr<UrlOptions> ParseQuery(absl::string_view item, absl::string_view query) {
  UrlOptions options;
  if (query.empty()) {
    return Invalid(item, "nothing follows '?' (expected prefix=P and/or protocol=line|pickle)");
  }
  for (absl::string_view param : absl::StrSplit(query, '&')) {
    if (param.empty()) {
      return Invalid(item, "empty option between '&' separators");
    }
    const size_t eq = param.find('=');
    if (eq == absl::string_view::npos) {
      return Invalid(
          item, absl::StrCat("option ", python::Repr(param), " has no value (write name=value)"));
    }
    const absl::string_view name = param.substr(0, eq);
    const absl::string_view value = param.substr(eq + 1);
    if (value.empty()) {
      return Invalid(item, absl::StrCat("option ", python::Repr(name), " has an empty value"));
    }
    if (absl::StrContains(value, '%')) {
      return Invalid(item, absl::StrCat("option ", python::Repr(name),
                                        " contains '%': values are taken literally and "
                                        "percent-encoding is not supported"));
    }
    if (name == "prefix") {
      if (options.prefix.has_value()) {
        return Invalid(item, "option 'prefix' is given twice");
      }
      for (char c : value) {
        if (python::IsSpace(static_cast<unsigned char>(c))) {
          return Invalid(item,
                         "the prefix contains whitespace, which would split the "
                         "metric name in the line protocol");
        }
      }
      options.prefix = std::string(value);
    } else if (name == "protocol") {
      if (options.protocol.has_value()) {
        return Invalid(item, "option 'protocol' is given twice");
      }
      if (value == "line") {
        options.protocol = WireProtocol::kLine;
      } else if (value == "pickle") {
        options.protocol = WireProtocol::kPickle;
      } else {
        return Invalid(item,
                       absl::StrCat("protocol must be line or pickle, not ", python::Repr(value)));
      }
    } else {
      return Invalid(item, absl::StrCat("unknown option ", python::Repr(name),
                                        " (known options: prefix, protocol)"));
    }
  }
  return options;
}

}  // namespace

absl::StatusOr<DestinationSpec> ParseDestination(const std::string& item,
                                                 WireProtocol default_protocol) {
  const absl::string_view s = python::Strip(item);
  if (s.empty()) {
    return absl::InvalidArgumentError(
        "empty destination (a trailing comma, two commas in a row or an empty value?); "
        "carbon stops with: invalid literal for int() with base 10: ''");
  }
  if (absl::StartsWith(s, kTlsPrefix)) {
    return Invalid(s, "TLS destinations (tls://) are not supported yet");
  }

  absl::string_view base = s;
  UrlOptions options;
  if (const size_t question = s.find('?'); question != absl::string_view::npos) {
    base = python::RStrip(s.substr(0, question));
    absl::StatusOr<UrlOptions> parsed = ParseQuery(s, s.substr(question + 1));
    if (!parsed.ok()) {
      return parsed.status();
    }
    options = *std::move(parsed);
  }

  DestinationSpec spec;
  spec.text = std::string(s);
  spec.prefix = options.prefix.value_or("");

  if (absl::StartsWith(base, kFilePrefix)) {
    const absl::string_view path = base.substr(kFilePrefix.size());
    if (path.empty()) {
      return Invalid(s,
                     "a file destination needs a path: file:PATH, or file:- for "
                     "standard output");
    }
    if (options.protocol.value_or(WireProtocol::kLine) != WireProtocol::kLine) {
      return Invalid(s, "a file destination always writes the line protocol");
    }
    spec.server = std::string(base);
    spec.port = 0;
    spec.protocol = WireProtocol::kLine;
    spec.file_path = std::string(path);
    return spec;
  }

  absl::string_view server;
  absl::string_view port;
  if (absl::StartsWith(base, "[")) {
    const ptrdiff_t bidx = PyFind(base.rfind("]:"));
    server = PySlice(base, 1, bidx);
    port = PySlice(base, bidx + 2, static_cast<ptrdiff_t>(base.size()));
  } else {
    const ptrdiff_t cidx = PyFind(base.find(':'));
    server = PySlice(base, 0, cidx);
    port = PySlice(base, cidx + 1, static_cast<ptrdiff_t>(base.size()));
  }
  if (const size_t colon = port.find(':'); colon != absl::string_view::npos) {
    spec.instance = std::string(port.substr(colon + 1));
    port = port.substr(0, colon);
  }
  const std::optional<python::PythonInt> number = python::ParseInt(port);
  if (!number.has_value()) {
    return Invalid(s, absl::StrCat("the port ", python::Repr(port),
                                   " is not an integer (carbon stops with: invalid literal "
                                   "for int() with base 10: ",
                                   python::Repr(port), ")"));
  }
  if (!number->value.has_value()) {
    return Invalid(s, absl::StrCat("the port ", number->decimal, " is out of range"));
  }
  spec.server = std::string(server);
  spec.port = *number->value;
  spec.protocol = options.protocol.value_or(default_protocol);
  return spec;
}

}  // namespace fullerene::core
