// File: pickle_key_interner.h
//
// KeyInterner gives every distinct hashable Python value a small dense id, so that two dict
// keys are equal in Python exactly when their ids are equal. PickleHeap uses it to drop
// duplicate dict keys the way Python does ({1: a, 1.0: b, True: c} has one key), and to
// compare tuples and frozensets in O(1) once their elements have ids.
//
// A key is a class, a 64-bit scalar and a byte string ("material"); two keys are the same
// when all three are. PickleHeap decides what goes where (see pickle_heap.h): numbers are
// normalized so that equal numbers of different types give identical keys, a tuple's
// material is its elements' ids, a frozenset's is the sorted distinct ids of its elements.
//
// Hashing uses absl::Hash, which is seeded per process, so a client cannot precompute
// colliding keys. Memory is kept between frames (Clear() empties without freeing).
//
// Thread-compatible; owned by one PickleDecoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

namespace fullerene::codec::internal {

class KeyInterner {
 public:
  enum class KeyClass : uint8_t {
    kNone,
    kInt,          // every int, bool and integral float that fits an int64; scalar = value
    kFloat,        // any other non-NaN float; scalar = its bits
    kNan,          // scalar = the object's identity (NaN equals only itself)
    kPositiveBig,  // material = magnitude limbs
    kNegativeBig,
    kStr,        // material = UTF-8 bytes
    kBytes,      // material = bytes
    kTuple,      // material = element ids
    kFrozenSet,  // material = sorted distinct element ids
  };

  KeyInterner() = default;
  KeyInterner(const KeyInterner&) = delete;
  KeyInterner& operator=(const KeyInterner&) = delete;

  // Returns the id of the key, adding it when new. Ids are 0, 1, 2, ... in order of addition.
  uint32_t Intern(KeyClass key_class, int64_t scalar, absl::string_view material);

  size_t size() const { return entries_.size(); }
  void Clear();
  // Frees everything (used after a hostile frame inflated the tables).
  void Release();
  size_t RetainedBytes() const;

 private:
  struct Entry {
    uint64_t hash;
    int64_t scalar;
    size_t material_offset;
    size_t material_size;
    KeyClass key_class;
  };

  void Rehash(size_t slot_count);

  std::vector<Entry> entries_;
  // Open addressing with linear probing; 0 is empty, otherwise entry index + 1. The load
  // factor stays at or below 1/2.
  std::vector<uint32_t> slots_;
  std::vector<char> material_;
};

}  // namespace fullerene::codec::internal
