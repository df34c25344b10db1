// File: md5.h
//
// MD5 (RFC 1321) of a byte string, for carbon_ch placement: carbon positions a key at the first
// two bytes of md5(utf8(key)) (COMPAT §1.2). It is our own because OpenSSL 3.0 deprecates
// MD5() and core/ does not link OpenSSL. It is a hash for placement, not for security.
//
//   Md5Digest digest = Md5("foo.bar");  // 04 f9 81 00 ...: carbon_ch position 0x04f9 = 1273
//
// Thread-safe: a pure function. The state lives on the caller's stack; nothing is allocated,
// so the router may call it for every datapoint.
#pragma once

#include <array>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace fullerene::core {

using Md5Digest = std::array<uint8_t, 16>;

// Returns the 16-byte MD5 digest of `data`.
Md5Digest Md5(absl::string_view data);

}  // namespace fullerene::core
