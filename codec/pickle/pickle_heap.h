// File: pickle_heap.h
//
// PickleHeap holds the Python objects that one pickle frame builds, and answers the few
// questions carbon's receive loop asks of them (COMPAT §3.4): can this object be unpacked
// into exactly two, what is float() of it, what does `for x in obj` yield. PickleDecoder's
// opcode loop builds into it; its item walker reads from it.
//
// Objects are 16-byte PyValues. Scalars are held inline; a str or bytes is a view into the
// frame payload (BINUNICODE and friends, which need no decoding) or into the scratch arena
// (STRING/UNICODE text after unescaping); a big int's limbs live in the limb arena; a list,
// tuple, dict, set or frozenset is an index into the container table, so every copy (memo
// GET, DUP) refers to the same object and sees later APPENDs, as in Python. All arenas are
// vectors addressed by offset, cleared (not freed) between frames.
//
// Modelling decisions (where the Python object model is wider than what carbon can use):
//  * A dict keeps only its keys, in insertion order, duplicates included; iteration and
//    unpacking see the keys without duplicates (first occurrence wins, as in a Python dict),
//    computed once per dict with KeyInterner. Values are never observable by carbon's loop,
//    but they still count towards the nesting depth.
//  * Key equality is Python's: 1 == 1.0 == True, -0.0 == 0, 2**64 == 1.8446744073709552e19,
//    'a' != b'a', tuples and frozensets by content. A NaN is equal only to itself (the same
//    object, e.g. through the memo), as Python's identity-first comparison makes it.
//  * Nesting depth is measured when an object is put into a container (1 + the deepest
//    element); more than kMaxContainerDepth is kTooDeep. Mutating a list that already sits
//    in another container does not re-measure its ancestors, and a list may contain itself;
//    nothing here ever recurses through lists or dicts, and tuples and frozensets (the only
//    things we walk deeply, when comparing keys) are immutable, so their depth is exact.
//  * SETITEM on a list assigns an element (list[i] = v, negative i allowed) as Python does.
//    APPEND and SETITEM on a bytearray, which Python would extend or assign, are
//    kMalformed: no pickler emits them.
//  * Work is linear in the frame size even for hostile frames: float() and key hashing of a
//    str, bytes or big int longer than 64 bytes are cached per object, so a long string
//    referenced a million times through the memo is parsed once.
//
// Thread-compatible; owned by one PickleDecoder.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/pickle/pickle_int.h"
#include "codec/pickle/pickle_key_interner.h"
#include "core/memory/byte_buffer.h"

namespace fullerene::codec::internal {

// PickleDecoder::kMaxDepth.
inline constexpr int kMaxContainerDepth = 64;

// Frames are indexed with 32-bit offsets. carbon's default limit is 1 MiB; anything above
// this is refused (kMalformed) rather than risk overflowing an index.
inline constexpr size_t kMaxPayloadBytes = size_t{256} << 20;

enum class PyKind : uint8_t {
  kAbsent,  // an empty memo slot; never on the stack
  kNone,
  kBool,
  kInt,
  kBigInt,
  kFloat,
  kStr,
  kBytes,
  kByteArray,
  kList,
  kTuple,
  kDict,
  kSet,
  kFrozenSet,
};

// PyValue::flags.
inline constexpr uint8_t kInScratch = 1;   // str/bytes: `offset` is into the scratch arena
inline constexpr uint8_t kStrictUtf8 = 2;  // str: the text passes IsStrictUtf8()
inline constexpr uint8_t kNegative = 4;    // big int: the sign

struct PyValue {
  PyKind kind = PyKind::kAbsent;
  uint8_t flags = 0;
  // str/bytes/bytearray: the byte length. Big int: the limb count. Float: the object's
  // identity (the payload offset of the opcode that made it). Container: its index.
  uint32_t ref = 0;
  union {
    int64_t integer = 0;  // bool, int
    double real;          // float
    uint64_t offset;      // str/bytes: first byte; big int: first limb
  };
};
static_assert(sizeof(PyValue) == 16, "PyValue is copied around a lot; keep it two words");

// After a frame, arenas holding more than 8 MiB that is also more than 64 bytes per byte of
// the next payload are freed: a hostile 1 MiB frame can inflate them to tens of MiB, and a
// worker should not keep that for ever. Frames of similar sizes never trigger it.
inline bool ShouldReleaseMemory(size_t retained_bytes, size_t next_payload_size) {
  return retained_bytes > (size_t{8} << 20) && retained_bytes / 64 > next_payload_size;
}

// Why building an object failed.
enum class BuildResult : uint8_t { kOk, kTooDeep, kMalformed };

class PickleHeap {
 public:
  PickleHeap() = default;
  PickleHeap(const PickleHeap&) = delete;
  PickleHeap& operator=(const PickleHeap&) = delete;

