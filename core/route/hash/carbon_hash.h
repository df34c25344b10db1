// File: carbon_hash.h
//
// carbon's carbonHash(key, hash_type) (carbon/hashing.py, COMPAT §1.2): the ring position
// of a metric name or of a ring replica key.
//
//   hash type   position
//   carbon_ch   first two bytes of md5(key), big-endian               0 .. 65535
//   fnv1a_ch    h = FNV-1a-32(key); (h >> 16) ^ (h & 0xffff)           0 .. 65535
//   mmh3_ch     MurmurHash3_x86_32(key, seed 0) as a signed int32     -2^31 .. 2^31-1
//
//   CarbonHash("foo.bar", HashType::kCarbonCh) == 1273
//
// The result is int64_t because ring positions grow past these ranges when carbon probes
// upwards on a collision (COMPAT §1.3).
//
// Thread-safe: a pure function that does not allocate.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"
#include "core/config/config.h"

namespace fullerene::core {

int64_t CarbonHash(absl::string_view key, HashType type);

}  // namespace fullerene::core
