#include "codec/pickle/pickle_key_interner.h"

#include <algorithm>
#include <cstring>

#include "absl/hash/hash.h"

namespace fullerene::codec::internal {
namespace {

constexpr size_t kInitialSlots = 64;

}  // namespace

uint32_t KeyInterner::Intern(KeyClass key_class, int64_t scalar, absl::string_view material) {
  if (slots_.empty()) {
    slots_.assign(kInitialSlots, 0);
  }
  const uint64_t hash = absl::HashOf(static_cast<uint8_t>(key_class), scalar, material);
  const size_t mask = slots_.size() - 1;
  size_t slot = hash & mask;
  while (slots_[slot] != 0) {
    const Entry& e = entries_[slots_[slot] - 1];
    if (e.hash == hash && e.key_class == key_class && e.scalar == scalar &&
        e.material_size == material.size() &&
        (material.empty() || std::memcmp(material_.data() + e.material_offset, material.data(),
                                         material.size()) == 0)) {
      return slots_[slot] - 1;
    }
    slot = (slot + 1) & mask;
  }
  const uint32_t id = static_cast<uint32_t>(entries_.size());
  entries_.push_back(Entry{hash, scalar, material_.size(), material.size(), key_class});
  material_.insert(material_.end(), material.begin(), material.end());
  slots_[slot] = id + 1;
  if (2 * entries_.size() > slots_.size()) {
    Rehash(2 * slots_.size());
  }
  return id;
}

void KeyInterner::Rehash(size_t slot_count) {
  slots_.assign(slot_count, 0);
  const size_t mask = slot_count - 1;
  for (size_t i = 0; i < entries_.size(); ++i) {
    size_t slot = entries_[i].hash & mask;
    while (slots_[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    slots_[slot] = static_cast<uint32_t>(i + 1);
  }
}

void KeyInterner::Clear() {
  if (!entries_.empty()) {
    entries_.clear();
    material_.clear();
    std::fill(slots_.begin(), slots_.end(), 0);
  }
}

void KeyInterner::Release() {
  entries_ = std::vector<Entry>();
  slots_ = std::vector<uint32_t>();
  material_ = std::vector<char>();
}

size_t KeyInterner::RetainedBytes() const {
  return entries_.capacity() * sizeof(Entry) + slots_.capacity() * sizeof(uint32_t) +
         material_.capacity();
}

}  // namespace fullerene::codec::internal
