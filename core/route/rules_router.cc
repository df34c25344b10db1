#include "core/route/rules_router.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/base/status_macros.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace fullerene::core {
namespace {

// Python's \s for str patterns: str.isspace(), i.e. these code points (Python 3.11, Unicode
// 14), as the body of an RE2 character class; and its complement up to U+10FFFF.
constexpr absl::string_view kSpaceSet =
    "\\x{9}-\\x{D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"
    "\\x{202F}\\x{205F}\\x{3000}";
constexpr absl::string_view kNotSpaceSet =
    "\\x{0}-\\x{8}\\x{E}-\\x{1B}\\x{21}-\\x{84}\\x{86}-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{1FFF}"
    "\\x{200B}-\\x{2027}\\x{202A}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}"
    "\\x{3001}-\\x{10FFFF}";
// Python's \w for str patterns is str.isalnum() or "_", which is exactly letters (L*) and
// numbers (N*) plus the underscore.
constexpr absl::string_view kWordSet = "\\p{L}\\p{N}_";
// Python's \d for str patterns is str.isdecimal(): category Nd.
constexpr absl::string_view kDigitClass = "\\p{Nd}";
constexpr absl::string_view kNotDigitClass = "\\P{Nd}";

// sre_constants.MAXREPEAT on 64-bit CPython: a repeat count at or above it overflows.
constexpr uint64_t kPythonMaxRepeat = 4294967295;
// RE2's limit on {m,n} counts (RE2 reports "invalid repetition size" above it).
constexpr uint64_t kRe2MaxRepeat = 1000;

bool IsAsciiDigit(int32_t c) { return c >= '0' && c <= '9'; }
bool IsOctalDigit(int32_t c) { return c >= '0' && c <= '7'; }
bool IsAsciiLetter(int32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHexDigit(int32_t c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(int32_t c) {
  if (IsAsciiDigit(c)) {
    return c - '0';
  }
  return (c | 0x20) - 'a' + 10;
}

// Python's inline flag letters (sre_parse.FLAGS).
enum InlineFlag : int {
  kFlagI = 1,
  kFlagM = 2,
  kFlagS = 4,
  kFlagX = 8,
  kFlagA = 16,
  kFlagU = 32,
  kFlagL = 64,
  kFlagT = 128,
};

int InlineFlagOf(int32_t c) {
  switch (c) {
    case 'i':
      return kFlagI;
    case 'm':
      return kFlagM;
    case 's':
      return kFlagS;
    case 'x':
      return kFlagX;
    case 'a':
      return kFlagA;
    case 'u':
      return kFlagU;
    case 'L':
      return kFlagL;
    case 't':
      return kFlagT;
    default:
      return 0;
  }
}

// One member of a character set: a code point range low..high (equal for a single code point),
// or a shorthand class (d, D, s, S, w, W).
struct SetItem {
  int32_t low = 0;
  int32_t high = 0;
  char shorthand = 0;
};

// A single pass over the pattern that mirrors CPython 3.11's sre_parse closely enough to
// accept and reject the same patterns, and writes the RE2 equivalent as it goes.
class PythonRegexTranslator {
 public:
  explicit PythonRegexTranslator(absl::string_view pattern) : pattern_(pattern) {}

  absl::StatusOr<std::string> Translate() {
    while (pos_ < pattern_.size()) {
      const size_t start = pos_;
      FULLERENE_ASSIGN_OR_RETURN(const int32_t c, Next());
      if (flags_.verbose) {
        // re.VERBOSE: whitespace outside sets is ignored and # starts a comment to the end of
        // the line (sre_parse.WHITESPACE).
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
          continue;
        }
        if (c == '#') {
          while (pos_ < pattern_.size() && pattern_[pos_++] != '\n') {
          }
          continue;
        }
      }
      bool appended_item = true;
      switch (c) {
        case '|':
          out_ += '|';
          last_ = Last::kNothing;
          break;
        case '(': {
          FULLERENE_ASSIGN_OR_RETURN(appended_item, ParseGroup(start));
          break;
        }
        case ')':
          if (groups_.empty()) {
            return Invalid("unbalanced parenthesis", start);
          }
          flags_ = groups_.back();
          groups_.pop_back();
          out_ += ')';
          last_ = Last::kAtom;
          break;
        case '[':
          FULLERENE_RETURN_IF_ERROR(ParseSet(start));
          last_ = Last::kAtom;
          break;
        case '.':
          out_ += '.';
          last_ = Last::kAtom;
          break;
        case '^':
          out_ += '^';
          last_ = Last::kAnchor;
          break;
        case '$':
          // Without MULTILINE, Python's $ matches at the end and also just before a newline
          // that ends the string; RE2's $ only at the end.
          out_ += flags_.multiline ? "$" : "(?:\\n?\\z)";
          last_ = Last::kAnchor;
          break;
        case '*':
        case '+':
        case '?':
          FULLERENE_RETURN_IF_ERROR(ApplyRepeat(std::string(1, static_cast<char>(c)), start));
          break;
        case '{':
          FULLERENE_RETURN_IF_ERROR(ParseBrace(start));
          break;
        case '\\':
          FULLERENE_RETURN_IF_ERROR(ParseEscape(start));
          break;
        default:
          EmitLiteral(c);
          last_ = Last::kAtom;
          break;
      }
      if (appended_item) {
        at_start_ = false;
      }
    }
    if (!groups_.empty()) {
      return Invalid("missing ), unterminated subpattern", pattern_.size());
    }
    return std::move(out_);
  }

 private:
  // What the current alternative ends with, for sre_parse's repeat checks.
  enum class Last { kNothing, kAnchor, kAtom, kRepeat };

  // The flags that change how we translate; i and s are left to RE2.
  struct Flags {
    bool multiline = false;
    bool verbose = false;
  };

  static absl::Status Invalid(absl::string_view what, size_t offset) {
    return absl::InvalidArgumentError(absl::StrCat(what, " at offset ", offset));
  }
  static absl::Status Unsupported(absl::string_view what, size_t offset) {
    return absl::UnimplementedError(absl::StrCat(what, " at offset ", offset, " is not supported"));
  }

  // Decodes the UTF-8 code point at pos_ and moves past it.
  absl::StatusOr<int32_t> Next() {
    const size_t start = pos_;
    const auto b0 = static_cast<uint8_t>(pattern_[pos_]);
    const int size = b0 < 0x80           ? 1
                     : (b0 >> 5) == 0x6  ? 2
                     : (b0 >> 4) == 0xe  ? 3
                     : (b0 >> 3) == 0x1e ? 4
                                         : 0;
    if (size == 0 || pos_ + size > pattern_.size()) {
      return Invalid("invalid UTF-8", start);
    }
    int32_t c = size == 1 ? b0 : b0 & (0x7f >> size);
    for (int k = 1; k < size; ++k) {
      const auto b = static_cast<uint8_t>(pattern_[pos_ + k]);
      if ((b & 0xc0) != 0x80) {
        return Invalid("invalid UTF-8", start);
      }
      c = (c << 6) | (b & 0x3f);
    }
    pos_ += size;
    return c;
  }

  // The next byte, or -1 at the end; enough to look for ASCII syntax characters.
  int32_t Peek() const {
    return pos_ < pattern_.size() ? static_cast<uint8_t>(pattern_[pos_]) : -1;
  }

  bool Match(char c) {
    if (Peek() == static_cast<uint8_t>(c)) {
      ++pos_;
      return true;
    }
    return false;
  }

  // Writes `c` so that RE2 reads it as itself: word characters as they are, other printable
  // ASCII behind a backslash (RE2 takes "\" + any non-word ASCII character as that
  // character), everything else as \x{...}.
  void EmitLiteral(int32_t c) {
    if (c < 0x80 && (IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_')) {
      out_ += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out_ += '\\';
      out_ += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(&out_, "\\x{%X}", c);
    }
  }

  // The same inside a character set: only letters and digits are written as they are.
  static void AppendSetCodePoint(int32_t c, std::string* out) {
    if (c < 0x80 && (IsAsciiLetter(c) || IsAsciiDigit(c))) {
      *out += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(out, "\\x{%X}", c);
    }
  }

  // sre_parse's checks before a repeat, then the quantifier, its lazy "?" and the refusal of
  // the possessive "+" (new in Python 3.11).
  absl::Status ApplyRepeat(absl::string_view quantifier, size_t start) {
    if (last_ == Last::kNothing || last_ == Last::kAnchor) {
      return Invalid("nothing to repeat", start);
    }
    if (last_ == Last::kRepeat) {
      return Invalid("multiple repeat", start);
    }
    absl::StrAppend(&out_, quantifier);
    if (Match('?')) {
      out_ += '?';
    } else if (Peek() == '+') {
      return Unsupported(absl::StrCat("possessive quantifier ", quantifier, "+"), start);
    }
    last_ = Last::kRepeat;
    return absl::OkStatus();
  }

  // After "{": a quantifier {m}, {m,}, {,n}, {m,n} or {,}; anything else is a literal "{".
  absl::Status ParseBrace(size_t start) {
    const size_t after_brace = pos_;
    std::string low;
    std::string high;
    bool comma = false;
    if (Peek() != '}') {
      while (IsAsciiDigit(Peek())) {
        low += pattern_[pos_++];
      }
      if (Match(',')) {
        comma = true;
        while (IsAsciiDigit(Peek())) {
          high += pattern_[pos_++];
        }
      }
      if (Match('}')) {
        FULLERENE_ASSIGN_OR_RETURN(const uint64_t min, RepeatCount(low, 0, start));
        FULLERENE_ASSIGN_OR_RETURN(const uint64_t max,
                                   RepeatCount(comma ? high : low, kPythonMaxRepeat, start));
        if (max < min) {
          return Invalid("min repeat greater than max repeat", start);
        }
        if (min > kRe2MaxRepeat || (max != kPythonMaxRepeat && max > kRe2MaxRepeat)) {
          return Unsupported(absl::StrCat("repeat count above ", kRe2MaxRepeat), start);
        }
        std::string quantifier = absl::StrCat("{", min);
        if (comma) {
          absl::StrAppend(&quantifier, ",", max == kPythonMaxRepeat ? "" : absl::StrCat(max));
        }
        quantifier += '}';
        return ApplyRepeat(quantifier, start);
      }
    }
    // sre_parse: not a quantifier, so "{" is a literal and parsing resumes right after it.
    pos_ = after_brace;
    EmitLiteral('{');
    last_ = Last::kAtom;
    return absl::OkStatus();
  }

  // A decimal repeat count; `absent` when there are no digits.
  static absl::StatusOr<uint64_t> RepeatCount(const std::string& digits, uint64_t absent,
                                              size_t start) {
    if (digits.empty()) {
      return absent;
    }
    uint64_t value = 0;
    for (char d : digits) {
      value = value * 10 + static_cast<uint64_t>(d - '0');
      if (value >= kPythonMaxRepeat) {
        return Invalid("the repetition number is too large", start);
      }
    }
    return value;
  }

  // Exactly `count` hex digits after \x, \u or \U.
  absl::StatusOr<int32_t> ParseHex(int count, size_t start) {
    uint32_t value = 0;
    for (int i = 0; i < count; ++i) {
      if (!IsHexDigit(Peek())) {
        return Invalid("incomplete escape", start);
      }
      value = value * 16 + static_cast<uint32_t>(HexValue(pattern_[pos_++]));
    }
    if (value > 0x10ffff) {
      return Invalid("bad escape (code point above U+10FFFF)", start);
    }
    return static_cast<int32_t>(value);
  }

  // The literal escapes Python accepts both inside and outside sets (sre_parse.ESCAPES,
  // \x, \u, \U, \N); returns -1 when `c` is none of them.
  absl::StatusOr<int32_t> ParseLiteralEscape(int32_t c, size_t start) {
    switch (c) {
      case 'a':
        return 0x07;
      case 'f':
        return 0x0c;
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 't':
        return 0x09;
      case 'v':
        return 0x0b;
      case 'x':
        return ParseHex(2, start);
      case 'u':
        return ParseHex(4, start);
      case 'U':
        return ParseHex(8, start);
      case 'N':
        return Unsupported("named character escape \\N{...}", start);
      default:
        return -1;
    }
  }

  // Up to `more` further octal digits after `first`; Python caps the value at 0o377.
  absl::StatusOr<int32_t> ParseOctal(int32_t first, int more, size_t start) {
    int32_t value = first - '0';
    for (int i = 0; i < more && IsOctalDigit(Peek()); ++i) {
      value = value * 8 + (pattern_[pos_++] - '0');
    }
    if (value > 0377) {
      return Invalid("octal escape value outside of range 0-0o377", start);
    }
    return value;
  }

  // After "\" outside a set (sre_parse._escape).
  absl::Status ParseEscape(size_t start) {
    if (pos_ >= pattern_.size()) {
      return Invalid("bad escape (end of pattern)", start);
    }
    FULLERENE_ASSIGN_OR_RETURN(const int32_t c, Next());
    switch (c) {
      case 'A':
        out_ += "\\A";
        last_ = Last::kAnchor;
        return absl::OkStatus();
      case 'Z':
        // Python's \Z is the very end of the string: RE2's \z (RE2 has no \Z).
        out_ += "\\z";
        last_ = Last::kAnchor;
        return absl::OkStatus();
      case 'b':
      case 'B':
        // RE2's word boundary is ASCII-only; see the banner of rules_router.h.
        out_ += c == 'b' ? "\\b" : "\\B";
        last_ = Last::kAnchor;
        return absl::OkStatus();
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        AppendShorthandClass(static_cast<char>(c));
        last_ = Last::kAtom;
        return absl::OkStatus();
      default:
        break;
    }
    FULLERENE_ASSIGN_OR_RETURN(int32_t literal, ParseLiteralEscape(c, start));
    if (literal < 0) {
      if (c == '0') {
        FULLERENE_ASSIGN_OR_RETURN(literal, ParseOctal(c, 2, start));
      } else if (IsAsciiDigit(c)) {
        // sre_parse: three octal digits make an octal escape, anything else is a group
        // reference.
        if (IsOctalDigit(c) && IsOctalDigit(Peek()) && pos_ + 1 < pattern_.size() &&
            IsOctalDigit(static_cast<uint8_t>(pattern_[pos_ + 1]))) {
          FULLERENE_ASSIGN_OR_RETURN(literal, ParseOctal(c, 2, start));
        } else {
          const size_t digits = IsAsciiDigit(Peek()) ? 2 : 1;
          return Unsupported(absl::StrCat("backreference \\", pattern_.substr(start + 1, digits)),
                             start);
        }
      } else if (c < 0x80 && IsAsciiLetter(c)) {
        return Invalid(absl::StrCat("bad escape \\", std::string(1, static_cast<char>(c))), start);
      } else {
        literal = c;  // an escaped non-letter is the character itself
      }
    }
    EmitLiteral(literal);
    last_ = Last::kAtom;
    return absl::OkStatus();
  }

  // \d \D \s \S \w \W outside a set.
  void AppendShorthandClass(char shorthand) {
    switch (shorthand) {
      case 'd':
        absl::StrAppend(&out_, kDigitClass);
        break;
      case 'D':
        absl::StrAppend(&out_, kNotDigitClass);
        break;
      case 's':
        absl::StrAppend(&out_, "[", kSpaceSet, "]");
        break;
      case 'S':
        absl::StrAppend(&out_, "[^", kSpaceSet, "]");
        break;
      case 'w':
        absl::StrAppend(&out_, "[", kWordSet, "]");
        break;
      default:
        absl::StrAppend(&out_, "[^", kWordSet, "]");
        break;
    }
  }

  // After "\" inside a set (sre_parse._class_escape).
  absl::StatusOr<SetItem> ParseSetEscape(size_t start) {
    if (pos_ >= pattern_.size()) {
      return Invalid("bad escape (end of pattern)", start);
    }
    FULLERENE_ASSIGN_OR_RETURN(const int32_t c, Next());
    switch (c) {
      case 'b':
        return SetItem{0x08, 0x08, 0};  // backspace, as in Python string literals
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        return SetItem{0, 0, static_cast<char>(c)};
      default:
        break;
    }
    FULLERENE_ASSIGN_OR_RETURN(int32_t code_point, ParseLiteralEscape(c, start));
    if (code_point < 0) {
      if (IsOctalDigit(c)) {
        FULLERENE_ASSIGN_OR_RETURN(code_point, ParseOctal(c, 2, start));
      } else if (c < 0x80 && (IsAsciiLetter(c) || IsAsciiDigit(c))) {
        return Invalid(absl::StrCat("bad escape \\", std::string(1, static_cast<char>(c))), start);
      } else {
        code_point = c;
      }
    }
    return SetItem{code_point, code_point, 0};
  }

  absl::StatusOr<SetItem> ParseSetItem(int32_t c, size_t start) {
    if (c == '\\') {
      return ParseSetEscape(start);
    }
    return SetItem{c, c, 0};
  }

  // After "[" (sre_parse's character set branch). Every member is written out explicitly, so
  // nothing in it can mean something else to RE2 ("[[:alpha:]]" is no POSIX class in Python).
  absl::Status ParseSet(size_t start) {
    const bool negate = Match('^');
    const size_t first_item = pos_;
    std::vector<SetItem> items;
    while (true) {
      if (pos_ >= pattern_.size()) {
        return Invalid("unterminated character set", start);
      }
      const size_t item_start = pos_;
      FULLERENE_ASSIGN_OR_RETURN(const int32_t c, Next());
      if (c == ']' && item_start != first_item) {
        break;  // a "]" first in the set is a member
      }
      FULLERENE_ASSIGN_OR_RETURN(SetItem item, ParseSetItem(c, item_start));
      if (!Match('-')) {
        items.push_back(item);
        continue;
      }
      if (pos_ >= pattern_.size()) {
        return Invalid("unterminated character set", start);
      }
      const size_t high_start = pos_;
      FULLERENE_ASSIGN_OR_RETURN(const int32_t c2, Next());
      if (c2 == ']') {
        // "[a-]": the "-" is a member.
        items.push_back(item);
        items.push_back(SetItem{'-', '-', 0});
        break;
      }
      FULLERENE_ASSIGN_OR_RETURN(const SetItem high, ParseSetItem(c2, high_start));
      if (item.shorthand != 0 || high.shorthand != 0 || high.low < item.low) {
        return Invalid("bad character range", item_start);
      }
      item.high = high.low;
      items.push_back(item);
    }

    std::string body;
    bool has_not_word = false;
    for (const SetItem& item : items) {
      has_not_word = has_not_word || item.shorthand == 'W';
      AppendSetItem(item, &body);
    }
    if (!has_not_word) {
      absl::StrAppend(&out_, negate ? "[^" : "[", body, "]");
    } else if (negate) {
      return AppendWordCharactersExcept(items, start);
    } else if (body.empty()) {
      absl::StrAppend(&out_, "[^", kWordSet, "]");
    } else {
      // RE2 cannot put a negated class inside a set, but a set is a union, so its \W part can
      // become an alternative.
      absl::StrAppend(&out_, "(?:[", body, "]|[^", kWordSet, "])");
    }
    return absl::OkStatus();
  }

  // A set member as RE2 class text; \W is left out (the caller handles it).
  static void AppendSetItem(const SetItem& item, std::string* body) {
    switch (item.shorthand) {
      case 0:
        AppendSetCodePoint(item.low, body);
        if (item.high != item.low) {
          *body += '-';
          AppendSetCodePoint(item.high, body);
        }
        break;
      case 'd':
        absl::StrAppend(body, kDigitClass);
        break;
      case 'D':
        absl::StrAppend(body, kNotDigitClass);
        break;
      case 's':
        absl::StrAppend(body, kSpaceSet);
        break;
      case 'S':
        absl::StrAppend(body, kNotSpaceSet);
        break;
      case 'w':
        absl::StrAppend(body, kWordSet);
        break;
      default:
        break;
    }
  }

  // [^\W...] is the word characters minus the other members. RE2 has no set difference, so
  // this works out the difference by category: \w is L + Nd + Nl + No + "_" (kWordSet), and
  // the members that can take part of it away are \d (Nd), \D (all but Nd), \w and \S
  // (all of it), "_", and ASCII letters and digits. The last would need tables for the
  // non-ASCII letters and digits, so they are refused; other non-word members change nothing.
  absl::Status AppendWordCharactersExcept(const std::vector<SetItem>& items, size_t start) {
    bool letters = true;
    bool decimals = true;
    bool other_numbers = true;
    bool underscore = true;
    for (const SetItem& item : items) {
      switch (item.shorthand) {
        case 'w':
        case 'S':
          letters = decimals = other_numbers = underscore = false;
          break;
        case 'd':
          decimals = false;
          break;
        case 'D':
          letters = other_numbers = underscore = false;
          break;
        case 0:
          for (int32_t c = item.low; c <= item.high; ++c) {
            if (c >= 0x80 || IsAsciiLetter(c) || IsAsciiDigit(c)) {
              return Unsupported(
                  "\\W in a negated character set together with letters, digits or non-ASCII "
                  "characters",
                  start);
            }
            underscore = underscore && c != '_';
          }
          break;
        default:
          break;  // \W itself, and \s, which has no word characters
      }
    }
    std::string body;
    if (letters) {
      body += "\\p{L}";
    }
    if (decimals && other_numbers) {
      body += "\\p{N}";
    } else if (decimals) {
      body += "\\p{Nd}";
    } else if (other_numbers) {
      body += "\\p{Nl}\\p{No}";
    }
    if (underscore) {
      body += '_';
    }
    if (body.empty()) {
      absl::StrAppend(&out_, "[^\\x{0}-\\x{10FFFF}]");  // nothing is left: match nothing
    } else {
      absl::StrAppend(&out_, "[", body, "]");
    }
    return absl::OkStatus();
  }

  // After "(": returns whether the group adds an item (comments and global flags do not).
  absl::StatusOr<bool> ParseGroup(size_t start) {
    if (!Match('?')) {
      OpenGroup("(");
      return true;
    }
    if (pos_ >= pattern_.size()) {
      return Invalid("unexpected end of pattern", pos_);
    }
    FULLERENE_ASSIGN_OR_RETURN(const int32_t c, Next());
    switch (c) {
      case ':':
        OpenGroup("(?:");
        return true;
      case 'P':
        if (Match('<')) {
          FULLERENE_RETURN_IF_ERROR(ParseGroupName(start));
          // The name only serves backreferences, which RE2 lacks, so the group becomes a
          // plain one (RE2 would also refuse names that Python accepts, e.g. non-ASCII ones).
          OpenGroup("(");
          return true;
        }
        if (Match('=')) {
          return Unsupported("backreference (?P=name)", start);
        }
        return Invalid("unknown extension ?P", start);
      case '#':
        // A comment: skipped up to the next ")", without escapes, as sre_parse does.
        while (true) {
          if (pos_ >= pattern_.size()) {
            return Invalid("missing ), unterminated comment", start);
          }
          if (pattern_[pos_++] == ')') {
            return false;
          }
        }
      case '=':
        return Unsupported("lookahead (?=...)", start);
      case '!':
        return Unsupported("negative lookahead (?!...)", start);
      case '<':
        if (Match('=')) {
          return Unsupported("lookbehind (?<=...)", start);
        }
        if (Match('!')) {
          return Unsupported("negative lookbehind (?<!...)", start);
        }
        return Invalid("unknown extension ?<", start);
      case '(':
        return Unsupported("conditional (?(...)...|...)", start);
      case '>':
        return Unsupported("atomic group (?>...)", start);
      default:
        break;
    }
    if (c == '-' || InlineFlagOf(c) != 0) {
      return ParseFlags(c, start);
    }
    return Invalid("unknown extension", start);
  }

  void OpenGroup(absl::string_view opening) {
    groups_.push_back(flags_);
    absl::StrAppend(&out_, opening);
    last_ = Last::kNothing;
  }

  // After "(?P<": the name up to ">", which must be an identifier and new.
  absl::Status ParseGroupName(size_t start) {
    const size_t name_start = pos_;
    const size_t end = pattern_.find('>', pos_);
    if (end == absl::string_view::npos) {
      return Invalid("missing >, unterminated name", start);
    }
    const absl::string_view name = pattern_.substr(name_start, end - name_start);
    if (name.empty()) {
      return Invalid("missing group name", start);
    }
    // str.isidentifier(), exact for ASCII; non-ASCII characters are taken as letters.
    for (size_t i = 0; i < name.size(); ++i) {
      const auto b = static_cast<uint8_t>(name[i]);
      const bool ok = b >= 0x80 || IsAsciiLetter(b) || b == '_' || (i > 0 && IsAsciiDigit(b));
      if (!ok) {
        return Invalid(absl::StrCat("bad character in group name '", name, "'"), start);
      }
    }
    if (!group_names_.insert(std::string(name)).second) {
      return Invalid(absl::StrCat("redefinition of group name '", name, "'"), start);
    }
    pos_ = end + 1;
    return absl::OkStatus();
  }

  // After "(?" when `c` is a flag letter or "-" (sre_parse._parse_flags): global flags
  // "(?imsx)" or a scoped group "(?ims-imsx:...)".
  absl::StatusOr<bool> ParseFlags(int32_t c, size_t start) {
    int add = 0;
    int remove = 0;
    if (c != '-') {
      while (true) {
        const int flag = InlineFlagOf(c);
        if (flag == kFlagL) {
          return Invalid("bad inline flags: cannot use 'L' flag with a str pattern", start);
        }
        add |= flag;
        if ((add & kFlagA) != 0 && (add & kFlagU) != 0) {
          return Invalid("bad inline flags: flags 'a', 'u' and 'L' are incompatible", start);
        }
        if (pos_ >= pattern_.size()) {
          return Invalid("missing -, : or )", start);
        }
        FULLERENE_ASSIGN_OR_RETURN(c, Next());
        if (c == ')' || c == '-' || c == ':') {
          break;
        }
        if (InlineFlagOf(c) == 0) {
          return Invalid("unknown flag", start);
        }
      }
    }
    if (c == ')') {
      // Global flags: since Python 3.11 only at the very start of the pattern.
      if (!at_start_) {
        return Invalid("global flags not at the start of the expression", start);
      }
      FULLERENE_RETURN_IF_ERROR(RefuseFlags(add, start));
      if ((add & kFlagM) != 0) {
        flags_.multiline = true;
        out_ += "(?m)";
      }
      if ((add & kFlagS) != 0) {
        out_ += "(?s)";
      }
      if ((add & kFlagX) != 0) {
        flags_.verbose = true;
      }
      return false;
    }
    if ((add & kFlagT) != 0) {
      return Invalid("bad inline flags: cannot turn on global flag", start);
    }
    if (c == '-') {
      if (pos_ >= pattern_.size()) {
        return Invalid("missing flag", start);
      }
      FULLERENE_ASSIGN_OR_RETURN(c, Next());
      if (InlineFlagOf(c) == 0) {
        return Invalid("unknown flag", start);
      }
      while (true) {
        const int flag = InlineFlagOf(c);
        if ((flag & (kFlagA | kFlagU | kFlagL)) != 0) {
          return Invalid("bad inline flags: cannot turn off flags 'a', 'u' and 'L'", start);
        }
        remove |= flag;
        if (pos_ >= pattern_.size()) {
          return Invalid("missing :", start);
        }
        FULLERENE_ASSIGN_OR_RETURN(c, Next());
        if (c == ':') {
          break;
        }
        if (InlineFlagOf(c) == 0) {
          return Invalid("unknown flag", start);
        }
      }
    }
    if ((remove & kFlagT) != 0) {
      return Invalid("bad inline flags: cannot turn off global flag", start);
    }
    if ((add & remove) != 0) {
      return Invalid("bad inline flags: flag turned on and off", start);
    }
    FULLERENE_RETURN_IF_ERROR(RefuseFlags(add, start));
    // i, m and s mean the same to RE2; x only changes how we read the pattern; u is the
    // default for str patterns.
    std::string opening = "(?";
    for (const auto& [flag, letter] : {std::pair{kFlagI, 'i'}, {kFlagM, 'm'}, {kFlagS, 's'}}) {
      if ((add & flag) != 0) {
        opening += letter;
      }
    }
    if ((remove & (kFlagI | kFlagM | kFlagS)) != 0) {
      opening += '-';
      for (const auto& [flag, letter] : {std::pair{kFlagI, 'i'}, {kFlagM, 'm'}, {kFlagS, 's'}}) {
        if ((remove & flag) != 0) {
          opening += letter;
        }
      }
    }
    opening += ':';
    OpenGroup(opening);
    auto set = [&](int flag, bool* field) {
      if ((add & flag) != 0) {
        *field = true;
      }
      if ((remove & flag) != 0) {
        *field = false;
      }
    };
    set(kFlagM, &flags_.multiline);
    set(kFlagX, &flags_.verbose);
    return true;
  }

  static absl::Status RefuseFlags(int add, size_t start) {
    if ((add & kFlagA) != 0) {
      // Under re.I, ASCII mode also folds case by ASCII rules only, which RE2 cannot do.
      return Unsupported("ASCII-only matching (?a)", start);
    }
    if ((add & kFlagT) != 0) {
      return Unsupported("template flag (?t)", start);
    }
    return absl::OkStatus();
  }

  const absl::string_view pattern_;
  size_t pos_ = 0;
  std::string out_;
  Flags flags_;
  std::vector<Flags> groups_;  // the flags outside each open group
  Last last_ = Last::kNothing;
  bool at_start_ = true;  // nothing but comments and global flags so far
  absl::flat_hash_set<std::string> group_names_;
};

// What fullerene says after every pattern RE2 cannot take.
constexpr absl::string_view kRe2Note =
    "fullerene matches relay rules with RE2, which does not support Python's backreferences "
    "or lookaround (nor conditionals, atomic groups or possessive quantifiers); rewrite the "
    "pattern without them";

RE2::Options MatchOptions() {
  RE2::Options options;
  options.set_case_sensitive(false);  // COMPAT §2.4: carbon compiles with re.I
  options.set_log_errors(false);      // errors go into a Status instead
  options.set_never_capture(true);    // only "found or not" is ever asked
  return options;
}

// A pattern rule ready to match.
struct PatternRule {
  std::string re2_pattern;  // the translation of the rule's Python pattern
  std::unique_ptr<RE2> regex;
  bool continue_matching = false;
  std::vector<DestinationId> destinations;
};

// Finds the first pattern rule, at or after a given one, whose pattern is found in a metric,
// with about log2(n) RE2 searches instead of up to n. It is a binary tree over the rule list;
// every inner node holds an RE2::Set of the patterns below it, which says in one pass over the
// metric whether any of them matches, so whole subtrees are skipped. Leaves of up to
// kLeafSize rules try their rules one by one. A Set that cannot answer (RE2 failed to compile
// it, or its DFA ran out of memory) just sends the search on to its children, so the answer
// is always the plain in-order one. Immutable after construction; FirstMatch() does not
// allocate.
class PatternSearch {
 public:
  static constexpr size_t kNone = static_cast<size_t>(-1);

  explicit PatternSearch(const std::vector<PatternRule>& rules) {
    for (const PatternRule& rule : rules) {
      regexes_.push_back(rule.regex.get());
    }
    if (!rules.empty()) {
      Build(rules, 0, rules.size());
    }
  }

  // The smallest i >= from whose regex is found in `text`, or kNone.
  size_t FirstMatch(const re2::StringPiece& text, size_t from) const {
    return nodes_.empty() ? kNone : Search(0, text, from, false);
  }

 private:
  // Below this many rules, one Set search costs about as much as trying the rules.
  static constexpr size_t kLeafSize = 4;

  struct Node {
    size_t begin = 0;
    size_t end = 0;
    std::unique_ptr<RE2::Set> set;  // inner nodes only, and only if RE2 could compile it
    size_t left = 0;                // children; both 0 for a leaf
    size_t right = 0;
  };

  // Adds the subtree for rules [begin, end) and returns its node index.
  size_t Build(const std::vector<PatternRule>& rules, size_t begin, size_t end) {
    const size_t index = nodes_.size();
    nodes_.emplace_back();
    nodes_[index].begin = begin;
    nodes_[index].end = end;
    if (end - begin <= kLeafSize) {
      return index;
    }
    auto set = std::make_unique<RE2::Set>(MatchOptions(), RE2::UNANCHORED);
    bool complete = true;
    for (size_t i = begin; i < end && complete; ++i) {
      complete = set->Add(rules[i].re2_pattern, nullptr) >= 0;
    }
    if (complete && set->Compile()) {
      nodes_[index].set = std::move(set);
    }
    const size_t middle = begin + (end - begin) / 2;
    const size_t left = Build(rules, begin, middle);
    const size_t right = Build(rules, middle, end);
    nodes_[index].left = left;
    nodes_[index].right = right;
    return index;
  }

  // FirstMatch within node `index`. `known_match` says that some rule of the node, all of
  // which are at or after `from`, is known to match.
  size_t Search(size_t index, const re2::StringPiece& text, size_t from, bool known_match) const {
    const Node& node = nodes_[index];
    if (node.end <= from) {
      return kNone;
    }
    const bool whole = node.begin >= from;
    if (whole && !known_match && node.set != nullptr) {
      RE2::Set::ErrorInfo error;
      if (node.set->Match(text, nullptr, &error)) {
        known_match = true;
      } else if (error.kind == RE2::Set::kNoError) {
        return kNone;
      }
    }
    if (node.left == 0) {
      for (size_t i = std::max(from, node.begin); i < node.end; ++i) {
        // re.search: unanchored; with no submatches asked for, RE2 answers from its DFA.
        if (regexes_[i]->Match(text, 0, text.size(), RE2::UNANCHORED, nullptr, 0)) {
          return i;
        }
      }
      return kNone;
    }
    const size_t found = Search(node.left, text, from, false);
    if (found != kNone) {
      return found;
    }
    // If the whole node matches and its left half (then also whole) does not, the right does.
    return Search(node.right, text, from, whole && known_match);
  }

  std::vector<Node> nodes_;  // nodes_[0] is the root
  std::vector<const RE2*> regexes_;
};

class RulesRouter final : public Router {
 public:
  RulesRouter(std::vector<PatternRule> rules, std::optional<std::vector<DestinationId>> fallback)
      : rules_(std::move(rules)), search_(rules_), default_destinations_(std::move(fallback)) {}

  // Router
  void Route(absl::string_view metric, DestinationSet* out) const override {
    // Not clear(): that frees the heap buffer a rule with more than four destinations needed,
    // which the next call would allocate again.
    out->resize(0);
    const re2::StringPiece text(metric.data(), metric.size());
    // COMPAT §2.4: pattern rules in order; a match yields and stops unless it continues.
    for (size_t i = search_.FirstMatch(text, 0); i != PatternSearch::kNone;
         i = search_.FirstMatch(text, i + 1)) {
      Yield(rules_[i].destinations, out);
      if (!rules_[i].continue_matching) {
        return;
      }
    }
    if (default_destinations_.has_value()) {
      Yield(*default_destinations_, out);
    }
  }

 private:
  static void Yield(const std::vector<DestinationId>& destinations, DestinationSet* out) {
    for (DestinationId destination : destinations) {
      // Duplicates collapse later in carbon (COMPAT §4.1); keep the first.
      if (std::find(out->begin(), out->end(), destination) == out->end()) {
        out->push_back(destination);
      }
    }
  }

  const std::vector<PatternRule> rules_;  // before search_, which points into it
  const PatternSearch search_;
  // The default rule's destinations. It matches every metric and never continues, so after it
  // nothing is evaluated; without one, unmatched metrics go nowhere.
  const std::optional<std::vector<DestinationId>> default_destinations_;
};

std::string RuleLocation(const RelayRule& rule) {
  std::string location = rule.file.empty() ? "relay rules" : rule.file;
  if (rule.line > 0) {
    absl::StrAppend(&location, ":", rule.line);
  }
  return absl::StrCat(location, ": [", rule.name, "] pattern = ", rule.pattern, ": ");
}

absl::Status CheckDestinations(const RelayRule& rule, size_t destination_count) {
  for (uint32_t destination : rule.destinations) {
    if (destination >= destination_count) {
      return absl::InvalidArgumentError(absl::StrCat(RuleLocation(rule), "destination index ",
                                                     destination, " is not in DESTINATIONS (",
                                                     destination_count, " entries)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PatternRule> CompilePatternRule(const RelayRule& rule) {
  PatternRule compiled;
  compiled.continue_matching = rule.continue_matching;
  compiled.destinations.assign(rule.destinations.begin(), rule.destinations.end());
  absl::StatusOr<std::string> translated = TranslatePythonRegex(rule.pattern);
  if (!translated.ok()) {
    if (translated.status().code() == absl::StatusCode::kUnimplemented) {
      return absl::InvalidArgumentError(
          absl::StrCat(RuleLocation(rule), translated.status().message(), "; ", kRe2Note));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        RuleLocation(rule), "not a valid Python regular expression (carbon refuses it too): ",
        translated.status().message()));
  }
  compiled.re2_pattern = *std::move(translated);
  compiled.regex = std::make_unique<RE2>(compiled.re2_pattern, MatchOptions());
  if (!compiled.regex->ok()) {
    return absl::InvalidArgumentError(absl::StrCat(RuleLocation(rule), "RE2 cannot compile it (as ",
                                                   compiled.re2_pattern,
                                                   "): ", compiled.regex->error(), "; ", kRe2Note));
  }
  return compiled;
}

}  // namespace

absl::StatusOr<std::string> TranslatePythonRegex(absl::string_view pattern) {
  return PythonRegexTranslator(pattern).Translate();
}

absl::StatusOr<std::unique_ptr<Router>> CreateRulesRouter(const Config& config) {
  std::vector<PatternRule> rules;
  std::optional<std::vector<DestinationId>> default_destinations;
  for (const RelayRule& rule : config.rules) {
    FULLERENE_RETURN_IF_ERROR(CheckDestinations(rule, config.destinations.size()));
    if (!rule.is_default) {
      FULLERENE_ASSIGN_OR_RETURN(PatternRule compiled, CompilePatternRule(rule));
      rules.push_back(std::move(compiled));
    } else if (!default_destinations.has_value()) {
      // COMPAT §2.4: the default rule is evaluated last wherever it sits in the file, and
      // carbon builds it without `continue`, so a second one (the loader refuses that) could
      // never be reached.
      default_destinations.emplace(rule.destinations.begin(), rule.destinations.end());
    }
  }
  return std::make_unique<RulesRouter>(std::move(rules), std::move(default_destinations));
}

}  // namespace fullerene::core
