#include "tools/gen/pickle_item_counter.h"

#include <endian.h>

#include <algorithm>
#include <cstring>

#include "codec/pickle/pickle_opcodes.h"

namespace fullerene::gen {
namespace {

namespace op = codec::internal::pickle_op;

uint64_t LoadLittleEndian(const uint8_t* p, size_t width) {
  uint64_t v = 0;
  for (size_t i = width; i-- > 0;) {
    v = (v << 8) | p[i];
  }
  return v;
}

uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return le32toh(v);
}

// True when no byte has its top bit set: such a str is valid UTF-8, so the decoder cannot
// drop its datapoint as kBadUtf8. Eight bytes at a time; a tail of a longer name is covered
// by one more load that overlaps bytes already checked.
bool IsAscii(const uint8_t* p, size_t n) {
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  if (n < 8) {
    uint8_t bits = 0;
    for (size_t i = 0; i < n; ++i) {
      bits |= p[i];
    }
    return (bits & 0x80) == 0;
  }
  uint64_t bits = 0;
  uint64_t word;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    std::memcpy(&word, p + i, 8);
    bits |= word;
  }
  std::memcpy(&word, p + n - 8, 8);
  return ((bits | word) & kHighBits) == 0;
}

}  // namespace

PickleCount PickleItemCounter::Count(absl::string_view payload) {
  PickleCount count;
  if (TryCount(payload, &count.datapoints)) {
    return count;
  }
  ++fallbacks_;
  count.datapoints = 0;
  struct Tally {
    PickleCount* count;
    void OnMetric(const core::MetricView&) { ++count->datapoints; }
    void OnBadItem(codec::PickleItemError) { ++count->bad_items; }
  } tally{&count};
  count.frame_ok = decoder_.Decode(payload, tally) == codec::PickleFrameStatus::kOk;
  return count;
}

size_t PickleItemCounter::MatchDatapoint(const uint8_t* p, size_t left) {
  // The item is at least 31 bytes beyond its name (5 for BINUNICODE and its length, 2 per
  // BINPUT, 9 per BINFLOAT, 1 per TUPLE2); with that checked once, only the LONG_BINPUTs'
  // extra 3 bytes need checking as they come.
  constexpr size_t kFixed = 31;
  if (left < kFixed) {
    return 0;
  }
  const uint64_t n = Load32(p + 1);
  if (n > left - kFixed || !IsAscii(p + 5, n)) {
    return 0;
  }
  size_t i = 5 + n;
  size_t spare = left - kFixed - n;  // bytes left for LONG_BINPUTs' wider indices
  // A BINPUT or LONG_BINPUT at i: false when there is none or its index is out of range.
  auto put = [&](uint32_t* index) {
    if (p[i] == op::kBinPut) {
      *index = p[i + 1];
      i += 2;
    } else if (p[i] == op::kLongBinPut && spare >= 3) {
      *index = Load32(p + i + 1);
      i += 5;
      spare -= 3;
    } else {
      return false;
    }
    return *index < payload_size_;
  };
  uint32_t name_index;
  uint32_t pair_index;
  uint32_t datapoint_index;
  // BINPUT; BINFLOAT ts, BINFLOAT value, TUPLE2, BINPUT; TUPLE2, BINPUT.
  if (!put(&name_index) || p[i] != op::kBinFloat || p[i + 9] != op::kBinFloat ||
      p[i + 18] != op::kTuple2) {
    return 0;
  }
  i += 19;
  if (!put(&pair_index) || p[i] != op::kTuple2) {
    return 0;
  }
  i += 1;
  if (!put(&datapoint_index)) {
    return 0;
  }
  // The same effects as walking those 10 opcodes one by one: every MARK and stack check they
  // make passes, since each one only touches what this item pushed itself.
  const uint32_t high = std::max(name_index, std::max(pair_index, datapoint_index));
  if (high >= memo_.size()) [[unlikely]] {
    memo_.resize(high + 1);
  }
  memo_high_ = std::max<size_t>(memo_high_, high + 1);
  memo_[name_index] = {Shape::kStr, 0};
  memo_[pair_index] = {Shape::kPair, 0};
  memo_[datapoint_index] = {Shape::kDatapoint, 0};
  stack_.push_back({Shape::kDatapoint, 0});
  return i;
}

