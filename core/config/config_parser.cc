#include "core/config/config_parser.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/base/python_float.h"
#include "core/base/status_macros.h"

namespace fullerene::core {
namespace {

// configparser's MAX_INTERPOLATION_DEPTH.
constexpr int kMaxInterpolationDepth = 10;
// Our bounds on one Get(), far above anything a real carbon.conf needs (see the header).
constexpr int64_t kMaxInterpolationSteps = 1000000;
constexpr size_t kMaxInterpolatedSize = 1 << 20;

// Decodes the UTF-8 sequence at text[pos]. Returns its length and sets *code_point; a
// malformed sequence counts as one byte with code point 0xFFFD.
size_t DecodeUtf8(absl::string_view text, size_t pos, uint32_t* code_point) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  size_t len = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  } else if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    cp = b0 & 0x1f;
    min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    cp = b0 & 0x0f;
    min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  }
  if (len == 0 || pos + len > text.size()) {
    *code_point = 0xfffd;
    return 1;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[pos + k]);
    if ((b & 0xc0) != 0x80) {
      *code_point = 0xfffd;
      return 1;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    *code_point = 0xfffd;
    return 1;
  }
  *code_point = cp;
  return len;
}

// Offset of the first byte that is not valid UTF-8 (Python's strict decoder), or npos.
size_t FirstInvalidUtf8(absl::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(text, pos, &cp);
    if (cp == 0xfffd && len == 1) {
      return pos;
    }
    pos += len;
  }
  return absl::string_view::npos;
}

// Start of the code point that ends at text[end] (exclusive), for scanning backwards.
size_t PreviousCodePointStart(absl::string_view text, size_t end) {
  size_t start = end - 1;
  const size_t limit = end >= 4 ? end - 4 : 0;
  while (start > limit && (static_cast<unsigned char>(text[start]) & 0xc0) == 0x80) {
    --start;
  }
  uint32_t cp = 0;
  if (start + DecodeUtf8(text, start, &cp) != end) {
    return end - 1;  // malformed: step back one byte
  }
  return start;
}

bool IsSpaceAt(absl::string_view text, size_t pos, size_t* len) {
  uint32_t cp = 0;
  *len = DecodeUtf8(text, pos, &cp);
  return python::IsSpace(cp);
}

// Splits like Python's text-mode file iteration with universal newlines.
std::vector<absl::string_view> SplitLines(absl::string_view text) {
  std::vector<absl::string_view> lines;
  size_t start = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '\n' || c == '\r') {
      lines.push_back(text.substr(start, pos - start));
      pos += (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ? 2 : 1;
      start = pos;
    } else {
      ++pos;
    }
  }
  if (start < text.size()) {
    lines.push_back(text.substr(start));
  }
  return lines;
}

// NONSPACECRE.search(line).start(): the indent in characters, not bytes.
int IndentLevel(absl::string_view line) {
  int level = 0;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t len = 0;
    if (!IsSpaceAt(line, pos, &len)) {
      break;
    }
    pos += len;
    ++level;
  }
  return level;
}

}  // namespace

// ----------------------------------------------------------------------------------------
// Reading: RawConfigParser._read.

class ConfigParser::Reader {
 public:
  explicit Reader(ConfigParser* parser) : parser_(parser) {}

