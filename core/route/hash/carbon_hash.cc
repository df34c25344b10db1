#include "core/route/hash/carbon_hash.h"

#include <cstdint>

#include "core/route/hash/fnv1a.h"
#include "core/route/hash/md5.h"
#include "core/route/hash/murmur3.h"

namespace fullerene::core {

int64_t CarbonHash(absl::string_view key, HashType type) {
  switch (type) {
    case HashType::kFnv1aCh: {
      // COMPAT §1.2: carbon folds the 32-bit FNV-1a to 16 bits.
      const uint32_t h = Fnv1a32(key);
      return (h >> 16) ^ (h & 0xffff);
    }
    case HashType::kMmh3Ch:
      // COMPAT §1.2: mmh3.hash() is signed; negative positions are kept as they are.
      return MurmurHash3X86_32(key);
    case HashType::kCarbonCh:
      break;
  }
  // carbon_ch, and carbon's fallback for any other hash type name (COMPAT §1.2):
  // int(md5(key).hexdigest()[:4], 16), i.e. the first two digest bytes, big-endian.
  const Md5Digest digest = Md5(key);
  return (static_cast<int64_t>(digest[0]) << 8) | digest[1];
}

}  // namespace fullerene::core
