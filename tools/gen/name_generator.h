// File: name_generator.h
//
// NameGenerator makes the metric names fullerene-gen sends: `count` distinct dotted names of
// `depth` components each, shaped like a fleet's, the same ones for the same seed on every
// run and every machine (so two benchmark runs, or a run and its replay, send the same names).
//
//   NameGenerator names(/*count=*/100000, /*depth=*/5, /*seed=*/1);
//   names.Name(0);      // e.g. "dc3.rack17.host042.disk.read_bytes"
//
// The components are, from the top: a datacenter (dc1..), a rack (rack01..), a host
// (host001..), then `depth - 5` group components (grp01..) for deeper names, a plugin (cpu,
// memory, disk, ...) and a measurement (user, idle, read_bytes, ...). A shallower name keeps
// only the lowest `depth` of dc, rack, host, plugin, measurement. Every level has a natural
// fan-out (4 dcs, 40 racks, 200 hosts, ...); when `count` needs more, the host level (the top
// level, for depth < 3) grows, and a word level runs out of words as "user", ..., "user1", ...
//
// Name i is the mixed-radix spelling of (a * i + b) mod M, where M is the product of the
// fan-outs and a (coprime to M) and b come from the seed: an affine bijection on [0, M), so
// the names are distinct by construction, and spread over the whole tree rather than filling
// the first racks.
//
// Memory: all names live in one string (about 30 bytes each), built once by the constructor.
// Thread-compatible; const methods are safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fullerene::gen {

class NameGenerator {
 public:
  static constexpr int kMinDepth = 1;
  // 16 components are far deeper than any real hierarchy, and keep M below 2^64.
  static constexpr int kMaxDepth = 16;
  // 50 million names are about 1.5 GB of text: more than a load test needs.
  static constexpr uint64_t kMaxCount = 50'000'000;

  // count in [1, kMaxCount], depth in [kMinDepth, kMaxDepth] (the caller validates flags).
  NameGenerator(uint64_t count, int depth, uint64_t seed);

  size_t size() const { return ends_.size(); }
  absl::string_view Name(size_t i) const {
    const size_t begin = i == 0 ? 0 : ends_[i - 1];
    return absl::string_view(text_.data() + begin, ends_[i] - begin);
  }
  // The longest name, for sizing buffers.
  size_t max_length() const { return max_length_; }

 private:
  std::string text_;
  std::vector<uint64_t> ends_;  // ends_[i]: offset just past name i in text_
  size_t max_length_ = 0;
};

}  // namespace fullerene::gen