  absl::Status Read(absl::string_view text) {
    const size_t bad = FirstInvalidUtf8(text);
    if (bad != absl::string_view::npos) {
      int line = 1;
      for (size_t i = 0; i < bad; ++i) {
        // Count line ends the way SplitLines() does.
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
          ++line;
        }
      }
      return absl::InvalidArgumentError(
          absl::StrCat(parser_->source_, ":", line, ": the file is not valid UTF-8 (byte 0x",
                       absl::Hex(static_cast<unsigned char>(text[bad]), absl::kZeroPad2),
                       " at offset ", bad, "); carbon's Python fails to decode it too"));
    }
    const std::vector<absl::string_view> lines = SplitLines(text);
    for (size_t i = 0; i < lines.size(); ++i) {
      FULLERENE_RETURN_IF_ERROR(ReadLine(static_cast<int>(i) + 1, lines[i]));
    }
    return ParsingErrorStatus();
  }

 private:
  static constexpr int kNoSection = -1;
  static constexpr int kDefaults = -2;

  Section& Current() {
    return cursect_ == kDefaults ? parser_->defaults_ : parser_->sections_[cursect_];
  }

  absl::Status ReadLine(int lineno, absl::string_view line) {
    const absl::string_view stripped = python::Strip(line);
    if (stripped.size() >= 2 && stripped.front() == '[' && stripped.back() == ']') {
      parser_->bracket_lines_.push_back(
          {std::string(stripped.substr(1, stripped.size() - 2)), lineno});
    }
    const bool comment = absl::StartsWith(stripped, "#") || absl::StartsWith(stripped, ";");
    const absl::string_view value = comment ? absl::string_view() : stripped;
    if (value.empty()) {
      // empty_lines_in_values: a blank line (not a comment) belongs to the current value.
      if (!comment && cursect_ != kNoSection && current_option_ >= 0 && !OptionName().empty()) {
        pieces_[Key()].push_back("");
      }
      return absl::OkStatus();
    }
    const int indent = IndentLevel(line);
    if (cursect_ != kNoSection && current_option_ >= 0 && !OptionName().empty() &&
        indent > indent_level_) {
      pieces_[Key()].push_back(std::string(value));
      return absl::OkStatus();
    }
    indent_level_ = indent;
    const size_t close = value.rfind(']');
    if (value.front() == '[' && close != absl::string_view::npos && close >= 2) {
      return StartSection(lineno, std::string(value.substr(1, close - 1)));
    }
    if (cursect_ == kNoSection) {
      return absl::InvalidArgumentError(absl::StrCat(
          parser_->source_, ":", lineno, ": File contains no section headers: ", python::Repr(line),
          " comes before any [section] line (configparser MissingSectionHeaderError)",
          absl::StartsWith(line, "\xef\xbb\xbf") ? "; the file starts with a byte order mark"
                                                 : ""));
    }
    return ReadOption(lineno, line, value);
  }

  absl::Status StartSection(int lineno, std::string name) {
    current_option_ = -1;
    if (name == kDefaultSection) {
      cursect_ = kDefaults;
      if (parser_->defaults_.line == 0) {
        parser_->defaults_.line = lineno;
      }
      return absl::OkStatus();
    }
    const auto it = parser_->section_index_.find(name);
    if (it != parser_->section_index_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          parser_->source_, ":", lineno, ": section ", python::Repr(name),
          " already exists (configparser DuplicateSectionError; first defined on line ",
          parser_->sections_[it->second].line, ")"));
    }
    cursect_ = static_cast<int>(parser_->sections_.size());
    parser_->section_index_.emplace(name, parser_->sections_.size());
    Section section;
    section.name = std::move(name);
    section.line = lineno;
    parser_->sections_.push_back(std::move(section));
    return absl::OkStatus();
  }

  absl::Status ReadOption(int lineno, absl::string_view line, absl::string_view value) {
    const size_t delimiter = value.find_first_of("=:");
    if (delimiter == absl::string_view::npos) {
      RecordParsingError(lineno, line, "it has no '=' or ':' between a key and a value");
      return absl::OkStatus();
    }
    const absl::string_view raw_name = python::RStrip(value.substr(0, delimiter));
    if (raw_name.empty()) {
      // Python records the error and still stores the option under the empty name.
      RecordParsingError(lineno, line, "the key before the separator is empty");
    }
    std::string name = OptionXform(raw_name);
    Section& section = Current();
    if (const Option* existing = section.Find(name); existing != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(parser_->source_, ":", lineno, ": option ", python::Repr(name),
                       " in section ", python::Repr(section.name),
                       " already exists (configparser DuplicateOptionError; first set on line ",
                       existing->line, ")"));
    }
    Option option;
    option.name = name;
    option.line = lineno;
    section.index.emplace(name, section.options.size());
    section.options.push_back(std::move(option));
    current_option_ = static_cast<int>(section.options.size()) - 1;
    pieces_[Key()].push_back(std::string(python::Strip(value.substr(delimiter + 1))));
    return absl::OkStatus();
  }

  void RecordParsingError(int lineno, absl::string_view line, absl::string_view why) {
    if (parsing_errors_.empty()) {
      first_parsing_error_ =
          absl::StrCat(parser_->source_, ":", lineno, ": cannot parse ", python::Repr(line), ": ",
                       why, " (configparser ParsingError)");
    }
    parsing_errors_.push_back(lineno);
  }

  absl::Status ParsingErrorStatus() {
    JoinValues();
    if (parsing_errors_.empty()) {
      return absl::OkStatus();
    }
    std::string message = first_parsing_error_;
    if (parsing_errors_.size() > 1) {
      absl::StrAppend(&message, "; lines ",
                      absl::StrJoin(parsing_errors_.begin() + 1, parsing_errors_.end(), ", "),
                      " cannot be parsed either");
    }
    return absl::InvalidArgumentError(message);
  }

  // _join_multiline_values: "\n".join(pieces).rstrip().
  void JoinValues() {
    for (auto& [key, pieces] : pieces_) {
      Section& section =
          key.first == kDefaults ? parser_->defaults_ : parser_->sections_[key.first];
      section.options[key.second].value = std::string(python::RStrip(absl::StrJoin(pieces, "\n")));
    }
  }

  const std::string& OptionName() { return Current().options[current_option_].name; }
  std::pair<int, int> Key() const { return {cursect_, current_option_}; }

  ConfigParser* parser_;
  int cursect_ = kNoSection;
  int current_option_ = -1;  // index into Current().options of `optname`, -1 for None
  int indent_level_ = 0;
  absl::flat_hash_map<std::pair<int, int>, std::vector<std::string>> pieces_;
  std::vector<int> parsing_errors_;
  std::string first_parsing_error_;
};

