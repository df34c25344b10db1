#include "codec/line/line_decoder.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "core/base/python_float.h"

namespace fullerene::codec {
namespace {

// The word-at-a-time scans below find "the first byte that ..." with the lowest set bit.
static_assert(std::endian::native == std::endian::little);

constexpr uint64_t kHighBits = 0x8080808080808080ull;
constexpr uint64_t kOnes = 0x0101010101010101ull;

// Python's str.isspace() for code points below 0x80: the C whitespace set plus the four
// "information separators" 0x1c-0x1f.
constexpr std::array<bool, 256> MakeAsciiSpaceTable() {
  std::array<bool, 256> table{};
  for (int c : {'\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', ' '}) {
    table[c] = true;
  }
  return table;
}
constexpr std::array<bool, 256> kAsciiSpace = MakeAsciiSpaceTable();

// First bytes of everything str.splitlines() breaks on: \n \v \f \r \x1c \x1d \x1e, and the
// lead bytes of U+0085 (C2 85) and U+2028/U+2029 (E2 80 A8/A9).
constexpr std::array<bool, 256> MakeBreakLeadTable() {
  std::array<bool, 256> table{};
  for (int c : {0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0xc2, 0xe2}) {
    table[c] = true;
  }
  return table;
}
constexpr std::array<bool, 256> kBreakLead = MakeBreakLeadTable();

uint64_t Load64(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

bool IsAscii(const char* p, size_t n) {
  uint64_t any = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    any |= Load64(p + i) | Load64(p + i + 8) | Load64(p + i + 16) | Load64(p + i + 24);
  }
  for (; i + 8 <= n; i += 8) {
    any |= Load64(p + i);
  }
  for (; i < n; ++i) {
    any |= static_cast<uint8_t>(p[i]);
  }
  return (any & kHighBits) == 0;
}

// Strict UTF-8, as CPython's decoder with errors='strict': no overlong forms (C0, C1,
// E0 80-9F, F0 80-8F), no surrogates (ED A0-BF), nothing above U+10FFFF (F4 90+, F5-FF), no
// stray continuation bytes and no truncated sequences.
bool IsValidUtf8(const char* text, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(text);
  auto is_continuation = [](uint8_t b) { return (b & 0xc0) == 0x80; };
  size_t i = 0;
  while (i < n) {
    const uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c < 0xc2) {
      return false;
    }
    if (c < 0xe0) {
      if (i + 1 >= n || !is_continuation(p[i + 1])) {
        return false;
      }
      i += 2;
      continue;
    }
    if (c < 0xf0) {
      if (i + 2 >= n) {
        return false;
      }
      const uint8_t low = c == 0xe0 ? 0xa0 : 0x80;
      const uint8_t high = c == 0xed ? 0x9f : 0xbf;
      if (p[i + 1] < low || p[i + 1] > high || !is_continuation(p[i + 2])) {
        return false;
      }
      i += 3;
      continue;
    }
    if (c < 0xf5) {
      if (i + 3 >= n) {
        return false;
      }
      const uint8_t low = c == 0xf0 ? 0x90 : 0x80;
      const uint8_t high = c == 0xf4 ? 0x8f : 0xbf;
      if (p[i + 1] < low || p[i + 1] > high || !is_continuation(p[i + 2]) ||
          !is_continuation(p[i + 3])) {
        return false;
      }
      i += 4;
      continue;
    }
    return false;
  }
  return true;
}

// Length of the whitespace character at p[i] of valid UTF-8, or 0 when it is not one.
// Lead bytes never occur as continuation bytes, so testing bytes one at a time inside a
// multi-byte character never matches by mistake.
size_t UnicodeSpaceLength(const uint8_t* p, size_t i) {
  const uint8_t c = p[i];
  if (c < 0x80) {
    return kAsciiSpace[c] ? 1 : 0;
  }
  switch (c) {
    case 0xc2:  // U+0085 NEL, U+00A0 NBSP
      return p[i + 1] == 0x85 || p[i + 1] == 0xa0 ? 2 : 0;
    case 0xe1:  // U+1680 OGHAM SPACE MARK
      return p[i + 1] == 0x9a && p[i + 2] == 0x80 ? 3 : 0;
    case 0xe2:
      if (p[i + 1] == 0x80) {
        // U+2000-U+200A, U+2028, U+2029, U+202F
        const uint8_t d = p[i + 2];
        return d <= 0x8a || d == 0xa8 || d == 0xa9 || d == 0xaf ? 3 : 0;
      }
      return p[i + 1] == 0x81 && p[i + 2] == 0x9f ? 3 : 0;  // U+205F
    case 0xe3:
      // U+3000 IDEOGRAPHIC SPACE
      return p[i + 1] == 0x80 && p[i + 2] == 0x80 ? 3 : 0;
    default:
      return 0;
  }
}

// Index of the first ASCII whitespace byte at or after `i`, or n. Bytes below 0x21 are
// found a word at a time (the input is ASCII, so the classic "has byte less than" trick is
// exact for the lowest flagged byte); the table then sorts spaces from other control bytes,
// which belong to the field.
size_t FindAsciiSpace(const char* p, size_t i, size_t n) {
  while (i + 8 <= n) {
    const uint64_t word = Load64(p + i);
    const uint64_t below_0x21 = (word - kOnes * 0x21) & ~word & kHighBits;
    if (below_0x21 == 0) {
      i += 8;
      continue;
    }
    const size_t at = i + static_cast<size_t>(std::countr_zero(below_0x21) / 8);
    if (kAsciiSpace[static_cast<uint8_t>(p[at])]) {
      return at;
    }
    i = at + 1;
  }
  while (i < n && !kAsciiSpace[static_cast<uint8_t>(p[i])]) {
    ++i;
  }
  return i;
}

// str.split() into exactly three fields; false when there are more or fewer. For ASCII input.
bool SplitAscii(absl::string_view line, absl::string_view fields[3]) {
  const char* p = line.data();
  const size_t n = line.size();
  size_t i = 0;
  for (int field = 0; field < 3; ++field) {
    while (i < n && kAsciiSpace[static_cast<uint8_t>(p[i])]) {
      ++i;
    }
    if (i == n) {
      return false;
    }
    const size_t start = i;
    i = FindAsciiSpace(p, i, n);
    fields[field] = absl::string_view(p + start, i - start);
  }
  while (i < n && kAsciiSpace[static_cast<uint8_t>(p[i])]) {
    ++i;
  }
  return i == n;
}

// str.split() into exactly three fields for valid UTF-8 that is not all ASCII.
bool SplitUnicode(absl::string_view line, absl::string_view fields[3]) {
  const auto* p = reinterpret_cast<const uint8_t*>(line.data());
  const size_t n = line.size();
  size_t i = 0;
  int count = 0;
  while (i < n) {
    const size_t space = UnicodeSpaceLength(p, i);
    if (space != 0) {
      i += space;
      continue;
    }
    if (count == 3) {
      return false;
    }
    const size_t start = i;
    while (i < n && UnicodeSpaceLength(p, i) == 0) {
      ++i;
    }
    fields[count++] = line.substr(start, i - start);
  }
  return count == 3;
}

}  // namespace

