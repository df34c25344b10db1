#include "codec/pickle/pickle_text.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/match.h"
#include "core/base/python_float.h"

namespace fullerene::codec::internal {
namespace {

// Py_ISSPACE, and C isspace() in the "C" locale: the same six bytes.
bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool IsDecimalDigit(char c) { return c >= '0' && c <= '9'; }

bool IsOctalDigit(char c) { return c >= '0' && c <= '7'; }

// The value of an ASCII digit or letter in bases up to 36; 99 for anything else.
int DigitValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'Z') {
    return c - 'A' + 10;
  }
  return 99;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// What a C string function sees of a line: everything before the first NUL.
absl::string_view CutAtNul(absl::string_view line) {
  const void* nul = std::memchr(line.data(), '\0', line.size());
  if (nul == nullptr) {
    return line;
  }
  return line.substr(0, static_cast<size_t>(static_cast<const char*>(nul) - line.data()));
}

// glibc strtol(text, &end, 0) succeeding with `end` on the terminator (the '\n' or the NUL
// that follows `text`), without ERANGE. Stores the value.
bool StrtolBase0(absl::string_view text, int64_t* out) {
  const size_t n = text.size();
  auto at = [&](size_t k) { return k < n ? text[k] : '\0'; };
  size_t i = 0;
  while (i < n && IsAsciiSpace(text[i])) {
    ++i;
  }
  bool negative = false;
  if (at(i) == '+' || at(i) == '-') {
    negative = at(i) == '-';
    ++i;
  }
  int base = 10;
  if (at(i) == '0') {
    // "0x" counts as a prefix only when a hex digit follows; otherwise the '0' is an
    // octal number on its own and the 'x' ends it.
    if (Lower(at(i + 1)) == 'x' && DigitValue(at(i + 2)) < 16) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  uint64_t magnitude = 0;
  bool overflow = false;
  size_t digits = 0;
  for (; i < n; ++i) {
    const int d = DigitValue(text[i]);
    if (d >= base) {
      break;
    }
    if (magnitude > (limit - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      overflow = true;
    } else {
      magnitude = magnitude * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    }
    ++digits;
  }
  if (digits == 0) {
    // No conversion: strtol points `end` back at the start of the line.
    *out = 0;
    return n == 0;
  }
  if (overflow || i != n) {
    return false;
  }
  *out = negative ? static_cast<int64_t>(~magnitude + 1) : static_cast<int64_t>(magnitude);
  return true;
}

// Converts the digits of text[begin, end) (underscores already validated and skipped) in a
// power-of-two base.
PickleInt ConvertBinaryBase(absl::string_view text, int base, size_t digits, bool negative,
                            std::vector<uint32_t>* limbs) {
  const size_t bits_per_digit = base == 16 ? 4 : (base == 8 ? 3 : 1);
  PickleInt out;
  if (digits * bits_per_digit <= 63) {
    uint64_t v = 0;
    for (char c : text) {
      if (c != '_') {
        v = (v << bits_per_digit) | static_cast<uint64_t>(DigitValue(c));
      }
    }
    out.small = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    return out;
  }
  const size_t begin = limbs->size();
  limbs->resize(begin + (digits * bits_per_digit + 31) / 32, 0);
  uint32_t* limb = limbs->data() + begin;
  size_t position = 0;
  for (size_t k = text.size(); k-- > 0;) {
    if (text[k] == '_') {
      continue;
    }
    const uint64_t d = static_cast<uint64_t>(DigitValue(text[k])) << (position % 32);
    limb[position / 32] |= static_cast<uint32_t>(d);
    if ((d >> 32) != 0) {
      limb[position / 32 + 1] |= static_cast<uint32_t>(d >> 32);
    }
    position += bits_per_digit;
  }
  return NormalizeMagnitude(limbs, begin, negative);
}

PickleInt ConvertDecimal(absl::string_view text, size_t digits, bool negative,
                         std::vector<uint32_t>* limbs) {
  PickleInt out;
  if (digits <= 18) {
    int64_t v = 0;
    for (char c : text) {
      if (c != '_') {
        v = v * 10 + (c - '0');
      }
    }
    out.small = negative ? -v : v;
    return out;
  }
  // Nine digits at a time: 10**9 < 2**32.
  const size_t begin = limbs->size();
  uint32_t chunk = 0;
  uint32_t scale = 1;
  for (char c : text) {
    if (c == '_') {
      continue;
    }
    chunk = chunk * 10 + static_cast<uint32_t>(c - '0');
    scale *= 10;
    if (scale == 1000000000) {
      MultiplyAdd(limbs, begin, scale, chunk);
      chunk = 0;
      scale = 1;
    }
  }
  if (scale != 1) {
    MultiplyAdd(limbs, begin, scale, chunk);
  }
  return NormalizeMagnitude(limbs, begin, negative);
}

bool IsZero(const PickleInt& v) { return !v.big && v.small == 0; }

// Appends the UTF-8 form of code point `cp` (<= 0x10FFFF; surrogates get their 3-byte form).
char* PutCodePoint(char* p, uint32_t cp) {
  if (cp < 0x80) {
    *p++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *p++ = static_cast<char>(0xc0 | (cp >> 6));
    *p++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *p++ = static_cast<char>(0xe0 | (cp >> 12));
    *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *p++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    *p++ = static_cast<char>(0xf0 | (cp >> 18));
    *p++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *p++ = static_cast<char>(0x80 | (cp & 0x3f));
  }
  return p;
}

bool IsContinuation(uint8_t c) { return (c & 0xc0) == 0x80; }

// The length of the well-formed UTF-8 sequence at p (n >= 1 bytes available), or 0.
size_t SequenceLength(const uint8_t* p, size_t n, bool allow_surrogates) {
  const uint8_t c = p[0];
  if (c < 0x80) {
    return 1;
  }
  if (c < 0xc2) {
    return 0;
  }
  if (c < 0xe0) {
    return (n >= 2 && IsContinuation(p[1])) ? 2 : 0;
  }
  if (c < 0xf0) {
    if (n < 3) {
      return 0;
    }
    uint8_t low = 0x80;
    uint8_t high = 0xbf;
    if (c == 0xe0) {
      low = 0xa0;  // shorter forms are overlong
    } else if (c == 0xed && !allow_surrogates) {
      high = 0x9f;  // ED A0..BF encodes U+D800..U+DFFF
    }
    return (p[1] >= low && p[1] <= high && IsContinuation(p[2])) ? 3 : 0;
  }
  if (c < 0xf5) {
    if (n < 4) {
      return 0;
    }
    uint8_t low = 0x80;
    uint8_t high = 0xbf;
    if (c == 0xf0) {
      low = 0x90;
    } else if (c == 0xf4) {
      high = 0x8f;  // above U+10FFFF otherwise
    }
    return (p[1] >= low && p[1] <= high && IsContinuation(p[2]) && IsContinuation(p[3])) ? 4 : 0;
  }
  return 0;
}

}  // namespace

bool ParsePythonInt(absl::string_view text, int base, std::vector<uint32_t>* limbs,
                    PickleInt* out) {
  const size_t n = text.size();
  auto at = [&](size_t k) { return k < n ? text[k] : '\0'; };
  size_t i = 0;
  while (i < n && IsAsciiSpace(text[i])) {
    ++i;
  }
  bool negative = false;
  if (at(i) == '+' || at(i) == '-') {
    negative = at(i) == '-';
    ++i;
  }
  // Base 0 reads a prefix; "0" followed by more decimal digits was C octal in Python 2 and
  // is accepted now only when the value is zero ("00", "0_0").
  bool zero_only = false;
  if (base == 0) {
    const char prefix = at(i) == '0' ? Lower(at(i + 1)) : '\0';
    if (at(i) != '0') {
      base = 10;
    } else if (prefix == 'x') {
      base = 16;
    } else if (prefix == 'o') {
      base = 8;
    } else if (prefix == 'b') {
      base = 2;
    } else {
      zero_only = true;
      base = 10;
    }
    if (base != 10) {
      i += 2;
      if (at(i) == '_') {
        ++i;  // one underscore may follow the prefix: 0x_1f
      }
    }
  }
  if (at(i) == '_') {
    return false;
  }
  const size_t digits_begin = i;
  size_t digits = 0;
  char previous = '\0';
  for (; i < n; ++i) {
    const char c = text[i];
    if (c == '_') {
      if (previous == '_') {
        return false;
      }
    } else if (DigitValue(c) < base) {
      ++digits;
    } else {
      break;
    }
    previous = c;
  }
  if (previous == '_' || digits == 0) {
    return false;
  }
  if (base == 10 && digits > kMaxDecimalDigits) {
    return false;
  }
  const absl::string_view body = text.substr(digits_begin, i - digits_begin);
  while (i < n && IsAsciiSpace(text[i])) {
    ++i;
  }
  if (i != n) {
    return false;
  }
  const size_t limbs_before = limbs->size();
  *out = base == 10 ? ConvertDecimal(body, digits, negative, limbs)
                    : ConvertBinaryBase(body, base, digits, negative, limbs);
  if (zero_only && !IsZero(*out)) {
    limbs->resize(limbs_before);
    return false;
  }
  return true;
}

bool ParseIntLine(absl::string_view line, std::vector<uint32_t>* limbs, PickleInt* out,
                  bool* is_bool) {
  const absl::string_view text = CutAtNul(line);
  int64_t value = 0;
  if (StrtolBase0(text, &value)) {
    // _pickle.c: `if (len == 3 && (x == 0 || x == 1))` with the '\n' counted in len.
    *is_bool = line.size() == 2 && (value == 0 || value == 1);
    *out = PickleInt();
    out->small = value;
    return true;
  }
  *is_bool = false;
  return ParsePythonInt(text, 0, limbs, out);
}

bool ParseLongLine(absl::string_view line, std::vector<uint32_t>* limbs, PickleInt* out) {
  if (!line.empty() && line.back() == 'L') {
    line.remove_suffix(1);
  }
  return ParsePythonInt(CutAtNul(line), 0, limbs, out);
}

bool ParseMemoIndexLine(absl::string_view line, std::vector<uint32_t>* limbs, PickleInt* out) {
  return ParsePythonInt(CutAtNul(line), 10, limbs, out);
}

bool ParseFloatLine(absl::string_view line, double* out) {
  const absl::string_view text = CutAtNul(line);
  const size_t n = text.size();
  size_t i = 0;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    ++i;
  }
  const absl::string_view unsigned_text = text.substr(i);
  const bool special = absl::EqualsIgnoreCase(unsigned_text, "inf") ||
                       absl::EqualsIgnoreCase(unsigned_text, "infinity") ||
                       absl::EqualsIgnoreCase(unsigned_text, "nan");
  if (!special) {
    size_t mantissa_digits = 0;
    for (; i < n && IsDecimalDigit(text[i]); ++i) {
      ++mantissa_digits;
    }
    if (i < n && text[i] == '.') {
      for (++i; i < n && IsDecimalDigit(text[i]); ++i) {
        ++mantissa_digits;
      }
    }
    if (mantissa_digits == 0) {
      return false;
    }
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
      size_t j = i + 1;
      if (j < n && (text[j] == '+' || text[j] == '-')) {
        ++j;
      }
      const size_t exponent_begin = j;
      while (j < n && IsDecimalDigit(text[j])) {
        ++j;
      }
      if (j > exponent_begin) {
        i = j;
      }
    }
    if (i != n) {
      return false;
    }
  }
  // The grammar above is a subset of ParsePythonFloat's, so this cannot fail.
  if (!core::ParsePythonFloat(text, out)) {
    return false;
  }
  // A finite literal that rounds to infinity is OverflowError in PyOS_string_to_double.
  return special || std::isfinite(*out);
}