bool PickleItemCounter::TryCount(absl::string_view payload, uint64_t* datapoints) {
  const auto* const data = reinterpret_cast<const uint8_t*>(payload.data());
  const size_t size = payload.size();
  // The decoder refuses payloads over kMaxPayloadBytes; leave those to it.
  if (size > codec::internal::kMaxPayloadBytes) {
    return false;
  }
  payload_size_ = size;
  stack_.clear();
  marks_.clear();
  lists_.clear();
  // Only the slots the previous frame could have written need resetting, so a single frame
  // with a huge memo index does not slow down every frame after it.
  for (size_t i = 0; i < memo_high_; ++i) {
    memo_[i].shape = Shape::kAbsent;
  }
  memo_high_ = 0;
  size_t pos = 0;
  auto fence = [this] { return marks_.empty() ? size_t{0} : size_t{marks_.back()}; };
  // The shape of the tuple (a, b); kAbsent for one that is no part of a datapoint.
  auto pair = [](Shape a, Shape b) {
    if (a == Shape::kNumber && b == Shape::kNumber) {
      return Shape::kPair;
    }
    if (a == Shape::kStr && b == Shape::kPair) {
      return Shape::kDatapoint;
    }
    return Shape::kAbsent;
  };
  for (;;) {
    if (pos >= size) {
      return false;
    }
    if (data[pos] == op::kBinUnicode) {
      const size_t length = MatchDatapoint(data + pos, size - pos);
      if (length > 0) {
        pos += length;
        continue;
      }
    }
    const uint8_t code = data[pos++];
    const size_t left = size - pos;
    switch (code) {
      case op::kProto:
        if (left < 1 || data[pos] > op::kHighestProtocol) {
          return false;
        }
        pos += 1;
        break;

      case op::kEmptyList:
        stack_.push_back({Shape::kList, static_cast<uint32_t>(lists_.size())});
        lists_.push_back(0);
        break;

      case op::kMark:
        marks_.push_back(static_cast<uint32_t>(stack_.size()));
        break;

      case op::kBinPut:
      case op::kLongBinPut: {
        const size_t width = code == op::kBinPut ? 1 : 4;
        if (left < width || stack_.size() <= fence()) {
          return false;
        }
        const uint64_t index = LoadLittleEndian(data + pos, width);
        pos += width;
        if (index >= size) {
          return false;
        }
        if (index >= memo_.size()) {
          memo_.resize(index + 1);
        }
        memo_high_ = std::max<size_t>(memo_high_, index + 1);
        memo_[index] = stack_.back();
        break;
      }

      case op::kBinGet:
      case op::kLongBinGet: {
        const size_t width = code == op::kBinGet ? 1 : 4;
        if (left < width) {
          return false;
        }
        const uint64_t index = LoadLittleEndian(data + pos, width);
        pos += width;
        if (index >= size || index >= memo_.size() || memo_[index].shape == Shape::kAbsent) {
          return false;
        }
        stack_.push_back(memo_[index]);
        break;
      }

      case op::kBinUnicode:
      case op::kShortBinUnicode: {
        const size_t width = code == op::kBinUnicode ? 4 : 1;
        if (left < width) {
          return false;
        }
        const uint64_t length = LoadLittleEndian(data + pos, width);
        if (length > left - width || !IsAscii(data + pos + width, length)) {
          return false;
        }
        pos += width + length;
        stack_.push_back({Shape::kStr, 0});
        break;
      }

      case op::kBinFloat:
      case op::kBinInt:
      case op::kBinInt1:
      case op::kBinInt2: {
        const size_t width = code == op::kBinFloat  ? 8
                             : code == op::kBinInt  ? 4
                             : code == op::kBinInt1 ? 1
                                                    : 2;
        if (left < width) {
          return false;
        }
        pos += width;
        stack_.push_back({Shape::kNumber, 0});
        break;
      }

      case op::kLong1: {
        // Up to 8 bytes is an int64: always a finite float(). Longer ones may overflow.
        if (left < 1 || data[pos] > 8 || data[pos] > left - 1) {
          return false;
        }
        pos += 1 + data[pos];
        stack_.push_back({Shape::kNumber, 0});
        break;
      }

      case op::kTuple2: {
        if (stack_.size() < 2 || stack_.size() - 2 < fence()) {
          return false;
        }
        const Shape shape = pair(stack_[stack_.size() - 2].shape, stack_.back().shape);
        if (shape == Shape::kAbsent) {
          return false;
        }
        stack_.pop_back();
        stack_.back() = {shape, 0};
        break;
      }

      case op::kTuple: {
        if (marks_.empty()) {
          return false;
        }
        const size_t from = marks_.back();
        marks_.pop_back();
        if (stack_.size() - from != 2) {
          return false;
        }
        const Shape shape = pair(stack_[from].shape, stack_[from + 1].shape);
        if (shape == Shape::kAbsent) {
          return false;
        }
        stack_.pop_back();
        stack_.back() = {shape, 0};
        break;
      }

      case op::kAppend: {
        if (stack_.size() < 2 || stack_.size() - 1 <= fence()) {
          return false;
        }
        const Entry& target = stack_[stack_.size() - 2];
        if (target.shape != Shape::kList || stack_.back().shape != Shape::kDatapoint) {
          return false;
        }
        ++lists_[target.list];
        stack_.pop_back();
        break;
      }

      case op::kAppends: {
        if (marks_.empty()) {
          return false;
        }
        const size_t from = marks_.back();
        marks_.pop_back();
        if (from == 0 || from <= fence()) {
          return false;
        }
        if (from == stack_.size()) {
          break;  // an empty run is a no-op whatever the target, as in the decoder
        }
        const Entry& target = stack_[from - 1];
        if (target.shape != Shape::kList) {
          return false;
        }
        for (size_t i = from; i < stack_.size(); ++i) {
          if (stack_[i].shape != Shape::kDatapoint) {
            return false;
          }
        }
        lists_[target.list] += stack_.size() - from;
        stack_.resize(from);
        break;
      }

      case op::kStop:
        if (stack_.size() <= fence() || stack_.back().shape != Shape::kList) {
          return false;
        }
        *datapoints = lists_[stack_.back().list];
        return true;

      default:
        return false;
    }
  }
}

}  // namespace fullerene::gen
