// File: pickle_item_counter.h
//
// PickleItemCounter says how many datapoints codec::PickleDecoder would deliver for a pickle
// frame payload (its OnMetric calls), at a fraction of the decoder's cost: the sink counts
// what relays send it, and must keep up with tens of millions of datapoints per second on one
// core.
//
//   PickleItemCounter counter;                       // one per sink thread
//   PickleCount c = counter.Count(payload);          // c.datapoints, c.bad_items, c.frame_ok
//
// The fast path walks the opcodes once and keeps, instead of the objects, only their shape
// (a str, a number, a (number, number) pair, a (str, pair) datapoint, a list and how many
// datapoints it holds). It models exactly the protocol-2 subset that carbon-relay, fullerene
// and carbon clients write: PROTO, EMPTY_LIST, MARK, BINPUT/LONG_BINPUT, BINGET/LONG_BINGET,
// BINUNICODE/SHORT_BINUNICODE with an ASCII name, BINFLOAT, BININT/BININT1/BININT2, LONG1 of
// at most 8 bytes, TUPLE2, TUPLE of two, APPEND, APPENDS and STOP, with the decoder's stack,
// MARK and memo rules. As soon as a frame holds anything else (another opcode, a non-ASCII
// name, an item that is not a (str, (number, number)) pair, a truncation, a bad memo index,
// ...) the walk gives up and the frame goes through the real decoder, so the answer is the
// decoder's in every case; tests/tools/gen/pickle_item_counter_test.cc checks that on our own
// frames, CPython's, and thousands of corrupted ones.
//
// Thread-compatible: one counter per thread; its scratch vectors are reused, so counting
// allocates nothing once it has seen a frame of each size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/pickle/pickle_decoder.h"

namespace fullerene::gen {

struct PickleCount {
  uint64_t datapoints = 0;  // OnMetric calls
  uint64_t bad_items = 0;   // OnBadItem calls
  bool frame_ok = true;     // false: the decoder rejected the whole frame
};

class PickleItemCounter {
 public:
  PickleItemCounter() = default;
  PickleItemCounter(const PickleItemCounter&) = delete;
  PickleItemCounter& operator=(const PickleItemCounter&) = delete;

  PickleCount Count(absl::string_view payload);

  // Frames that needed the full decoder.
  uint64_t fallbacks() const { return fallbacks_; }
  // The fast path alone: true with *datapoints set when it could model the frame.
  bool CountFastForTest(absl::string_view payload, uint64_t* datapoints) {
    return TryCount(payload, datapoints);
  }

 private:
  enum class Shape : uint8_t { kAbsent, kStr, kNumber, kPair, kDatapoint, kList };
  struct Entry {
    Shape shape = Shape::kAbsent;
    uint32_t list = 0;  // index into lists_, for kList
  };

  bool TryCount(absl::string_view payload, uint64_t* datapoints);
  // The shortcut for the item every carbon sender writes, CPython's and ours alike:
  //   BINUNICODE name, BINPUT, BINFLOAT ts, BINFLOAT value, TUPLE2, BINPUT, TUPLE2, BINPUT
  // (each BINPUT possibly a LONG_BINPUT). Returns its length in bytes, having applied its
  // effect on the stack and the memo, or 0 (and no effect) when p does not start one.
  size_t MatchDatapoint(const uint8_t* p, size_t left);

  std::vector<Entry> stack_;
  std::vector<uint32_t> marks_;
  std::vector<Entry> memo_;
  size_t memo_high_ = 0;         // memo_ slots [0, memo_high_) may be set
  size_t payload_size_ = 0;      // of the frame being walked
  std::vector<uint64_t> lists_;  // datapoints appended to each list
  codec::PickleDecoder decoder_;
  uint64_t fallbacks_ = 0;
};

}  // namespace fullerene::gen