bool DecodeStringLine(absl::string_view line, core::ByteBuffer* out) {
  if (line.size() < 2) {
    return false;
  }
  const char quote = line.front();
  if ((quote != '\'' && quote != '"') || line.back() != quote) {
    return false;
  }
  const absl::string_view in = line.substr(1, line.size() - 2);
  const size_t n = in.size();
  // No escape makes its text longer.
  char* p = out->Reserve(n);
  size_t i = 0;
  while (i < n) {
    const char c = in[i++];
    if (c != '\\') {
      *p++ = c;
      continue;
    }
    if (i == n) {
      return false;  // "Trailing \ in string"
    }
    const char e = in[i++];
    switch (e) {
      case '\n':
        break;
      case '\\':
      case '\'':
      case '"':
        *p++ = e;
        break;
      case 'a':
        *p++ = '\a';
        break;
      case 'b':
        *p++ = '\b';
        break;
      case 'f':
        *p++ = '\f';
        break;
      case 'n':
        *p++ = '\n';
        break;
      case 'r':
        *p++ = '\r';
        break;
      case 't':
        *p++ = '\t';
        break;
      case 'v':
        *p++ = '\v';
        break;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        unsigned value = static_cast<unsigned>(e - '0');
        for (int more = 0; more < 2 && i < n && IsOctalDigit(in[i]); ++more) {
          value = value * 8 + static_cast<unsigned>(in[i++] - '0');
        }
        // "\777" is 0xff: CPython stores the int into a char (with a DeprecationWarning).
        *p++ = static_cast<char>(value & 0xff);
        break;
      }
      case 'x':
        if (n - i >= 2 && DigitValue(in[i]) < 16 && DigitValue(in[i + 1]) < 16) {
          *p++ = static_cast<char>(DigitValue(in[i]) * 16 + DigitValue(in[i + 1]));
          i += 2;
          break;
        }
        return false;  // "invalid \x escape"
      default:
        // An unknown escape keeps its backslash; the character is read again as plain text.
        *p++ = '\\';
        --i;
        break;
    }
  }
  out->CommitTo(p);
  return true;
}