absl::StatusOr<ConfigParser> ConfigParser::ReadFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  std::string contents;
  char buf[65536];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n == 0) {
      break;
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int error = errno;
      close(fd);
      return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(error)));
    }
    contents.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return ReadString(contents, path);
}

absl::StatusOr<ConfigParser> ConfigParser::ReadString(absl::string_view text, std::string source) {
  ConfigParser parser;
  parser.source_ = std::move(source);
  parser.defaults_.name = std::string(kDefaultSection);
  Reader reader(&parser);
  absl::Status status = reader.Read(text);
  if (!status.ok()) {
    return status;
  }
  return parser;
}

// ----------------------------------------------------------------------------------------
// Lookups.

const ConfigParser::Option* ConfigParser::Section::Find(absl::string_view option) const {
  const auto it = index.find(option);
  return it == index.end() ? nullptr : &options[it->second];
}

const ConfigParser::Section* ConfigParser::FindSection(absl::string_view section) const {
  const auto it = section_index_.find(section);
  return it == section_index_.end() ? nullptr : &sections_[it->second];
}

std::vector<std::string> ConfigParser::Sections() const {
  std::vector<std::string> names;
  names.reserve(sections_.size());
  for (const Section& section : sections_) {
    names.push_back(section.name);
  }
  return names;
}

bool ConfigParser::HasSection(absl::string_view section) const {
  return FindSection(section) != nullptr;
}

int ConfigParser::SectionLine(absl::string_view section) const {
  if (section == kDefaultSection) {
    return defaults_.line;
  }
  const Section* found = FindSection(section);
  return found == nullptr ? 0 : found->line;
}

const ConfigParser::Option* ConfigParser::Lookup(absl::string_view section,
                                                 absl::string_view option) const {
  const std::string name = OptionXform(option);
  if (section.empty() || section == kDefaultSection) {
    return defaults_.Find(name);
  }
  const Section* found = FindSection(section);
  if (found == nullptr) {
    return nullptr;
  }
  const Option* own = found->Find(name);
  return own != nullptr ? own : defaults_.Find(name);
}

bool ConfigParser::HasOption(absl::string_view section, absl::string_view option) const {
  return Lookup(section, option) != nullptr;
}

std::vector<std::string> ConfigParser::OptionNames(absl::string_view section) const {
  std::vector<std::string> names;
  for (const Option& option : defaults_.options) {
    names.push_back(option.name);
  }
  if (section == kDefaultSection) {
    return names;
  }
  const Section* found = FindSection(section);
  if (found == nullptr) {
    return {};
  }
  for (const Option& option : found->options) {
    if (defaults_.Find(option.name) == nullptr) {
      names.push_back(option.name);
    }
  }
  return names;
}