  // Forgets the previous frame's objects and starts on `payload`, which must outlive every
  // later call. Keeps the memory, unless a much larger frame left it oversized.
  void Reset(absl::string_view payload);
  size_t RetainedBytes() const;

  // ---- Building (the opcode loop) ----

  core::ByteBuffer* scratch() { return &scratch_; }
  std::vector<uint32_t>* limbs() { return &limbs_; }

  static PyValue None() { return Scalar(PyKind::kNone, 0); }
  static PyValue Bool(bool v) { return Scalar(PyKind::kBool, v ? 1 : 0); }
  static PyValue SmallInt(int64_t v) { return Scalar(PyKind::kInt, v); }
  static PyValue Float(double v, uint32_t identity);
  static PyValue Int(const PickleInt& v);
  // A str whose bytes are payload[offset, +length), or scratch when `in_scratch`.
  PyValue Str(size_t offset, size_t length, bool in_scratch) const;
  // Bytes or bytearray viewing payload[offset, +length).
  static PyValue Bytes(PyKind kind, size_t offset, size_t length);

  // A new list, tuple, set, frozenset or dict holding `count` stack values (for a dict,
  // count/2 key-value pairs).
  BuildResult NewContainer(PyKind kind, const PyValue* values, size_t count, PyValue* out);
  // A tuple of `count` stack values: NewContainer(kTuple, ...) for the hot TUPLE1/2/3.
  // `out` may alias values[0].
  BuildResult NewTuple(const PyValue* values, size_t count, PyValue* out) {
    int depth = 0;
    bool hashable = true;
    for (size_t i = 0; i < count; ++i) {
      if (IsContainer(values[i].kind)) {
        const Container& c = containers_[values[i].ref];
        depth = std::max<int>(depth, c.depth);
        hashable = hashable && c.hashable;
      } else {
        hashable = hashable && values[i].kind != PyKind::kByteArray;
      }
    }
    if (depth + 1 > kMaxContainerDepth) {
      return BuildResult::kTooDeep;
    }
    Container c;
    c.begin = static_cast<uint32_t>(elements_.size());
    c.size = static_cast<uint32_t>(count);
    c.capacity = c.size;
    c.kind = PyKind::kTuple;
    c.depth = static_cast<uint8_t>(depth + 1);
    c.hashable = hashable;
    elements_.insert(elements_.end(), values, values + count);
    out->kind = PyKind::kTuple;
    out->flags = 0;
    out->ref = static_cast<uint32_t>(containers_.size());
    out->integer = 0;
    containers_.push_back(c);
    return BuildResult::kOk;
  }
  // APPEND/APPENDS: list.extend(values).
  BuildResult Append(const PyValue& target, const PyValue* values, size_t count);
  // SETITEM/SETITEMS: target[key] = value for each pair, on a dict or a list.
  BuildResult SetItems(const PyValue& target, const PyValue* pairs, size_t count);
  // ADDITEMS: set.update(values).
  BuildResult AddItems(const PyValue& target, const PyValue* values, size_t count);

  // ---- Walking (carbon's loop) ----

  // What `for x in value` yields, when that is a run of values in the element arena: the
  // elements of a list or tuple, the distinct keys of a dict. False for anything else.
  bool Elements(const PyValue& value, uint32_t* begin, uint32_t* count);
  PyValue element(uint32_t index) const { return elements_[index]; }

