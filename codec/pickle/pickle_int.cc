#include "codec/pickle/pickle_int.h"

#include <cmath>
#include <limits>

namespace fullerene::codec::internal {
namespace {

using Uint128 = unsigned __int128;

// A double has 53 significant bits; anything of more than 1024 bits is at least 2**1024.
constexpr size_t kMaxFiniteBits = 1024;

}  // namespace

PickleInt IntFromTwosComplement(const uint8_t* bytes, size_t n, std::vector<uint32_t>* limbs) {
  PickleInt out;
  if (n == 0) {
    return out;
  }
  if (n <= 8) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      v |= uint64_t{bytes[i]} << (8 * i);
    }
    if (n < 8 && (bytes[n - 1] & 0x80) != 0) {
      v |= ~uint64_t{0} << (8 * n);
    }
    out.small = static_cast<int64_t>(v);
    return out;
  }
  const bool negative = (bytes[n - 1] & 0x80) != 0;
  const uint8_t fill = negative ? 0xff : 0x00;
  const size_t begin = limbs->size();
  const size_t count = (n + 3) / 4;
  limbs->resize(begin + count);
  uint32_t* limb = limbs->data() + begin;
  for (size_t j = 0; j < count; ++j) {
    uint32_t word = 0;
    for (size_t b = 0; b < 4; ++b) {
      const size_t i = 4 * j + b;
      word |= uint32_t{i < n ? bytes[i] : fill} << (8 * b);
    }
    limb[j] = word;
  }
  if (negative) {
    // The magnitude of a two's-complement negative number is ~x + 1.
    uint64_t carry = 1;
    for (size_t j = 0; j < count; ++j) {
      const uint64_t t = uint64_t{static_cast<uint32_t>(~limb[j])} + carry;
      limb[j] = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
  }
  return NormalizeMagnitude(limbs, begin, negative);
}

PickleInt NormalizeMagnitude(std::vector<uint32_t>* limbs, size_t begin, bool negative) {
  while (limbs->size() > begin && limbs->back() == 0) {
    limbs->pop_back();
  }
  const size_t count = limbs->size() - begin;
  PickleInt out;
  if (count <= 2) {
    uint64_t magnitude = 0;
    for (size_t i = 0; i < count; ++i) {
      magnitude |= uint64_t{(*limbs)[begin + i]} << (32 * i);
    }
    constexpr uint64_t kInt64Max = std::numeric_limits<int64_t>::max();
    if (!negative && magnitude <= kInt64Max) {
      limbs->resize(begin);
      out.small = static_cast<int64_t>(magnitude);
      return out;
    }
    if (negative && magnitude <= kInt64Max + 1) {
      limbs->resize(begin);
      // Unsigned negation, so -2**63 does not overflow.
      out.small = static_cast<int64_t>(~magnitude + 1);
      return out;
    }
  }
  out.big = true;
  out.negative = negative;
  out.limb_begin = static_cast<uint32_t>(begin);
  out.limb_count = static_cast<uint32_t>(count);
  return out;
}

void MultiplyAdd(std::vector<uint32_t>* limbs, size_t begin, uint32_t multiplier, uint32_t addend) {
  uint64_t carry = addend;
  uint32_t* limb = limbs->data();
  for (size_t i = begin; i < limbs->size(); ++i) {
    const uint64_t t = uint64_t{limb[i]} * multiplier + carry;
    limb[i] = static_cast<uint32_t>(t);
    carry = t >> 32;
  }
  if (carry != 0) {
    limbs->push_back(static_cast<uint32_t>(carry));
  }
}

bool BigIntToDouble(const uint32_t* limbs, size_t count, bool negative, double* out) {
  if (count > kMaxFiniteBits / 32 + 1) {
    return false;
  }
  const size_t bits = 32 * (count - 1) + (32 - __builtin_clz(limbs[count - 1]));
  if (bits > kMaxFiniteBits) {
    return false;
  }
  double magnitude = 0;
  if (bits <= 64) {
    uint64_t v = limbs[0];
    if (count > 1) {
      v |= uint64_t{limbs[1]} << 32;
    }
    // The hardware conversion rounds to nearest, ties to even, as Python does.
    magnitude = static_cast<double>(v);
  } else {
    // Keep the top 64 bits; everything below them only matters as a "sticky" bit that
    // breaks a tie at the 53-bit rounding point.
    const size_t shift = bits - 64;
    const size_t word = shift / 32;
    const size_t offset = shift % 32;
    Uint128 window = 0;
    for (size_t k = 0; k < 3 && word + k < count; ++k) {
      window |= Uint128{limbs[word + k]} << (32 * k);
    }
    const uint64_t top = static_cast<uint64_t>(window >> offset);
    bool sticky = (limbs[word] & ((uint32_t{1} << offset) - 1)) != 0;
    for (size_t i = 0; i < word && !sticky; ++i) {
      sticky = limbs[i] != 0;
    }
    uint64_t mantissa = top >> 11;
    const uint64_t rest = top & 0x7ff;
    constexpr uint64_t kHalf = 0x400;
    if (rest > kHalf || (rest == kHalf && (sticky || (mantissa & 1) != 0))) {
      ++mantissa;
    }
    int exponent = static_cast<int>(shift) + 11;
    if (mantissa == (uint64_t{1} << 53)) {
      mantissa >>= 1;
      ++exponent;
    }
    // The value is mantissa * 2**exponent, whose top bit is bit 52 + exponent.
    if (52 + exponent > 1023) {
      return false;
    }
    magnitude = std::ldexp(static_cast<double>(mantissa), exponent);
  }
  *out = negative ? -magnitude : magnitude;
  return true;
}

size_t DoubleToMagnitude(double value, uint32_t limbs[kMaxDoubleLimbs]) {
  int exponent = 0;
  const double fraction = std::frexp(std::fabs(value), &exponent);
  // |value| = mantissa * 2**(exponent - 53) exactly, with a 53-bit mantissa.
  const uint64_t mantissa = static_cast<uint64_t>(std::ldexp(fraction, 53));
  const size_t shift = static_cast<size_t>(exponent - 53);
  const size_t word = shift / 32;
  const Uint128 shifted = Uint128{mantissa} << (shift % 32);
  for (size_t i = 0; i < word; ++i) {
    limbs[i] = 0;
  }
  size_t top = 1;
  if ((shifted >> 64) != 0) {
    top = 3;
  } else if ((shifted >> 32) != 0) {
    top = 2;
  }
  for (size_t k = 0; k < top; ++k) {
    limbs[word + k] = static_cast<uint32_t>(shifted >> (32 * k));
  }
  return word + top;
}

}  // namespace fullerene::codec::internal
