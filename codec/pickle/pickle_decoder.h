// File: pickle_decoder.h
//
// The pickle receiver's decoder (carbon's PICKLE_RECEIVER_PORT, COMPAT §3.4): it unpickles
// one frame payload, as carbon's SafeUnpickler does on Python 3, and then walks it as
// carbon's receive loop does:
//
//   for raw in payload:
//       (metric, (a, b)) = raw               # else kNotPair
//       datapoint = (float(a), float(b))     # else kBadNumber
//       metric must be a str                 # else kNameNotStr
//       metric must be valid UTF-8           # else kBadUtf8
//       OnMetric({metric, float(a), float(b)})
//
//   struct Handler {
//     void OnMetric(const core::MetricView& metric);   // name valid until the next Decode()
//     void OnBadItem(PickleItemError error);
//   };
//   PickleDecoder decoder;                              // reusable; one per worker is enough
//   PickleFrameStatus status = decoder.Decode(payload, handler);
//
// A metric name views the payload (BINUNICODE, SHORT_BINUNICODE, BINSTRING, ...: bytes that
// need no decoding) or the decoder's scratch space (STRING and UNICODE text after
// unescaping). It is valid until the next Decode() call and while the payload lives.
//
// The frame is unpickled completely before any item is delivered, as pickle.loads does:
// on a frame error nothing of the frame reaches the handler. The returned status says why
// (carbon logs "invalid pickle received" and drops the frame, or closes the connection;
// which one is the caller's business).
//
// Opcodes: everything of protocols 0-5 that builds plain data (see the PickleFrameStatus
// comments), with CPython 3.11's exact parsing of text arguments (pickle_text.h); Python 2
// pickles ('S'/'T'/'U' str decoded as UTF-8, 'I'/'L' ints, INT's "I01"/"I00" bools) and
// carbon-relay's own protocol-2 output both decode. Nothing callable or external ever
// resolves: on Python 3 carbon's allow-list names modules that do not exist.
//
// carbon unpickles `SafeUnpickler(BytesIO(data), encoding='utf-8').load()`, not
// pickle.loads(data), and the two differ on one thing: with a file, a protocol-4 FRAME is
// read ahead into a buffer, and a read that runs past the end of that buffer drops what is
// left of it (BINBYTES and BYTEARRAY8, read with readinto(), do not). We do exactly that,
// so a frame whose FRAMEs do not end on opcode boundaries decodes as carbon decodes it. No
// pickler writes such frames; for every other payload the two readings agree.
//
// Divergences from carbon, on purpose (COMPAT §8):
//  * A str that is not valid UTF-8 (a Python 2 str or BINUNICODE that is not UTF-8, or a
//    lone surrogate, which BINUNICODE's 'surrogatepass' and UNICODE's \ud800 allow) does
//    not fail the frame; a datapoint named by it is dropped as kBadUtf8, and anything else
//    about it behaves as Python would for its characters.
//  * A bytes or int name costs only that datapoint (kNameNotStr); carbon's
//    metric.encode() raises AttributeError and drops the connection.
//  * An int too large for a double costs only its datapoint (kBadNumber); carbon's
//    OverflowError drops the connection.
//  * Sets and frozensets are never unpacked or iterated (kNotPair as an item, kNotIterable
//    as the payload): Python iterates them in hash order, which no client can rely on.
//  * Limits that Python does not have: nesting deeper than kMaxDepth is kTooDeep (CPython
//    unpickles 10000 nested lists); a memo index at or beyond the payload size is kBadMemo
//    (CPython grows its memo to the index, which froze the real relay on a 50-byte frame).
//  * APPEND/SETITEM on a bytearray is kMalformed (Python would mutate it), and
//    READONLY_BUFFER, which CPython applies to any bytes, is kUnsafe like NEXT_BUFFER.
//  * float() of a str or bytes rejects non-ASCII digits and spaces (see python_float.h);
//    everything else about it is Python's, including that float('\x1c3') is an error.
//  * Errors are reported as soon as the opcode is read: an unsafe opcode is kUnsafe even
//    when its arguments are truncated, where Python would first run out of input.
//  * A text opcode whose line is too short ("I\n", "p\n") is kMalformed, a line missing its
//    '\n' is kTruncated (CPython says "pickle data was truncated" for both).
//
// The decoder does not apply COMPAT §3.1 (NaN values, -1 timestamps, whitelists): it hands
// over exactly the floats carbon's loop would pass to metricReceived.
//
// Performance and memory: no allocation per datapoint; every arena is cleared, not freed,
// between frames, so after the first frames of a given size decoding allocates nothing.
// Work is linear in the frame size, hostile frames included (pickle_heap.h). Memory beyond
// 8 MiB that is more than 64 bytes per payload byte is given back at the next frame.
//
// Thread-compatible: a decoder is owned by one worker and used for one frame at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/pickle/pickle_heap.h"
#include "core/base/metric_view.h"