int ConfigParser::OptionLine(absl::string_view section, absl::string_view option) const {
  const Option* found = Lookup(section, option);
  return found == nullptr ? 0 : found->line;
}

std::optional<std::string> ConfigParser::GetRaw(absl::string_view section,
                                                absl::string_view option) const {
  const Option* found = Lookup(section, option);
  if (found == nullptr) {
    return std::nullopt;
  }
  return found->value;
}

// ----------------------------------------------------------------------------------------
// BasicInterpolation._interpolate_some.

class ConfigParser::Interpolator {
 public:
  Interpolator(const ConfigParser& parser, absl::string_view section, const Option& option)
      : parser_(parser), section_(section), option_(option) {}

  absl::StatusOr<std::string> Run() {
    std::string out;
    absl::Status status = Expand(option_.value, 1, &out);
    if (!status.ok()) {
      return status;
    }
    return out;
  }

 private:
  absl::Status Expand(absl::string_view rest, int depth, std::string* out) {
    if (depth > kMaxInterpolationDepth) {
      return Error(absl::StrCat("Recursion limit exceeded in value substitution: option ",
                                python::Repr(option_.name), " in section ", python::Repr(section_),
                                " contains an interpolation key which cannot be substituted in ",
                                kMaxInterpolationDepth,
                                " steps. Raw value: ", python::Repr(option_.value),
                                " (configparser InterpolationDepthError)"));
    }
    while (!rest.empty()) {
      if (++steps_ > kMaxInterpolationSteps || out->size() > kMaxInterpolatedSize) {
        return Error(absl::StrCat("value substitution in option ", python::Repr(option_.name),
                                  " of section ", python::Repr(section_),
                                  " expands beyond 1 MiB or 1000000 steps"));
      }
      const size_t p = rest.find('%');
      if (p == absl::string_view::npos) {
        out->append(rest.data(), rest.size());
        return absl::OkStatus();
      }
      out->append(rest.data(), p);
      rest.remove_prefix(p);
      const char next = rest.size() > 1 ? rest[1] : '\0';
      if (rest.size() > 1 && next == '%') {
        out->push_back('%');
        rest.remove_prefix(2);
      } else if (rest.size() > 1 && next == '(') {
        // _KEYCRE: %\(([^)]+)\)s
        const size_t close = rest.find(')');
        if (close == absl::string_view::npos || close < 3 || close + 1 >= rest.size() ||
            rest[close + 1] != 's') {
          return SyntaxError(
              absl::StrCat("bad interpolation variable reference ", python::Repr(rest)));
        }
        const std::string var = OptionXform(rest.substr(2, close - 2));
        rest.remove_prefix(close + 2);
        const Option* value = parser_.Lookup(section_, var);
        if (value == nullptr) {
          return Error(absl::StrCat(
              "Bad value substitution: option ", python::Repr(option_.name), " in section ",
              python::Repr(section_), " contains an interpolation key ", python::Repr(var),
              " which is not a valid option name. Raw value: ", python::Repr(option_.value),
              " (configparser InterpolationMissingOptionError)"));
        }
        if (value->value.find('%') != std::string::npos) {
          absl::Status status = Expand(value->value, depth + 1, out);
          if (!status.ok()) {
            return status;
          }
        } else {
          out->append(value->value);
        }
      } else {
        return SyntaxError(
            absl::StrCat("'%' must be followed by '%' or '(', found: ", python::Repr(rest)));
      }
    }
    return absl::OkStatus();
  }

  absl::Status SyntaxError(absl::string_view what) {
    return Error(absl::StrCat(what, " (configparser InterpolationSyntaxError in option ",
                              python::Repr(option_.name), " of section ", python::Repr(section_),
                              "; write a literal % as %%)"));
  }

  absl::Status Error(absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(parser_.source_, ":", option_.line, ": ", what));
  }

  const ConfigParser& parser_;
  absl::string_view section_;
  const Option& option_;
  int64_t steps_ = 0;
};

absl::StatusOr<std::string> ConfigParser::Get(absl::string_view section,
                                              absl::string_view option) const {
  // Unlike has_option(), get() does not take "" for DEFAULT.
  if (section != kDefaultSection && !HasSection(section)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ": No section: ", python::Repr(section)));
  }
  const Option* found = Lookup(section, option);
  if (found == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": No option ",
                                                   python::Repr(OptionXform(option)),
                                                   " in section: ", python::Repr(section)));
  }
  return Interpolator(*this, section, *found).Run();
}

