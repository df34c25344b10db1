// File: pickle_int.h
//
// Integers of any size, as pickles carry them: LONG1/LONG4 little-endian two's complement,
// and the decimal or 0x/0o/0b text of INT and LONG. A value that fits an int64 is kept as an
// int64. A larger one is a sign plus a magnitude of little-endian 32-bit limbs stored in a
// caller-owned arena, always without leading zero limbs, so two equal integers have
// identical limbs (the key interner compares them byte for byte).
//
// carbon turns every received number into a Python float (COMPAT §3.4), so the one
// arithmetic operation that matters is float(int): correctly rounded, half to even, with
// OverflowError when the result would be 2**1024 or more. BigIntToDouble() is exactly that.
//
// Pure functions over caller-owned buffers; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fullerene::codec::internal {

struct PickleInt {
  bool big = false;       // false: the value is `small`
  bool negative = false;  // big only; the magnitude is never zero
  int64_t small = 0;
  uint32_t limb_begin = 0;  // big only: the magnitude is limbs[limb_begin, +limb_count)
  uint32_t limb_count = 0;
};

// The integer in `n` bytes of little-endian two's complement (LONG1/LONG4; n == 0 is 0).
PickleInt IntFromTwosComplement(const uint8_t* bytes, size_t n, std::vector<uint32_t>* limbs);

// Turns the magnitude in (*limbs)[begin, end) into a PickleInt: drops leading zero limbs,
// and takes a value that fits an int64 back out of the arena.
PickleInt NormalizeMagnitude(std::vector<uint32_t>* limbs, size_t begin, bool negative);

// (*limbs)[begin, end) = (*limbs)[begin, end) * multiplier + addend, growing by one limb on
// carry. Used to convert decimal text nine digits at a time.
void MultiplyAdd(std::vector<uint32_t>* limbs, size_t begin, uint32_t multiplier, uint32_t addend);

// Python's float(int) of a big magnitude: correctly rounded, half to even. Returns false
// when the rounded value is 2**1024 or more (OverflowError in Python). Looks at no more than
// the top 33 limbs, since anything longer overflows.
bool BigIntToDouble(const uint32_t* limbs, size_t count, bool negative, double* out);

// The maximum number of limbs DoubleToMagnitude() writes.
inline constexpr size_t kMaxDoubleLimbs = 32;

// Writes the magnitude of `value`, a finite integral double with |value| >= 2**63, as
// normalized limbs; returns the limb count.
size_t DoubleToMagnitude(double value, uint32_t limbs[kMaxDoubleLimbs]);

}  // namespace fullerene::codec::internal
