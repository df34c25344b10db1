// File: fnv1a.h
//
// 32-bit FNV-1a over the bytes of a string, the hash under carbon's fnv1a_ch (COMPAT §1.2):
// carbon folds it to 16 bits as (h >> 16) ^ (h & 0xffff); see carbon_hash.h.
//
//   Fnv1a32("a") == 0xe40c292c
//
// carbon's pure-Python fallback hashes the UTF-8 bytes, each as an unsigned value. That
// matters for non-ASCII names: carbon-c-relay folds signed chars and differs (COMPAT §1.8).
//
// Thread-safe: a constexpr pure function.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace fullerene::core {

inline constexpr uint32_t kFnv1a32OffsetBasis = 0x811c9dc5;
inline constexpr uint32_t kFnv1a32Prime = 0x01000193;

constexpr uint32_t Fnv1a32(absl::string_view data) {
  uint32_t hash = kFnv1a32OffsetBasis;
  for (char c : data) {
    hash = (hash ^ static_cast<uint8_t>(c)) * kFnv1a32Prime;  // unsigned bytes, mod 2^32
  }
  return hash;
}

}  // namespace fullerene::core
