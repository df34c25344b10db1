#include "codec/line/line_encoder.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace fullerene::codec {
namespace {

constexpr uint64_t kTenDecimals = 10'000'000'000ull;  // 10^10: "%.10f"
constexpr int kFractionDigits = 10;

char* WriteUnsigned(uint64_t n, char* out) {
  // 20 digits always fit: to_chars cannot fail here.
  return std::to_chars(out, out + 20, n).ptr;
}

// Writes "%.10f" of `magnitude` (finite, non-negative, below 2^64) without its trailing zeros
// and point.
//
// magnitude = m / 2^shift exactly, with m < 2^53. Its fractional part is f / 2^shift with
// f < 2^53, so f * 10^10 < 2^87 fits in 128 bits, and the ten decimals are
// round_half_even(f * 10^10 / 2^shift): the exact value rounded once, which is what glibc and
// Python print.
char* WriteFixed10(double magnitude, char* out) {
  const uint64_t bits = std::bit_cast<uint64_t>(magnitude);
  const int biased_exponent = static_cast<int>(bits >> 52);
  const uint64_t fraction_bits = bits & ((uint64_t{1} << 52) - 1);
  uint64_t m;
  int shift;
  if (biased_exponent == 0) {
    m = fraction_bits;
    shift = 1074;
  } else {
    m = fraction_bits | (uint64_t{1} << 52);
    shift = 1075 - biased_exponent;
  }
  if (shift <= 0) {
    // Integral and at least 2^52; below 2^64 by contract, so at most 11 bits of shift.
    return WriteUnsigned(m << -shift, out);
  }
  const uint64_t integer = shift < 64 ? m >> shift : 0;
  const uint64_t f = shift < 64 ? m & ((uint64_t{1} << shift) - 1) : m;
  uint64_t decimals = 0;
  // With shift >= 88, f * 10^10 < 2^87 <= 2^(shift - 1): less than half a unit in the tenth
  // decimal, so it rounds to zero.
  if (f != 0 && shift < 88) {
    const unsigned __int128 scaled = static_cast<unsigned __int128>(f) * kTenDecimals;
    decimals = static_cast<uint64_t>(scaled >> shift);
    const unsigned __int128 remainder =
        scaled - (static_cast<unsigned __int128>(decimals) << shift);
    const unsigned __int128 half = static_cast<unsigned __int128>(1) << (shift - 1);
    if (remainder > half || (remainder == half && (decimals & 1) != 0)) {
      ++decimals;
    }
  }
  uint64_t whole = integer;
  if (decimals == kTenDecimals) {
    // 0.99999999995 and up round to the next integer; whole < 2^53 here, so no overflow.
    ++whole;
    decimals = 0;
  }
  out = WriteUnsigned(whole, out);
  if (decimals == 0) {
    return out;
  }
  int digits = kFractionDigits;
  while (decimals % 10 == 0) {
    decimals /= 10;
    --digits;
  }
  *out = '.';
  for (int i = digits; i > 0; --i) {
    out[i] = static_cast<char>('0' + decimals % 10);
    decimals /= 10;
  }
  return out + digits + 1;
}

}  // namespace

size_t FormatCarbonValue(double value, char* out) {
  if (std::isnan(value)) {
    std::memcpy(out, "nan", 3);
    return 3;
  }
  char* p = out;
  if (std::signbit(value)) {
    *p++ = '-';
  }
  const double magnitude = std::fabs(value);
  if (std::isinf(magnitude)) {
    std::memcpy(p, "inf", 3);
    return static_cast<size_t>(p + 3 - out);
  }
  if (magnitude < 0x1p64) {
    return static_cast<size_t>(WriteFixed10(magnitude, p) - out);
  }
  // Every double from 2^64 up is an integer, so "%.10f" is its digits and ".0000000000",
  // which rstrip removes: "%.0f" prints the same digits, exactly.
  const int length = std::snprintf(p, kMaxFormattedNumber - 1, "%.0f", magnitude);
  return static_cast<size_t>(p + length - out);
}

size_t FormatCarbonTimestamp(double timestamp, char* out) {
  // "%d" % ts is int(ts): truncation toward zero, so -0.5 gives "0", never "-0".
  if (std::fabs(timestamp) < 0x1p63) {
    const auto integer = static_cast<int64_t>(timestamp);
    return static_cast<size_t>(std::to_chars(out, out + 20, integer).ptr - out);
  }
  // trunc() of a double this large is the double itself (and -2^63 lands here too); glibc's
  // "%.0f" prints its exact digits, as Python's int formatting does.
  const int length = std::snprintf(out, kMaxFormattedNumber, "%.0f", std::trunc(timestamp));
  return static_cast<size_t>(length);
}

void AppendLine(core::ByteBuffer* out, absl::string_view prefix, absl::string_view name,
                double timestamp, double value) {
  // One reservation covers the worst case, so the numbers are formatted straight into place.
  char* p = out->Reserve(prefix.size() + name.size() + 2 * kMaxFormattedNumber + 4);
  if (!prefix.empty()) {
    std::memcpy(p, prefix.data(), prefix.size());
    p += prefix.size();
  }
  if (!name.empty()) {
    std::memcpy(p, name.data(), name.size());
    p += name.size();
  }
  *p++ = ' ';
  p += FormatCarbonValue(value, p);
  *p++ = ' ';
  p += FormatCarbonTimestamp(timestamp, p);
  *p++ = '\r';
  *p++ = '\n';
  out->CommitTo(p);
}

}  // namespace fullerene::codec