namespace fullerene::codec {

// What became of a whole frame. Anything but kOk means no datapoint of it was delivered.
enum class PickleFrameStatus : uint8_t {
  kOk = 0,
  // Ran out of input before STOP ("Ran out of input" in Python), including the empty frame,
  // a length or FRAME that reaches past the end, and a text argument without its '\n'.
  kTruncated,
  // A byte that is no opcode of protocols 0-5.
  kBadOpcode,
  // GLOBAL, STACK_GLOBAL, INST, OBJ, REDUCE, BUILD, NEWOBJ, NEWOBJ_EX, EXT1/2/4, PERSID,
  // BINPERSID, NEXT_BUFFER, READONLY_BUFFER: nothing callable or external ever resolves
  // (carbon's SafeUnpickler on Python 3 resolves no global at all).
  kUnsafe,
  // GET of an index never PUT, or a PUT/GET index that is negative or >= the frame size
  // (so a hostile index never allocates anything).
  kBadMemo,
  // Containers nested more than PickleDecoder::kMaxDepth deep.
  kTooDeep,
  // Everything else Python rejects: stack underflow, MARK misuse, bad text in INT, LONG,
  // FLOAT, GET, PUT, STRING or UNICODE, an unsupported PROTO, an unhashable dict key or set
  // element, APPEND/SETITEM/ADDITEMS on the wrong type, a list index out of range, a
  // negative LONG4 length, a length beyond 2**63, a payload over 256 MiB.
  kMalformed,
  // The unpickled object cannot be iterated: an int, a float, None, a bool, a set or a
  // frozenset (see above).
  kNotIterable,
};

// "ok", "truncated", "bad_opcode", "unsafe", "bad_memo", "too_deep", "malformed",
// "not_iterable": stable names for counters and logs.
absl::string_view PickleFrameStatusName(PickleFrameStatus status);

// Why one datapoint of a good frame was dropped.
enum class PickleItemError : uint8_t {
  // Not (metric, (ts, value)): not iterable, or not exactly two items at either level
  // ("Error decoding pickle" in carbon).
  kNotPair,
  // ts or value is not float()-able: None, a list, 'abc', an int too large for a double.
  kBadNumber,
  // The metric is bytes, an int, ... (carbon drops the whole connection).
  kNameNotStr,
  // The metric name is not valid UTF-8.
  kBadUtf8,
};

// "not_pair", "bad_number", "name_not_str", "bad_utf8".
absl::string_view PickleItemErrorName(PickleItemError error);

class PickleDecoder {
 public:
  static constexpr int kMaxDepth = internal::kMaxContainerDepth;

  PickleDecoder();
  PickleDecoder(const PickleDecoder&) = delete;
  PickleDecoder& operator=(const PickleDecoder&) = delete;

  // Decodes one frame payload (without its 4-byte length) and hands every item of the
  // unpickled object to `handler`, in order. Returns kOk when the items were walked (each
  // one became OnMetric or OnBadItem), otherwise the frame error.
  template <typename Handler>
  PickleFrameStatus Decode(absl::string_view payload, Handler& handler);

  // Bytes the decoder keeps for reuse. Decoding the same frame twice must not grow it.
  size_t RetainedBytesForTest() const;

 private:
  // Unpickles `payload` into heap_ and sets root_.
  PickleFrameStatus Parse(absl::string_view payload);
  // Starts the walk over root_; false when it is not iterable. Sets *count.
  bool BeginItems(size_t* count);
  // Item `index` of the walk: true with *metric filled, or false with *error.
  bool ReadItem(size_t index, core::MetricView* metric, PickleItemError* error);

  size_t Fence() const { return marks_.empty() ? 0 : marks_.back(); }
  // Pops the top mark into *mark; false when there is none.
  bool PopMark(size_t* mark);
  PickleFrameStatus MemoGet(uint64_t index);
  // Memoizes the top of the stack (which the caller checked is there) at `index`.
  PickleFrameStatus MemoPut(uint64_t index) {
    if (index == memo_.size() && index < payload_size_) {
      // The usual case: picklers number memo entries 0, 1, 2, ...
      memo_.push_back(stack_.back());
      ++memo_count_;
      return PickleFrameStatus::kOk;
    }
    return MemoPutAnywhere(index);
  }
  PickleFrameStatus MemoPutAnywhere(uint64_t index);

  internal::PickleHeap heap_;
  std::vector<internal::PyValue> stack_;
  // Stack heights at each MARK (CPython keeps marks apart from the stack too).
  std::vector<size_t> marks_;
  // Slots never PUT hold kind kAbsent.
  std::vector<internal::PyValue> memo_;
  // The number of filled memo slots: MEMOIZE's index.
  size_t memo_count_ = 0;
  size_t payload_size_ = 0;
  internal::PyValue root_;

  // The walk: items are elements_[items_begin_ + i], unless every item is a character of a
  // str or an int of a bytes, none of which unpacks into two.
  uint32_t items_begin_ = 0;
  bool items_unpackable_ = false;
};

template <typename Handler>
PickleFrameStatus PickleDecoder::Decode(absl::string_view payload, Handler& handler) {
  const PickleFrameStatus status = Parse(payload);
  if (status != PickleFrameStatus::kOk) {
    return status;
  }
  size_t count = 0;
  if (!BeginItems(&count)) {
    return PickleFrameStatus::kNotIterable;
  }
  for (size_t i = 0; i < count; ++i) {
    core::MetricView metric;
    PickleItemError error;
    if (ReadItem(i, &metric, &error)) {
      handler.OnMetric(metric);
    } else {
      handler.OnBadItem(error);
    }
  }
  return PickleFrameStatus::kOk;
}

}  // namespace fullerene::codec
