// File: rules_router.h
//
// The router for RELAY_METHOD = rules: carbon 1.1.7's RelayRulesRouter over relay-rules.conf
// (COMPAT §2.4).
//
//   for rule in pattern rules in file order, then the default rule:
//     if rule.pattern is found anywhere in the metric, ignoring case (re.I + re.search):
//       yield rule's destinations (the loader kept only those in DESTINATIONS)
//       if not rule.continue: stop
//
// Destinations come out de-duplicated in first-yield order. The default rule matches every
// metric and never continues (carbon builds it without `continue`). A Config without a default
// rule is not refused here (the loader refuses it with carbon's message); metrics that match no
// rule then route nowhere.
//
// Patterns are Python `re` syntax; we match them with RE2 (RE2::Options case_sensitive=false,
// unanchored), after rewriting the Python spellings that RE2 writes differently into RE2 ones
// with the same meaning:
//
//   Python                      RE2 we compile                 why
//   \Z                          \z                             RE2's \Z does not exist
//   $ (without MULTILINE)       (?:\n?\z)                      Python's $ also matches before
//                                                              a final newline
//   \d \D                       \p{Nd} \P{Nd}                  Python 3 str patterns are Unicode
//   \w \W                       [\p{L}\p{N}_] [^\p{L}\p{N}_]   (RE2's shorthands are ASCII-only)
//   \s \S                       Python's 29 whitespace code points, spelled out
//   [..\W..]                    (?:[..]|[^\p{L}\p{N}_])        no class-in-class in RE2
//   [^\W..] e.g. [^\W\d_]       [\p{L}\p{Nl}\p{No}]            the difference, by category
//   \uXXXX \UXXXXXXXX \0 \ooo   \x{...}                        RE2 has no \u and no octal
//   [\b]                        \x{8}                          backspace inside a set
//   x{,n}  x{,}                 x{0,n}  x{0,}                  RE2 reads "{,n}" as literal text
//   { that is no quantifier     \{                             e.g. "a{", "a{x}", "{}"
//   [[:x:]]                     \[ \: ...                      Python has no POSIX classes
//   (?P<name>...)               (...)                          names only serve backreferences
//   (?#comment)                 (nothing)
//   (?x) / (?x:...) verbose     whitespace and # comments removed
//   (?u) (?u:...)               (nothing)                      Unicode is the default
//   (?m) (?s) (?i) (?-i:...)    the same flags
//
// Refused at start-up, with the rules file, line, section, pattern and reason, because RE2
// cannot match them (RE2 guarantees linear time and has no backtracking):
//   backreferences \1..\99 and (?P=name); lookahead (?=...) (?!...); lookbehind (?<=...)
//   (?<!...); conditionals (?(1)...|...); atomic groups (?>...); possessive quantifiers *+ ++
//   ?+ {m,n}+; the ASCII flag (?a) (RE2 cannot fold case by ASCII rules only); (?t); \N{NAME}
//   (no Unicode name table here); \W in a negated set together with letters, digits or
//   non-ASCII characters (RE2 has no set difference, and we have no Unicode tables); repeat
//   counts above 1000, or nested repeats whose counts multiply past 1000 (RE2's limits; RE2
//   reports the latter itself).
// Refused because Python refuses them too (carbon stops with re.error): bad escapes such as
// \e or \z, "nothing to repeat", "multiple repeat", unbalanced parentheses, bad ranges, global
// flags not at the start, and the like.
//
// Known differences that remain (a differential run of 44,000 random patterns and names
// against Python 3.11 found no others): RE2's \b and \B are ASCII-only where Python's are
// Unicode-aware, so they disagree when a non-ASCII letter or digit touches the boundary, and
// RE2's \B matches in an empty name where Python's does not. A `$` followed by something that
// must itself match the final newline (e.g. "a$\n") misses a name ending in "\n", which only
// pickle can deliver.
//
// Pattern rules are looked up through a tree of RE2::Sets, so a metric costs about log2(n)
// RE2 searches rather than one per rule (rules_router.cc, PatternSearch).
//
// Thread-compatible; the router is immutable after creation and Route() allocates nothing.
// Each worker creates its own: RE2 guards its lazily built DFA cache with a reader lock, which
// stays uncontended that way.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/config/config.h"
#include "core/route/router.h"

namespace fullerene::core {

// Uses config.rules and the size of config.destinations. Fails with kInvalidArgument when a
// pattern cannot be matched as carbon would, e.g.
//   relay-rules.conf:7: [web] pattern = ^(?!test): negative lookahead (?!...) at offset 1 is
//   not supported; fullerene matches relay rules with RE2, which does not support Python's
//   backreferences or lookaround ...
absl::StatusOr<std::unique_ptr<Router>> CreateRulesRouter(const Config& config);

// Rewrites a Python `re` pattern into RE2 syntax with the same meaning, as the table above
// says. Errors: kUnimplemented for Python constructs RE2 cannot express, kInvalidArgument
// for patterns Python itself rejects; the message says what and at which byte offset.
absl::StatusOr<std::string> TranslatePythonRegex(absl::string_view pattern);

}  // namespace fullerene::core