absl::string_view LineStatusName(LineStatus status) {
  switch (status) {
    case LineStatus::kOk:
      return "ok";
    case LineStatus::kBadUtf8:
      return "bad_utf8";
    case LineStatus::kFieldCount:
      return "field_count";
    case LineStatus::kBadTimestamp:
      return "bad_timestamp";
    case LineStatus::kBadValue:
      return "bad_value";
  }
  return "unknown";
}

LineStatus ParseLine(absl::string_view line, core::MetricView* out) {
  absl::string_view fields[3];
  if (IsAscii(line.data(), line.size())) {
    if (!SplitAscii(line, fields)) {
      return LineStatus::kFieldCount;
    }
  } else {
    if (!IsValidUtf8(line.data(), line.size())) {
      return LineStatus::kBadUtf8;
    }
    if (!SplitUnicode(line, fields)) {
      return LineStatus::kFieldCount;
    }
  }
  // carbon converts the timestamp first: `(float(ts), float(value))`.
  double timestamp;
  if (!core::ParsePythonFloat(fields[2], &timestamp)) {
    return LineStatus::kBadTimestamp;
  }
  double value;
  if (!core::ParsePythonFloat(fields[1], &value)) {
    return LineStatus::kBadValue;
  }
  out->name = fields[0];
  out->timestamp = timestamp;
  out->value = value;
  return LineStatus::kOk;
}

namespace internal {

LineBreak FindLineBreak(const char* p, const char* end) {
  for (const char* q = p; q != end; ++q) {
    const auto c = static_cast<uint8_t>(*q);
    if (!kBreakLead[c]) {
      continue;
    }
    const size_t left = static_cast<size_t>(end - q);
    switch (c) {
      case 0xc2:
        if (left >= 2 && static_cast<uint8_t>(q[1]) == 0x85) {
          return {q, q + 2};
        }
        break;
      case 0xe2:
        if (left >= 3 && static_cast<uint8_t>(q[1]) == 0x80 &&
            (static_cast<uint8_t>(q[2]) == 0xa8 || static_cast<uint8_t>(q[2]) == 0xa9)) {
          return {q, q + 3};
        }
        break;
      case '\r':
        return {q, left >= 2 && q[1] == '\n' ? q + 2 : q + 1};
      default:
        return {q, q + 1};
    }
  }
  return {end, end};
}

}  // namespace internal
}  // namespace fullerene::codec
