// File: murmur3.h
//
// MurmurHash3_x86_32, the hash under carbon's mmh3_ch (COMPAT §1.2). carbon calls
// mmh3.hash(key): seed 0 over the UTF-8 bytes, returned as a *signed* 32-bit integer, and
// uses that value directly as a ring position, so negative positions are normal.
//
//   MurmurHash3X86_32("foo") == -156908512   // mmh3.hash("foo")
//
// Thread-safe: a pure function.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace fullerene::core {

// MurmurHash3_x86_32(data, seed) with its 32-bit result reinterpreted as int32_t, like
// Python's mmh3.hash().
int32_t MurmurHash3X86_32(absl::string_view data, uint32_t seed = 0);

}  // namespace fullerene::core
