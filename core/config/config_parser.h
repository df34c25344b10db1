// File: config_parser.h
//
// ConfigParser reproduces Python 3's `configparser.ConfigParser()` with its default options,
// which is what carbon uses for carbon.conf and relay-rules.conf (COMPAT §2.1, §2.4). Every
// rule below was checked against CPython 3.11's Lib/configparser.py, and the cases in
// tests/core/config/config_parser_test.cc were cross-checked against the real module:
//
//   * The file is UTF-8, read with universal newlines: "\n", "\r\n" and a lone "\r" all end
//     a line. Invalid UTF-8 is an error, as Python's decoder raises on it. A byte order mark
//     is not whitespace, so "\ufeff[relay]" is MissingSectionHeaderError, as in Python.
//   * A line whose stripped text starts with '#' or ';' is a comment, indented or not. There
//     are no inline comments: `DESTINATIONS = a:1 # x` keeps "a:1 # x".
//   * A section header is a stripped line starting with '[' that has a ']' after at least one
//     character; the name runs to the LAST ']' and anything after it is ignored
//     ("[relay] x" is section "relay", "[a]b]" is "a]b"). Names are case-sensitive.
//     `[DEFAULT]` is inherited by every section and is not itself a section.
//   * An option line splits at the first '=' or ':'; the key is stripped and lower-cased
//     (optionxform), the value stripped. A line with neither is a ParsingError; so is an
//     empty key (allow_no_value=False).
//   * A line indented deeper than the line that started the current option continues its
//     value (joined with "\n"). Blank lines inside a value are kept (empty_lines_in_values),
//     trailing ones dropped; comment lines inside a value are skipped. Indentation is counted
//     in characters of Unicode whitespace, as Python does.
//   * strict=True: a section or a key repeated in one file is DuplicateSectionError /
//     DuplicateOptionError. `[DEFAULT]` may appear twice, but not its keys.
//   * Non-fatal ParsingErrors are collected and reported at the end of the file, as Python
//     does, unless a fatal error (missing section header, duplicate) comes first.
//   * Get() applies BasicInterpolation: "%%" is "%", "%(name)s" is the (interpolated) value
//     of `name` in the same section or DEFAULT, recursively up to 10 levels; any other '%'
//     is InterpolationSyntaxError, an unknown name InterpolationMissingOptionError.
//
// Every error is kInvalidArgument and reads "<file>:<line>: <what>", naming configparser's
// exception, e.g.
//   /etc/carbon/carbon.conf:7: option 'destinations' in section 'relay' already exists
//   (configparser DuplicateOptionError; first set on line 5)
//
// Deliberate divergences, none reachable by a carbon.conf that carbon itself accepts:
//   * optionxform lower-cases ASCII and Latin-1 letters only (Python lower-cases all of
//     Unicode), so two non-Latin spellings of one key are not reported as duplicates.
//   * Interpolation stops with an error after 1,000,000 substitutions or 1 MiB of output,
//     where Python would run out of memory or time (a hostile value can nest ten levels of
//     fan-out).
//
// The `python` namespace at the end holds the Python str semantics that carbon's settings
// rest on (strip(), int(), float(), repr()), shared with carbon_conf.cc and the destination
// parser.
//
// Thread-compatible value type; immutable after ReadFile()/ReadString().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fullerene::core {

class ConfigParser {
 public:
  // configparser's name for the inherited section.
  static constexpr absl::string_view kDefaultSection = "DEFAULT";

  // A stripped line that starts with '[' and ends with ']': carbon's OrderedConfigParser
  // takes the section order of relay-rules.conf from these lines (COMPAT §2.4), including
  // `[DEFAULT]` and bracketed lines that are really continuation lines of a value.
  struct BracketLine {
    std::string name;  // the text between the brackets
    int line = 0;
  };

  // Reads and parses a file. kNotFound when it cannot be opened or read.
  static absl::StatusOr<ConfigParser> ReadFile(const std::string& path);
  // Parses `text` as if read from a file named `source` (used in messages).
  static absl::StatusOr<ConfigParser> ReadString(absl::string_view text, std::string source);

  const std::string& source() const { return source_; }