absl::StatusOr<bool> ConfigParser::GetBoolean(absl::string_view section,
                                              absl::string_view option) const {
  absl::StatusOr<std::string> value = Get(section, option);
  if (!value.ok()) {
    return value.status();
  }
  if (const std::optional<bool> parsed = ParseBoolean(*value); parsed.has_value()) {
    return *parsed;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(source_, ":", OptionLine(section, option), ": ", OptionXform(option), " = ",
                   *value, ": Not a boolean: ", *value, " (use 1/yes/true/on or 0/no/false/off)"));
}

std::optional<bool> ConfigParser::ParseBoolean(absl::string_view value) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (lower == "1" || lower == "yes" || lower == "true" || lower == "on") {
    return true;
  }
  if (lower == "0" || lower == "no" || lower == "false" || lower == "off") {
    return false;
  }
  return std::nullopt;
}

std::string ConfigParser::OptionXform(absl::string_view option) {
  std::string out(option);
  for (size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c >= 'A' && c <= 'Z') {
      out[i] = static_cast<char>(c + ('a' - 'A'));
    } else if (c == 0xc3 && i + 1 < out.size()) {
      // U+00C0..U+00DE except U+00D7 (multiplication sign) lower-case to U+00E0..U+00FE.
      const auto c1 = static_cast<unsigned char>(out[i + 1]);
      if (c1 >= 0x80 && c1 <= 0x9e && c1 != 0x97) {
        out[i + 1] = static_cast<char>(c1 + 0x20);
      }
      ++i;
    }
  }
  return out;
}

// ----------------------------------------------------------------------------------------
// Python str semantics.

namespace python {

bool IsSpace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

absl::string_view LStrip(absl::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t len = 0;
    if (!IsSpaceAt(text, pos, &len)) {
      break;
    }
    pos += len;
  }
  return text.substr(pos);
}

absl::string_view RStrip(absl::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    const size_t start = PreviousCodePointStart(text, end);
    size_t len = 0;
    if (!IsSpaceAt(text, start, &len) || start + len != end) {
      break;
    }
    end = start;
  }
  return text.substr(0, end);
}

absl::string_view Strip(absl::string_view text) { return RStrip(LStrip(text)); }

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// digitpart ::= digit (["_"] digit)*, starting at text[*pos]. Appends the digits to *out.
bool ScanDigitPart(absl::string_view text, size_t* pos, std::string* out) {
  if (*pos >= text.size() || !IsDigit(text[*pos])) {
    return false;
  }
  while (*pos < text.size()) {
    if (IsDigit(text[*pos])) {
      out->push_back(text[*pos]);
      ++*pos;
    } else if (text[*pos] == '_' && *pos + 1 < text.size() && IsDigit(text[*pos + 1])) {
      ++*pos;
    } else {
      break;
    }
  }
  return true;
}


}  // namespace

std::optional<PythonInt> ParseInt(absl::string_view text) {
  const absl::string_view s = Strip(text);
  size_t pos = 0;
  bool negative = false;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    negative = s[pos] == '-';
    ++pos;
  }
  std::string digits;
  if (!ScanDigitPart(s, &pos, &digits) || pos != s.size()) {
    return std::nullopt;
  }
  const size_t first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "0" : digits.substr(first);
  PythonInt result;
  result.decimal = (negative && digits != "0") ? absl::StrCat("-", digits) : digits;
  uint64_t magnitude = 0;
  bool fits = digits.size() <= 19;
  for (size_t i = 0; fits && i < digits.size(); ++i) {
    const uint64_t next = magnitude * 10 + static_cast<uint64_t>(digits[i] - '0');
    fits = next / 10 == magnitude;  // no wrap-around (19 digits cannot wrap twice)
    magnitude = next;
  }
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (fits && magnitude <= limit) {
    result.value = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  }
  return result;
}

