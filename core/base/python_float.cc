#include "core/base/python_float.h"

#include <charconv>
#include <cstdint>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/match.h"

namespace fullerene::core {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// float() strips the C whitespace set only (Py_ISSPACE). The ASCII "information separators"
// 0x1c-0x1f, which str.isspace() and str.split() treat as whitespace, make float() fail:
// float('\x1c3') raises ValueError on CPython 3.11.
bool IsPythonAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool SameIgnoringCase(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && absl::EqualsIgnoreCase(a, b);
}

// Checks the grammar of a finite decimal literal without its sign:
//   digitpart ["." [digitpart]] [exponent]  |  "." digitpart [exponent]
//   digitpart: digit (["_"] digit)*         exponent: ("e"|"E") ["+"|"-"] digitpart
// and reports whether it contains underscores.
bool IsDecimalLiteral(absl::string_view s, bool* has_underscore) {
  size_t i = 0;
  const size_t n = s.size();
  *has_underscore = false;
  // Consumes a digitpart at i; returns the number of digits consumed (0 if none).
  auto digitpart = [&]() -> size_t {
    size_t digits = 0;
    while (i < n) {
      if (IsDigit(s[i])) {
        ++digits;
        ++i;
      } else if (s[i] == '_' && digits > 0 && i + 1 < n && IsDigit(s[i + 1])) {
        *has_underscore = true;
        ++i;
      } else {
        break;
      }
    }
    return digits;
  };
  size_t int_digits = digitpart();
  size_t frac_digits = 0;
  if (i < n && s[i] == '.') {
    ++i;
    frac_digits = digitpart();
  }
  if (int_digits == 0 && frac_digits == 0) {
    return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
      ++i;
    }
    if (digitpart() == 0) {
      return false;
    }
  }
  return i == n;
}

// Out-of-range path: from_chars leaves the value untouched on overflow and underflow, so
// let strtod (which saturates to +-HUGE_VAL or rounds to the nearest subnormal or zero)
// decide. The literal is already validated and free of underscores; we never call
// setlocale, so strtod uses the "C" locale's '.'.
double StrtodSaturating(absl::string_view literal, bool negative) {
  char stack[128];
  std::unique_ptr<char[]> heap;
  char* buf = stack;
  if (literal.size() + 1 > sizeof(stack)) {
    heap.reset(new char[literal.size() + 1]);
    buf = heap.get();
  }
  std::memcpy(buf, literal.data(), literal.size());
  buf[literal.size()] = '\0';
  double v = std::strtod(buf, nullptr);
  return negative ? -v : v;
}

// Clinger's fast path for the common shape of metric values, `digits[.digits]` with at most 15
// significant digits: the digits form an integer below 2^53 and 10^k (k <= 22) is exact, so
// one IEEE division gives the correctly rounded result, the same double from_chars and
// CPython produce, at a fraction of the cost. Returns false (without touching *out) for
// anything else, which then takes the general path.
bool ParseSimpleDecimal(absl::string_view s, bool negative, double* out) {
  static constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (s.empty() || s.size() > 16) {
    return false;
  }
  uint64_t mantissa = 0;
  size_t digits = 0;
  size_t fraction_digits = 0;
  bool seen_dot = false;
  for (char c : s) {
    if (IsDigit(c)) {
      mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
      ++digits;
      fraction_digits += seen_dot ? 1 : 0;
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      return false;
    }
  }
  if (digits == 0 || digits > 15) {
    return false;
  }
  const double v = static_cast<double>(mantissa) / kPowersOfTen[fraction_digits];
  *out = negative ? -v : v;
  return true;
}

}  // namespace

bool ParsePythonFloat(absl::string_view text, double* out) {
  while (!text.empty() && IsPythonAsciiSpace(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && IsPythonAsciiSpace(text.back())) {
    text.remove_suffix(1);
  }
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) {
    return false;
  }
  if (ParseSimpleDecimal(text, negative, out)) {
    return true;
  }
  if (!IsDigit(text.front()) && text.front() != '.') {
    if (SameIgnoringCase(text, "inf") || SameIgnoringCase(text, "infinity")) {
      *out = negative ? -std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::infinity();
      return true;
    }
    if (SameIgnoringCase(text, "nan")) {
      // Python keeps the sign of "-nan"; nothing downstream looks at it, but keep it anyway.
      *out = negative ? -std::numeric_limits<double>::quiet_NaN()
                      : std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    return false;
  }
  bool has_underscore = false;
  if (!IsDecimalLiteral(text, &has_underscore)) {
    return false;
  }
  std::string without_underscores;
  if (has_underscore) {
    without_underscores.reserve(text.size());
    for (char c : text) {
      if (c != '_') {
        without_underscores.push_back(c);
      }
    }
    text = without_underscores;
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v,
                                   std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    *out = StrtodSaturating(text, negative);
    return true;
  }
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return false;
  }
  *out = negative ? -v : v;
  return true;
}

}  // namespace fullerene::core
