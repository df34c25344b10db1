// File: mix.h
//
// Mix64 is the stateless hash behind everything "random" in fullerene-gen: a name's
// placement, a datapoint's value, a timestamp's jitter. It is SplitMix64's finalizer
// (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014), so
// Mix64(seed ^ index) gives well-spread, reproducible values with no generator state to
// carry, and any datapoint can be recomputed from its index alone.
//
// Pure; thread-safe.
#pragma once

#include <cstdint>

namespace fullerene::gen {

inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Combines a seed and an index into one hash; distinct `salt`s give independent streams.
inline uint64_t Mix64(uint64_t seed, uint64_t salt, uint64_t index) {
  return Mix64(Mix64(seed ^ (salt * 0xd6e8feb86659fd93ull)) ^ index);
}

}  // namespace fullerene::gen
