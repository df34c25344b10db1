// File: relay_rules.h
//
// relay-rules.conf, read the way carbon 1.1.7's relayrules.py loadRelayRules() reads it
// (COMPAT §2.4, §2.5), through the same ConfigParser emulation as carbon.conf.
//
//   FULLERENE_ASSIGN_OR_RETURN(
//       config.rules, ReadRelayRules(config.relay_rules_path, config.destinations,
//                                    &config.warnings));
//
// What carbon does, and so do we:
//   * Sections are taken in the order of the file's lines that, stripped, start with '['
//     and end with ']' (carbon's OrderedConfigParser), so a [DEFAULT] section is a rule
//     too, and a bracketed continuation line names a section that does not exist.
//   * Each section needs `destinations` (possibly inherited from [DEFAULT]), split on ','
//     and parsed with ParseDestination(): a trailing comma is an error, as in carbon.
//   * `pattern` makes a pattern rule, with `continue` (getboolean, default false);
//     `pattern` together with `default` is an error. `default = true` makes the default rule;
//     `default = false` and a section with neither are ignored (their destinations must still
//     parse). Exactly one default is required.
//   * The result is the pattern rules in file order, then the default rule, wherever it was.
//   * Every error uses carbon's sentence (`No default rule defined. ...`, `Rules file <path>
//     section x does not define a 'destinations' list`, `Section d contains both 'pattern'
//     and 'default'. ...`, `Only one default rule can be specified`), prefixed with
//     "<path>:<line>: ". A missing or unreadable file is kNotFound with carbon's
//     `Error: Missing config file or wrong perms on <path>`.
//
// Where we go further than carbon:
//   * A rule destination that is not in DESTINATIONS (exact (server, port, instance)
//     equality) is dropped, as carbon does, but with a warning naming file, line and rule.
//     A destination listed twice in one rule is kept once.
//   * A rule destination may repeat `?prefix=` / `protocol=` options; each one given must
//     equal the matching DESTINATIONS entry's, or it is an error (options are configured in
//     carbon.conf; the rule only names the destination).
//   * The pattern is kept as source text with its file and line: the router compiles it
//     (with RE2, case-insensitively, unanchored, as carbon's re.I + search). An empty
//     `pattern =` is kept empty; it matches every metric, as in carbon.
//
// Stateless functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/config/config.h"
#include "core/config/config_parser.h"

namespace fullerene::core {

// Reads `path`. `destinations` is Config::destinations; RelayRule::destinations index into
// it. Warnings are appended to *warnings.
absl::StatusOr<std::vector<RelayRule>> ReadRelayRules(
    const std::string& path, const std::vector<DestinationSpec>& destinations,
    std::vector<std::string>* warnings);

// The same on an already parsed file (parser.source() names it in messages).
absl::StatusOr<std::vector<RelayRule>> ParseRelayRules(
    const ConfigParser& parser, const std::vector<DestinationSpec>& destinations,
    std::vector<std::string>* warnings);

}  // namespace fullerene::core