  // `first, second = value`: true when iterating `value` yields exactly two items, which
  // are stored. A str yields its characters and bytes its ints. Sets and frozensets are
  // never unpacked: their order is not defined by Python.
  bool Unpack2(const PyValue& value, PyValue* first, PyValue* second) {
    if (value.kind == PyKind::kTuple || value.kind == PyKind::kList) {
      const Container& c = containers_[value.ref];
      if (c.size != 2) {
        return false;
      }
      *first = elements_[c.begin];
      *second = elements_[c.begin + 1];
      return true;
    }
    return UnpackOther(value, first, second);
  }

  // Python's float(value): int (correctly rounded; false when too large), bool, float, and
  // str/bytes/bytearray through ParsePythonFloat. False for anything else.
  bool ToDouble(const PyValue& value, double* out) {
    if (value.kind == PyKind::kFloat) {
      *out = value.real;
      return true;
    }
    return ToDoubleOther(value, out);
  }

  // The bytes of a str, bytes or bytearray.
  absl::string_view Text(const PyValue& value) const {
    const char* base = (value.flags & kInScratch) != 0 ? scratch_.data() : payload_.data();
    return absl::string_view(base + value.offset, value.ref);
  }

  // The number of characters of a str, as Python counts them (see CharacterLength()).
  size_t CountCharacters(const PyValue& str) const;

  // Test hooks.
  size_t ContainerCountForTest() const { return containers_.size(); }

 private:
  struct Container {
    uint32_t begin = 0;  // first element in elements_
    uint32_t size = 0;
    uint32_t capacity = 0;
    uint32_t key_id = kNoKeyId;   // tuple/frozenset: interned, once computed
    uint32_t distinct_begin = 0;  // dict: keys without duplicates, once computed
    uint32_t distinct_size = kNotComputed;
    PyKind kind = PyKind::kList;
    uint8_t depth = 1;
    bool hashable = true;  // tuple: every element is hashable
  };

  // A cache slot for a long str/bytes/big int, keyed by where its data lives.
  struct CacheSlot {
    uint64_t key = 0;  // 0: empty
    uint32_t key_id = kNoKeyId;
    uint8_t number = 0;  // 0: not parsed yet, 1: `value` holds float(obj), 2: not a number
    double value = 0;
  };

  struct KeyWork {
    uint32_t container;
    uint32_t next;  // the next element to look at
  };

  static constexpr uint32_t kNoKeyId = 0xffffffff;
  static constexpr uint32_t kNotComputed = 0xffffffff;
  // Objects whose data is longer than this are parsed and hashed once, then cached.
  static constexpr size_t kCacheThresholdBytes = 64;

  static PyValue Scalar(PyKind kind, int64_t v) {
    PyValue value;
    value.kind = kind;
    value.integer = v;
    return value;
  }
  static bool IsContainer(PyKind kind) { return kind >= PyKind::kList; }
  bool IsHashable(const PyValue& v) const;
  int Depth(const PyValue& v) const { return IsContainer(v.kind) ? containers_[v.ref].depth : 0; }
  // Makes room for `extra` more elements in container `index`.
  void Reserve(uint32_t index, size_t extra);
  // Raises the depth of container `index` to hold `v`; false when that is too deep.
  bool Deepen(uint32_t index, const PyValue& v);

  // Unpack2() and ToDouble() for everything but the common types.
  bool UnpackOther(const PyValue& value, PyValue* first, PyValue* second);
  bool ToDoubleOther(const PyValue& value, double* out);
  void DistinctKeys(uint32_t dict, uint32_t* begin, uint32_t* count);
  uint32_t KeyId(const PyValue& v);
  uint32_t ScalarKeyId(const PyValue& v);
  uint32_t ContainerKeyId(uint32_t root);
  CacheSlot* FindCacheSlot(uint64_t key);
  bool TextToDouble(const PyValue& value, double* out);

  absl::string_view payload_;
  std::vector<PyValue> elements_;
  std::vector<Container> containers_;
  core::ByteBuffer scratch_;
  std::vector<uint32_t> limbs_;

  KeyInterner interner_;
  std::vector<uint32_t> ids_;
  std::vector<KeyWork> key_work_;
  // seen_[id] == epoch_ marks a key already met in the dict being de-duplicated.
  std::vector<uint32_t> seen_;
  uint32_t epoch_ = 0;
  std::vector<CacheSlot> cache_;
  size_t cache_used_ = 0;
};

}  // namespace fullerene::codec::internal
