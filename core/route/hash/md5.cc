#include "core/route/hash/md5.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fullerene::core {
namespace {

// RFC 1321 §3.4: T[i] = floor(2^32 * abs(sin(i + 1))), i = 0..63.
constexpr uint32_t kSineTable[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

// RFC 1321 §3.4: the per-step left-rotation amounts, four per round.
constexpr int kRotations[4][4] = {
    {7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

// Explicit little-endian load and store (MD5 is defined on little-endian words); compilers
// turn these into single moves on x86.
inline uint32_t LoadLittleEndian32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

inline void StoreLittleEndian32(uint32_t v, uint8_t* p) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

inline uint32_t RotateLeft(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// One step of round `kRound` (0..3) at step `i` (0..63). Every argument is a compile-time
// constant once the loops below are unrolled, so the round function and message index fold away.
template <int kRound>
inline void Step(uint32_t& a, uint32_t b, uint32_t c, uint32_t d, const uint32_t* m, int i) {
  uint32_t f;
  int g;
  if constexpr (kRound == 0) {
    f = d ^ (b & (c ^ d));  // (b & c) | (~b & d), one operation shorter
    g = i;
  } else if constexpr (kRound == 1) {
    f = c ^ (d & (b ^ c));  // (b & d) | (c & ~d)
    g = (5 * i + 1) & 15;
  } else if constexpr (kRound == 2) {
    f = b ^ c ^ d;
    g = (3 * i + 5) & 15;
  } else {
    f = c ^ (b | ~d);
    g = (7 * i) & 15;
  }
  a = b + RotateLeft(a + f + kSineTable[i] + m[g], kRotations[kRound][i & 3]);
}

template <int kRound>
inline void Round(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d, const uint32_t* m) {
  // Four steps at a time rotate the roles of a, b, c and d instead of moving values around.
#pragma GCC unroll 4
  for (int j = 0; j < 16; j += 4) {
    const int i = kRound * 16 + j;
    Step<kRound>(a, b, c, d, m, i);
    Step<kRound>(d, a, b, c, m, i + 1);
    Step<kRound>(c, d, a, b, m, i + 2);
    Step<kRound>(b, c, d, a, m, i + 3);
  }
}

void Compress(uint32_t state[4], const uint8_t* block) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i) {
    m[i] = LoadLittleEndian32(block + 4 * i);
  }
  uint32_t a = state[0];
  uint32_t b = state[1];
  uint32_t c = state[2];
  uint32_t d = state[3];
  Round<0>(a, b, c, d, m);
  Round<1>(a, b, c, d, m);
  Round<2>(a, b, c, d, m);
  Round<3>(a, b, c, d, m);
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

}  // namespace

Md5Digest Md5(absl::string_view data) {
  // RFC 1321 §3.3: the initial chaining value.
  uint32_t state[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  const size_t size = data.size();
  const size_t full_blocks = size / 64;
  for (size_t i = 0; i < full_blocks; ++i) {
    Compress(state, bytes + 64 * i);
  }

  // RFC 1321 §3.1-3.2: append 0x80, zeros up to 56 mod 64, then the bit length as a 64-bit
  // little-endian number. That is one more block, or two when fewer than 9 bytes are left.
  uint8_t tail[128] = {};
  const size_t remainder = size % 64;
  if (remainder != 0) {
    std::memcpy(tail, bytes + 64 * full_blocks, remainder);
  }
  tail[remainder] = 0x80;
  const size_t tail_size = remainder < 56 ? 64 : 128;
  const uint64_t bit_length = static_cast<uint64_t>(size) * 8;
  StoreLittleEndian32(static_cast<uint32_t>(bit_length), tail + tail_size - 8);
  StoreLittleEndian32(static_cast<uint32_t>(bit_length >> 32), tail + tail_size - 4);
  Compress(state, tail);
  if (tail_size == 128) {
    Compress(state, tail + 64);
  }

  Md5Digest digest;
  for (int i = 0; i < 4; ++i) {
    StoreLittleEndian32(state[i], digest.data() + 4 * i);
  }
  return digest;
}

}  // namespace fullerene::core