std::optional<double> ParseFloat(absl::string_view text) {
  // float() maps non-ASCII whitespace to ' ' and then strips only " \t\n\v\f\r"; str.strip()
  // also removes the ASCII separators 0x1c-0x1f, which make float() fail.
  const absl::string_view s = Strip(text);
  const absl::string_view before = text.substr(0, static_cast<size_t>(s.data() - text.data()));
  const absl::string_view after = text.substr(before.size() + s.size());
  for (absl::string_view stripped : {before, after}) {
    for (char c : stripped) {
      if (c >= '\x1c' && c <= '\x1f') {
        return std::nullopt;
      }
    }
  }
  double value = 0;
  if (!ParsePythonFloat(s, &value)) {
    return std::nullopt;
  }
  return value;
}

std::string FloatRepr(double x) {
  if (std::isnan(x)) {
    return "nan";
  }
  if (std::isinf(x)) {
    return x < 0 ? "-inf" : "inf";
  }
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::scientific);
  const absl::string_view sci(buf, static_cast<size_t>(result.ptr - buf));
  // sci is "[-]d[.ddd]e[+-]XX": shortest round-trip digits, as Python's repr uses.
  const size_t e = sci.find('e');
  absl::string_view mantissa = sci.substr(0, e);
  absl::string_view sign;
  if (!mantissa.empty() && mantissa.front() == '-') {
    sign = "-";
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') {
      digits.push_back(c);
    }
  }
  int exponent = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exponent);
  const int decpt = exponent + 1;  // digits[0] sits before the decimal point at decpt
  const int ndigits = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      return absl::StrCat(sign, "0.", std::string(static_cast<size_t>(-decpt), '0'), digits);
    }
    if (decpt >= ndigits) {
      return absl::StrCat(sign, digits, std::string(static_cast<size_t>(decpt - ndigits), '0'),
                          ".0");
    }
    return absl::StrCat(sign, digits.substr(0, static_cast<size_t>(decpt)), ".",
                        digits.substr(static_cast<size_t>(decpt)));
  }
  const int exp = decpt - 1;
  std::string out = absl::StrCat(sign, digits.substr(0, 1));
  if (ndigits > 1) {
    absl::StrAppend(&out, ".", digits.substr(1));
  }
  absl::StrAppend(&out, "e", exp < 0 ? "-" : "+", exp > -10 && exp < 10 ? "0" : "",
                  exp < 0 ? -exp : exp);
  return out;
}

namespace {

// str.isprintable() for a code point outside ASCII. Exact for Latin-1 and for the separators,
// format characters, surrogates and private-use ranges a host or instance name could carry;
// elsewhere it errs on "printable", the only cost being an unescaped character in a ring key
// nobody writes.
bool IsPrintableNonAscii(uint32_t cp) {
  if (cp <= 0xa0 || cp == 0xad) return false;                       // C1 controls, NBSP, SHY
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200f)) return false;  // spaces, ZW*, LRM/RLM
  if (cp >= 0x2028 && cp <= 0x202f) return false;                    // separators, bidi
  if (cp >= 0x205f && cp <= 0x206f) return false;
  if (cp == 0x3000 || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb)) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;                    // surrogates
  if (cp >= 0xe000 && cp <= 0xf8ff) return false;                    // private use
  if (cp >= 0xf0000) return false;                                   // private use planes
  return true;
}

}  // namespace

std::string Repr(absl::string_view text) {
  const bool has_single = text.find('\'') != absl::string_view::npos;
  const bool has_double = text.find('"') != absl::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(text, pos, &cp);
    const bool malformed =
        cp == 0xfffd && len == 1 && static_cast<unsigned char>(text[pos]) >= 0x80;
    if (malformed) {
      absl::StrAppend(&out, "\\x",
                      absl::Hex(static_cast<unsigned char>(text[pos]), absl::kZeroPad2));
    } else if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20 || cp == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(cp, absl::kZeroPad2));
    } else if (cp < 0x80 || IsPrintableNonAscii(cp)) {
      out.append(text.data() + pos, len);
    } else if (cp <= 0xff) {
      absl::StrAppend(&out, "\\x", absl::Hex(cp, absl::kZeroPad2));
    } else if (cp <= 0xffff) {
      absl::StrAppend(&out, "\\u", absl::Hex(cp, absl::kZeroPad4));
    } else {
      absl::StrAppend(&out, "\\U", absl::Hex(cp, absl::kZeroPad8));
    }
    pos += len;
  }
  out.push_back(quote);
  return out;
}

}  // namespace python
}  // namespace fullerene::core