bool DecodeRawUnicodeEscapeLine(absl::string_view line, core::ByteBuffer* out) {
  const size_t n = line.size();
  // A Latin-1 byte becomes at most 2 bytes, "\" plus one at most 3, "\uXXXX" 3, "\U..." 4.
  char* p = out->Reserve(2 * n);
  size_t i = 0;
  while (i < n) {
    const uint8_t c = static_cast<uint8_t>(line[i++]);
    if (c != '\\') {
      p = PutCodePoint(p, c);
      continue;
    }
    if (i == n) {
      *p++ = '\\';
      continue;
    }
    const uint8_t e = static_cast<uint8_t>(line[i++]);
    if (e != 'u' && e != 'U') {
      *p++ = '\\';
      p = PutCodePoint(p, e);
      continue;
    }
    const size_t count = e == 'u' ? 4 : 8;
    if (n - i < count) {
      return false;  // "truncated \uXXXX escape"
    }
    uint32_t cp = 0;
    for (size_t k = 0; k < count; ++k) {
      const int d = DigitValue(line[i + k]);
      if (d >= 16) {
        return false;
      }
      cp = cp * 16 + static_cast<uint32_t>(d);
    }
    i += count;
    if (cp > 0x10ffff) {
      return false;  // "\Uxxxxxxxx out of range"
    }
    p = PutCodePoint(p, cp);
  }
  out->CommitTo(p);
  return true;
}

bool IsStrictUtf8(absl::string_view text) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  // Metric names are nearly always ASCII: check eight bytes at a time, the last eight
  // overlapping what came before, and only walk characters from the first non-ASCII word.
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  size_t i = 0;
  if (n >= 8) {
    uint64_t word;
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&word, p + i, 8);
      if ((word & kHighBits) != 0) {
        break;
      }
    }
    if (i + 8 > n) {
      std::memcpy(&word, p + n - 8, 8);
      if ((word & kHighBits) == 0) {
        return true;
      }
      i = n - 8;
    }
  }
  while (i < n) {
    if (n - i >= 8) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & kHighBits) == 0) {
        i += 8;
        continue;
      }
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t length = SequenceLength(p + i, n - i, /*allow_surrogates=*/false);
    if (length == 0) {
      return false;
    }
    i += length;
  }
  return true;
}

size_t CharacterLength(absl::string_view text) {
  const size_t length = SequenceLength(reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                                       /*allow_surrogates=*/true);
  return length == 0 ? 1 : length;
}

}  // namespace fullerene::codec::internal
