#include "codec/pickle/pickle_heap.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/hash/hash.h"
#include "core/base/python_float.h"
#include "codec/pickle/pickle_text.h"

namespace fullerene::codec::internal {
namespace {

// Where cached data lives, in the top bits of a cache key.
constexpr uint64_t kPayloadSpace = uint64_t{1} << 62;
constexpr uint64_t kScratchSpace = uint64_t{2} << 62;
constexpr uint64_t kLimbSpace = uint64_t{3} << 62;

constexpr size_t kInitialCacheSlots = 64;

template <typename T>
size_t CapacityBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

template <typename T>
void Free(std::vector<T>* v) {
  *v = std::vector<T>();
}

}  // namespace

void PickleHeap::Reset(absl::string_view payload) {
  if (ShouldReleaseMemory(RetainedBytes(), payload.size())) {
    Free(&elements_);
    Free(&containers_);
    Free(&limbs_);
    Free(&ids_);
    Free(&key_work_);
    Free(&seen_);
    Free(&cache_);
    scratch_.clear();
    scratch_.ShrinkTo(0);
    interner_.Release();
    epoch_ = 0;
  }
  payload_ = payload;
  elements_.clear();
  containers_.clear();
  scratch_.clear();
  limbs_.clear();
  interner_.Clear();
  if (cache_used_ != 0) {
    std::fill(cache_.begin(), cache_.end(), CacheSlot());
    cache_used_ = 0;
  }
}

size_t PickleHeap::RetainedBytes() const {
  return CapacityBytes(elements_) + CapacityBytes(containers_) + scratch_.capacity() +
         CapacityBytes(limbs_) + CapacityBytes(ids_) + CapacityBytes(key_work_) +
         CapacityBytes(seen_) + CapacityBytes(cache_) + interner_.RetainedBytes();
}

PyValue PickleHeap::Float(double v, uint32_t identity) {
  PyValue value;
  value.kind = PyKind::kFloat;
  value.ref = identity;
  value.real = v;
  return value;
}

PyValue PickleHeap::Int(const PickleInt& v) {
  if (!v.big) {
    return SmallInt(v.small);
  }
  PyValue value;
  value.kind = PyKind::kBigInt;
  value.flags = v.negative ? kNegative : 0;
  value.ref = v.limb_count;
  value.offset = v.limb_begin;
  return value;
}

PyValue PickleHeap::Str(size_t offset, size_t length, bool in_scratch) const {
  PyValue value;
  value.kind = PyKind::kStr;
  value.flags = in_scratch ? kInScratch : 0;
  value.ref = static_cast<uint32_t>(length);
  value.offset = offset;
  if (IsStrictUtf8(Text(value))) {
    value.flags |= kStrictUtf8;
  }
  return value;
}

PyValue PickleHeap::Bytes(PyKind kind, size_t offset, size_t length) {
  PyValue value;
  value.kind = kind;
  value.ref = static_cast<uint32_t>(length);
  value.offset = offset;
  return value;
}

bool PickleHeap::IsHashable(const PyValue& v) const {
  switch (v.kind) {
    case PyKind::kList:
    case PyKind::kDict:
    case PyKind::kSet:
    case PyKind::kByteArray:
      return false;
    case PyKind::kTuple:
      return containers_[v.ref].hashable;
    default:
      return true;
  }
}

BuildResult PickleHeap::NewContainer(PyKind kind, const PyValue* values, size_t count,
                                     PyValue* out) {
  const bool is_dict = kind == PyKind::kDict;
  const bool needs_hashable = kind == PyKind::kSet || kind == PyKind::kFrozenSet;
  int depth = 0;
  bool hashable = true;
  for (size_t i = 0; i < count; ++i) {
    depth = std::max(depth, Depth(values[i]));
    const bool is_key = !is_dict || i % 2 == 0;
    if (is_key && !IsHashable(values[i])) {
      if (is_dict || needs_hashable) {
        return BuildResult::kMalformed;  // TypeError: unhashable type
      }
      hashable = false;
    }
  }
  if (depth + 1 > kMaxContainerDepth) {
    return BuildResult::kTooDeep;
  }
  const size_t stored = is_dict ? count / 2 : count;
  Container c;
  c.begin = static_cast<uint32_t>(elements_.size());
  c.size = static_cast<uint32_t>(stored);
  c.capacity = c.size;
  c.kind = kind;
  c.depth = static_cast<uint8_t>(depth + 1);
  c.hashable = kind == PyKind::kFrozenSet || (kind == PyKind::kTuple && hashable);
  if (is_dict) {
    for (size_t i = 0; i < count; i += 2) {
      elements_.push_back(values[i]);
    }
  } else {
    elements_.insert(elements_.end(), values, values + count);
  }
  out->kind = kind;
  out->flags = 0;
  out->ref = static_cast<uint32_t>(containers_.size());
  out->integer = 0;
  containers_.push_back(c);
  return BuildResult::kOk;
}

void PickleHeap::Reserve(uint32_t index, size_t extra) {
  Container& c = containers_[index];
  const size_t needed = size_t{c.size} + extra;
  if (needed <= c.capacity) {
    return;
  }
  const size_t capacity = std::max({needed, size_t{2} * c.capacity, size_t{4}});
  if (size_t{c.begin} + c.capacity == elements_.size()) {
    // The block is the last thing in the arena: grow it where it is.
    elements_.resize(c.begin + capacity);
  } else {
    const size_t begin = elements_.size();
    elements_.resize(begin + capacity);
    std::copy_n(elements_.begin() + c.begin, c.size, elements_.begin() + begin);
    c.begin = static_cast<uint32_t>(begin);
  }
  c.capacity = static_cast<uint32_t>(capacity);
}

bool PickleHeap::Deepen(uint32_t index, const PyValue& v) {
  const int depth = Depth(v) + 1;
  if (depth > kMaxContainerDepth) {
    return false;
  }
  Container& c = containers_[index];
  c.depth = static_cast<uint8_t>(std::max<int>(c.depth, depth));
  return true;
}

BuildResult PickleHeap::Append(const PyValue& target, const PyValue* values, size_t count) {
  if (target.kind != PyKind::kList) {
    return BuildResult::kMalformed;  // AttributeError: no append/extend
  }
  for (size_t i = 0; i < count; ++i) {
    if (!Deepen(target.ref, values[i])) {
      return BuildResult::kTooDeep;
    }
  }
  Reserve(target.ref, count);
  Container& c = containers_[target.ref];
  std::copy_n(values, count, elements_.begin() + c.begin + c.size);
  c.size += static_cast<uint32_t>(count);
  return BuildResult::kOk;
}

BuildResult PickleHeap::SetItems(const PyValue& target, const PyValue* pairs, size_t count) {
  if (target.kind == PyKind::kDict) {
    for (size_t i = 0; i < count; i += 2) {
      if (!IsHashable(pairs[i])) {
        return BuildResult::kMalformed;
      }
      if (!Deepen(target.ref, pairs[i]) || !Deepen(target.ref, pairs[i + 1])) {
        return BuildResult::kTooDeep;
      }
    }
    Reserve(target.ref, count / 2);
    Container& c = containers_[target.ref];
    for (size_t i = 0; i < count; i += 2) {
      elements_[c.begin + c.size++] = pairs[i];
    }
    // A new key may repeat an old one; the de-duplicated view is rebuilt when asked for.
    c.distinct_size = kNotComputed;
    return BuildResult::kOk;
  }
  if (target.kind == PyKind::kList) {
    // list[index] = value; the index must be an int in range (IndexError/TypeError).
    for (size_t i = 0; i < count; i += 2) {
      const PyValue& key = pairs[i];
      if (key.kind != PyKind::kInt && key.kind != PyKind::kBool) {
        return BuildResult::kMalformed;
      }
      const Container& c = containers_[target.ref];
      int64_t index = key.integer;
      if (index < 0) {
        index += c.size;
      }
      if (index < 0 || index >= static_cast<int64_t>(c.size)) {
        return BuildResult::kMalformed;
      }
      if (!Deepen(target.ref, pairs[i + 1])) {
        return BuildResult::kTooDeep;
      }
      elements_[c.begin + static_cast<size_t>(index)] = pairs[i + 1];
    }
    return BuildResult::kOk;
  }
  return BuildResult::kMalformed;  // TypeError: does not support item assignment
}

BuildResult PickleHeap::AddItems(const PyValue& target, const PyValue* values, size_t count) {
  if (target.kind != PyKind::kSet) {
    return BuildResult::kMalformed;  // a frozenset (or anything else) has no add()
  }
  for (size_t i = 0; i < count; ++i) {
    if (!IsHashable(values[i])) {
      return BuildResult::kMalformed;
    }
    if (!Deepen(target.ref, values[i])) {
      return BuildResult::kTooDeep;
    }
  }
  Reserve(target.ref, count);
  Container& c = containers_[target.ref];
  std::copy_n(values, count, elements_.begin() + c.begin + c.size);
  c.size += static_cast<uint32_t>(count);
  return BuildResult::kOk;
}

bool PickleHeap::Elements(const PyValue& value, uint32_t* begin, uint32_t* count) {
  switch (value.kind) {
    case PyKind::kList:
    case PyKind::kTuple: {
      const Container& c = containers_[value.ref];
      *begin = c.begin;
      *count = c.size;
      return true;
    }
    case PyKind::kDict:
      DistinctKeys(value.ref, begin, count);
      return true;
    default:
      return false;
  }
}

bool PickleHeap::UnpackOther(const PyValue& value, PyValue* first, PyValue* second) {
  switch (value.kind) {
    case PyKind::kList:
    case PyKind::kTuple:
    case PyKind::kDict: {
      uint32_t begin = 0;
      uint32_t count = 0;
      Elements(value, &begin, &count);
      if (count != 2) {
        return false;
      }
      *first = elements_[begin];
      *second = elements_[begin + 1];
      return true;
    }
    case PyKind::kStr: {
      // Two characters are at most 8 bytes; a longer str cannot unpack into two.
      const absl::string_view text = Text(value);
      if (text.size() < 2 || text.size() > 8) {
        return false;
      }
      const size_t head = CharacterLength(text);
      if (head >= text.size() || head + CharacterLength(text.substr(head)) != text.size()) {
        return false;
      }
      *first = Str(value.offset, head, (value.flags & kInScratch) != 0);
      *second = Str(value.offset + head, text.size() - head, (value.flags & kInScratch) != 0);
      return true;
    }
    case PyKind::kBytes:
    case PyKind::kByteArray: {
      if (value.ref != 2) {
        return false;
      }
      const absl::string_view text = Text(value);
      *first = SmallInt(static_cast<uint8_t>(text[0]));
      *second = SmallInt(static_cast<uint8_t>(text[1]));
      return true;
    }
    default:
      return false;
  }
}

bool PickleHeap::ToDoubleOther(const PyValue& value, double* out) {
  switch (value.kind) {
    case PyKind::kBool:
    case PyKind::kInt:
      *out = static_cast<double>(value.integer);
      return true;
    case PyKind::kFloat:
      *out = value.real;
      return true;
    case PyKind::kBigInt:
      return BigIntToDouble(limbs_.data() + value.offset, value.ref, (value.flags & kNegative) != 0,
                            out);
    case PyKind::kStr:
    case PyKind::kBytes:
    case PyKind::kByteArray: {
      if (value.ref <= kCacheThresholdBytes) {
        return TextToDouble(value, out);
      }
      CacheSlot* slot = FindCacheSlot(
          ((value.flags & kInScratch) != 0 ? kScratchSpace : kPayloadSpace) | value.offset);
      if (slot->number == 0) {
        slot->number = TextToDouble(value, &slot->value) ? 1 : 2;
      }
      *out = slot->value;
      return slot->number == 1;
    }
    default:
      return false;
  }
}

bool PickleHeap::TextToDouble(const PyValue& value, double* out) {
  // float() of a str or bytes: ParsePythonFloat strips exactly what Python strips.
  return core::ParsePythonFloat(Text(value), out);
}

size_t PickleHeap::CountCharacters(const PyValue& str) const {
  absl::string_view text = Text(str);
  size_t count = 0;
  while (!text.empty()) {
    text.remove_prefix(CharacterLength(text));
    ++count;
  }
  return count;
}

void PickleHeap::DistinctKeys(uint32_t dict, uint32_t* begin, uint32_t* count) {
  Container& d = containers_[dict];
  if (d.distinct_size == kNotComputed) {
    if (d.size <= 1) {
      d.distinct_begin = d.begin;
      d.distinct_size = d.size;
    } else {
      if (++epoch_ == 0) {
        std::fill(seen_.begin(), seen_.end(), 0);
        epoch_ = 1;
      }
      const size_t out_begin = elements_.size();
      for (uint32_t i = 0; i < d.size; ++i) {
        // A copy: push_back below may move the arena.
        const PyValue key = elements_[d.begin + i];
        const uint32_t id = KeyId(key);
        if (id >= seen_.size()) {
          seen_.resize(std::max<size_t>(interner_.size(), id + 1), 0);
        }
        if (seen_[id] != epoch_) {
          seen_[id] = epoch_;
          elements_.push_back(key);
        }
      }
      const size_t distinct = elements_.size() - out_begin;
      if (distinct == d.size) {
        // No duplicates: the original block will do.
        elements_.resize(out_begin);
        d.distinct_begin = d.begin;
      } else {
        d.distinct_begin = static_cast<uint32_t>(out_begin);
      }
      d.distinct_size = static_cast<uint32_t>(distinct);
    }
  }
  *begin = d.distinct_begin;
  *count = d.distinct_size;
}

uint32_t PickleHeap::KeyId(const PyValue& v) {
  if (v.kind == PyKind::kTuple || v.kind == PyKind::kFrozenSet) {
    return ContainerKeyId(v.ref);
  }
  return ScalarKeyId(v);
}

uint32_t PickleHeap::ScalarKeyId(const PyValue& v) {
  using KeyClass = KeyInterner::KeyClass;
  switch (v.kind) {
    case PyKind::kBool:
    case PyKind::kInt:
      return interner_.Intern(KeyClass::kInt, v.integer, {});
    case PyKind::kFloat: {
      const double f = v.real;
      if (std::isnan(f)) {
        return interner_.Intern(KeyClass::kNan, v.ref, {});
      }
      if (std::isfinite(f) && f == std::floor(f)) {
        // An integral float equals the int of the same value, so it takes the int's key.
        if (f >= -9223372036854775808.0 && f < 9223372036854775808.0) {
          return interner_.Intern(KeyClass::kInt, static_cast<int64_t>(f), {});
        }
        uint32_t magnitude[kMaxDoubleLimbs];
        const size_t count = DoubleToMagnitude(f, magnitude);
        return interner_.Intern(
            f < 0 ? KeyClass::kNegativeBig : KeyClass::kPositiveBig, 0,
            absl::string_view(reinterpret_cast<const char*>(magnitude), count * sizeof(uint32_t)));
      }
      uint64_t bits;
      std::memcpy(&bits, &f, sizeof(bits));
      return interner_.Intern(KeyClass::kFloat, static_cast<int64_t>(bits), {});
    }
    case PyKind::kBigInt:
    case PyKind::kStr:
    case PyKind::kBytes: {
      absl::string_view material;
      KeyClass key_class;
      uint64_t cache_key;
      if (v.kind == PyKind::kBigInt) {
        material = absl::string_view(reinterpret_cast<const char*>(limbs_.data() + v.offset),
                                     size_t{v.ref} * sizeof(uint32_t));
        key_class = (v.flags & kNegative) != 0 ? KeyClass::kNegativeBig : KeyClass::kPositiveBig;
        cache_key = kLimbSpace | v.offset;
      } else {
        material = Text(v);
        key_class = v.kind == PyKind::kStr ? KeyClass::kStr : KeyClass::kBytes;
        cache_key = ((v.flags & kInScratch) != 0 ? kScratchSpace : kPayloadSpace) | v.offset;
      }
      if (material.size() <= kCacheThresholdBytes) {
        return interner_.Intern(key_class, 0, material);
      }
      CacheSlot* slot = FindCacheSlot(cache_key);
      if (slot->key_id == kNoKeyId) {
        slot->key_id = interner_.Intern(key_class, 0, material);
      }
      return slot->key_id;
    }
    default:
      return interner_.Intern(KeyClass::kNone, 0, {});
  }
}

uint32_t PickleHeap::ContainerKeyId(uint32_t root) {
  if (containers_[root].key_id != kNoKeyId) {
    return containers_[root].key_id;
  }
  // Post-order over the (acyclic, at most kMaxContainerDepth deep) graph of tuples and
  // frozensets, with an explicit stack.
  key_work_.clear();
  key_work_.push_back(KeyWork{root, 0});
  while (!key_work_.empty()) {
    const uint32_t index = key_work_.back().container;
    const Container& c = containers_[index];
    bool descended = false;
    for (uint32_t i = key_work_.back().next; i < c.size; ++i) {
      const PyValue& e = elements_[c.begin + i];
      if ((e.kind == PyKind::kTuple || e.kind == PyKind::kFrozenSet) &&
          containers_[e.ref].key_id == kNoKeyId) {
        key_work_.back().next = i + 1;
        key_work_.push_back(KeyWork{e.ref, 0});
        descended = true;
        break;
      }
    }
    if (descended) {
      continue;
    }
    ids_.clear();
    for (uint32_t i = 0; i < c.size; ++i) {
      const PyValue& e = elements_[c.begin + i];
      const bool nested = e.kind == PyKind::kTuple || e.kind == PyKind::kFrozenSet;
      ids_.push_back(nested ? containers_[e.ref].key_id : ScalarKeyId(e));
    }
    KeyInterner::KeyClass key_class = KeyInterner::KeyClass::kTuple;
    if (c.kind == PyKind::kFrozenSet) {
      key_class = KeyInterner::KeyClass::kFrozenSet;
      std::sort(ids_.begin(), ids_.end());
      ids_.erase(std::unique(ids_.begin(), ids_.end()), ids_.end());
    }
    containers_[index].key_id =
        interner_.Intern(key_class, 0,
                         absl::string_view(reinterpret_cast<const char*>(ids_.data()),
                                           ids_.size() * sizeof(uint32_t)));
    key_work_.pop_back();
  }
  return containers_[root].key_id;
}

PickleHeap::CacheSlot* PickleHeap::FindCacheSlot(uint64_t key) {
  if (cache_.empty()) {
    cache_.resize(kInitialCacheSlots);
  }
  if (2 * (cache_used_ + 1) > cache_.size()) {
    std::vector<CacheSlot> old;
    old.swap(cache_);
    cache_.resize(2 * old.size());
    const size_t mask = cache_.size() - 1;
    for (const CacheSlot& s : old) {
      if (s.key != 0) {
        size_t i = absl::HashOf(s.key) & mask;
        while (cache_[i].key != 0) {
          i = (i + 1) & mask;
        }
        cache_[i] = s;
      }
    }
  }
  const size_t mask = cache_.size() - 1;
  size_t i = absl::HashOf(key) & mask;
  while (cache_[i].key != 0 && cache_[i].key != key) {
    i = (i + 1) & mask;
  }
  if (cache_[i].key == 0) {
    cache_[i].key = key;
    ++cache_used_;
  }
  return &cache_[i];
}

}  // namespace fullerene::codec::internal
