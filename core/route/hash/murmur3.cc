#include "core/route/hash/murmur3.h"

#include <cstddef>
#include <cstdint>

namespace fullerene::core {
namespace {

// The constants of Austin Appleby's reference MurmurHash3_x86_32.
constexpr uint32_t kC1 = 0xcc9e2d51;
constexpr uint32_t kC2 = 0x1b873593;

inline uint32_t RotateLeft(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

inline uint32_t MixKey(uint32_t k) {
  k *= kC1;
  k = RotateLeft(k, 15);
  return k * kC2;
}

// The reference finaliser: forces every input bit to affect every output bit.
inline uint32_t FinalMix(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

}  // namespace

int32_t MurmurHash3X86_32(absl::string_view data, uint32_t seed) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  const size_t size = data.size();
  const size_t body = size & ~size_t{3};
  uint32_t h = seed;
  for (size_t i = 0; i < body; i += 4) {
    // Little-endian block reads, as the reference does on x86.
    const uint32_t k =
        static_cast<uint32_t>(bytes[i]) | (static_cast<uint32_t>(bytes[i + 1]) << 8) |
        (static_cast<uint32_t>(bytes[i + 2]) << 16) | (static_cast<uint32_t>(bytes[i + 3]) << 24);
    h ^= MixKey(k);
    h = RotateLeft(h, 13);
    h = h * 5 + 0xe6546b64;
  }
  // The tail bytes are unsigned (the reference reads them through uint8_t*), so names with
  // bytes >= 0x80 hash as mmh3 does.
  const size_t tail = size & 3;
  if (tail != 0) {
    uint32_t k = 0;
    if (tail == 3) {
      k ^= static_cast<uint32_t>(bytes[body + 2]) << 16;
    }
    if (tail >= 2) {
      k ^= static_cast<uint32_t>(bytes[body + 1]) << 8;
    }
    k ^= bytes[body];
    h ^= MixKey(k);
  }
  // The reference mixes in the length as a 32-bit int.
  h ^= static_cast<uint32_t>(size);
  return static_cast<int32_t>(FinalMix(h));
}

}  // namespace fullerene::core