  // configparser's sections(): every section but DEFAULT, in file order.
  std::vector<std::string> Sections() const;
  // has_section(): false for DEFAULT, as in Python.
  bool HasSection(absl::string_view section) const;
  // Line of the header of `section` (the first `[DEFAULT]` for DEFAULT); 0 if absent.
  int SectionLine(absl::string_view section) const;
  // has_option(): looks in `section` and DEFAULT; an empty section name or DEFAULT looks in
  // DEFAULT only; false for a missing section. `option` is lower-cased first.
  bool HasOption(absl::string_view section, absl::string_view option) const;
  // The keys items(section) yields, in its order: DEFAULT's keys, then the section's own.
  std::vector<std::string> OptionNames(absl::string_view section) const;
  // Line where the value Get() would use was written (the section's own key wins over
  // DEFAULT's); 0 when there is none.
  int OptionLine(absl::string_view section, absl::string_view option) const;

  // get(section, option) with BasicInterpolation. Errors name the file and line.
  absl::StatusOr<std::string> Get(absl::string_view section, absl::string_view option) const;
  // The raw value, without interpolation (get(..., raw=True)).
  std::optional<std::string> GetRaw(absl::string_view section, absl::string_view option) const;
  // getboolean(): 1/yes/true/on and 0/no/false/off, case-insensitive; otherwise an error
  // containing Python's "Not a boolean: <value>".
  absl::StatusOr<bool> GetBoolean(absl::string_view section, absl::string_view option) const;

  const std::vector<BracketLine>& BracketLines() const { return bracket_lines_; }

  // RawConfigParser.BOOLEAN_STATES lookup of value.lower(): nullopt for anything else.
  static std::optional<bool> ParseBoolean(absl::string_view value);
  // optionxform(): Python's str.lower() (see the divergence above).
  static std::string OptionXform(absl::string_view option);

 private:
  struct Option {
    std::string name;
    std::string value;  // joined, before interpolation
    int line = 0;
  };
  struct Section {
    std::string name;
    int line = 0;
    std::vector<Option> options;  // file order
    absl::flat_hash_map<std::string, size_t> index;

    const Option* Find(absl::string_view option) const;
  };
  class Reader;
  class Interpolator;

  const Section* FindSection(absl::string_view section) const;
  // The option get(section, option) sees (the section's own, else DEFAULT's), or nullptr.
  const Option* Lookup(absl::string_view section, absl::string_view option) const;

  std::string source_;
  Section defaults_;
  std::vector<Section> sections_;  // without DEFAULT, in file order
  absl::flat_hash_map<std::string, size_t> section_index_;
  std::vector<BracketLine> bracket_lines_;
};

// Python 3 str semantics on UTF-8 text.
namespace python {

// str.isspace() for one code point.
bool IsSpace(uint32_t code_point);
// str.strip(), str.lstrip(), str.rstrip() with no argument: Unicode whitespace.
absl::string_view Strip(absl::string_view text);
absl::string_view LStrip(absl::string_view text);
absl::string_view RStrip(absl::string_view text);

// The result of int(text) for a str, base 10.
struct PythonInt {
  std::optional<int64_t> value;  // nullopt when the int does not fit in int64
  std::string decimal;           // str(int(text)): "-12", "1000"
};
// int(text): surrounding whitespace, one optional sign, ASCII digits with single '_' between
// them ("1_000"), leading zeros allowed. Returns nullopt where Python raises ValueError.
// Python also accepts non-ASCII decimal digits; we do not.
std::optional<PythonInt> ParseInt(absl::string_view text);

// float(text): surrounding whitespace, sign, decimal or exponent forms with '_' between
// digits, "inf"/"infinity"/"nan" in any case; 1e400 is inf. Rejects "0x10", "1,5", "".
// Returns nullopt where Python raises ValueError.
std::optional<double> ParseFloat(absl::string_view text);

// repr(x) for a float: "1000.0", "0.1", "1e+16", "inf", "nan".
std::string FloatRepr(double x);

// repr(s) for a str: quotes chosen as Python does, backslash escapes for quotes, backslash,
// control and other non-printable characters (\xhh, \uhhhh, \Uhhhhhhhh); printable
// characters, non-ASCII ones included, are kept as they are.
std::string Repr(absl::string_view text);

}  // namespace python
}  // namespace fullerene::core
