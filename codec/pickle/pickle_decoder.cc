#include "codec/pickle/pickle_decoder.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "codec/pickle/pickle_int.h"
#include "codec/pickle/pickle_opcodes.h"
#include "codec/pickle/pickle_text.h"

namespace fullerene::codec {
namespace {

using internal::BuildResult;
using internal::PickleHeap;
using internal::PickleInt;
using internal::PyKind;
using internal::PyValue;
namespace op = internal::pickle_op;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "LoadBigEndianDouble() byte-swaps a native load");

uint32_t LoadLittleEndian32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

uint64_t LoadLittleEndian64(const uint8_t* p) {
  return uint64_t{LoadLittleEndian32(p)} | (uint64_t{LoadLittleEndian32(p + 4)} << 32);
}

double LoadBigEndianDouble(const uint8_t* p) {
  uint64_t bits;
  std::memcpy(&bits, p, sizeof(bits));
  bits = __builtin_bswap64(bits);
  double v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

PickleFrameStatus FromBuildResult(BuildResult result) {
  switch (result) {
    case BuildResult::kOk:
      return PickleFrameStatus::kOk;
    case BuildResult::kTooDeep:
      return PickleFrameStatus::kTooDeep;
    case BuildResult::kMalformed:
      return PickleFrameStatus::kMalformed;
  }
  return PickleFrameStatus::kMalformed;
}

// The size argument of a counted opcode: 1, 2, 4 or 8 little-endian bytes.
uint64_t LoadSize(const uint8_t* p, size_t width) {
  switch (width) {
    case 1:
      return p[0];
    case 4:
      return LoadLittleEndian32(p);
    default:
      return LoadLittleEndian64(p);
  }
}

constexpr uint64_t kMaxSsize = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

}  // namespace

absl::string_view PickleFrameStatusName(PickleFrameStatus status) {
  switch (status) {
    case PickleFrameStatus::kOk:
      return "ok";
    case PickleFrameStatus::kTruncated:
      return "truncated";
    case PickleFrameStatus::kBadOpcode:
      return "bad_opcode";
    case PickleFrameStatus::kUnsafe:
      return "unsafe";
    case PickleFrameStatus::kBadMemo:
      return "bad_memo";
    case PickleFrameStatus::kTooDeep:
      return "too_deep";
    case PickleFrameStatus::kMalformed:
      return "malformed";
    case PickleFrameStatus::kNotIterable:
      return "not_iterable";
  }
  return "unknown";
}

absl::string_view PickleItemErrorName(PickleItemError error) {
  switch (error) {
    case PickleItemError::kNotPair:
      return "not_pair";
    case PickleItemError::kBadNumber:
      return "bad_number";
    case PickleItemError::kNameNotStr:
      return "name_not_str";
    case PickleItemError::kBadUtf8:
      return "bad_utf8";
  }
  return "unknown";
}

PickleDecoder::PickleDecoder() = default;

size_t PickleDecoder::RetainedBytesForTest() const {
  return heap_.RetainedBytes() + stack_.capacity() * sizeof(PyValue) +
         marks_.capacity() * sizeof(size_t) + memo_.capacity() * sizeof(PyValue);
}

bool PickleDecoder::PopMark(size_t* mark) {
  if (marks_.empty()) {
    return false;  // "could not find MARK"
  }
  *mark = marks_.back();
  marks_.pop_back();
  return true;
}

PickleFrameStatus PickleDecoder::MemoGet(uint64_t index) {
  if (index >= payload_size_ || index >= memo_.size() || memo_[index].kind == PyKind::kAbsent) {
    return PickleFrameStatus::kBadMemo;
  }
  stack_.push_back(memo_[index]);
  return PickleFrameStatus::kOk;
}

PickleFrameStatus PickleDecoder::MemoPutAnywhere(uint64_t index) {
  // Every memoized object costs at least two bytes of pickle, so a pickler never produces an
  // index this large; refusing it keeps the memo proportional to the frame.
  if (index >= payload_size_) {
    return PickleFrameStatus::kBadMemo;
  }
  if (index >= memo_.size()) {
    memo_.resize(index + 1);
  }
  if (memo_[index].kind == PyKind::kAbsent) {
    ++memo_count_;
  }
  memo_[index] = stack_.back();
  return PickleFrameStatus::kOk;
}

PickleFrameStatus PickleDecoder::Parse(absl::string_view payload) {
  using Status = PickleFrameStatus;
  if (internal::ShouldReleaseMemory(stack_.capacity() * sizeof(PyValue) +
                                        marks_.capacity() * sizeof(size_t) +
                                        memo_.capacity() * sizeof(PyValue),
                                    payload.size())) {
    stack_ = std::vector<PyValue>();
    marks_ = std::vector<size_t>();
    memo_ = std::vector<PyValue>();
  }
  stack_.clear();
  marks_.clear();
  memo_.clear();
  memo_count_ = 0;
  payload_size_ = payload.size();
  heap_.Reset(payload);
  if (payload.size() > internal::kMaxPayloadBytes) {
    return Status::kMalformed;
  }
  const uint8_t* const data = reinterpret_cast<const uint8_t*>(payload.data());
  const size_t size = payload.size();
  size_t pos = 0;
  // carbon unpickles from a BytesIO, and CPython's file-backed unpickler reads the stream
  // into a buffer: exactly what each opcode asks for, except FRAME, which reads its whole
  // frame ahead. A read that does not fit in what is left of the buffer drops that rest and
  // reads on from the stream after it. For frames that end on opcode boundaries (all that
  // picklers write) this is plain sequential reading; for a misaligned frame it skips bytes
  // exactly where carbon does. `buffer_end` is where CPython's buffer ends.
  size_t buffer_end = 0;

  // Makes `n` bytes readable at pos (_Unpickler_Read). False when the stream runs out.
  auto need = [&](size_t n) {
    if (n > buffer_end - pos) {
      pos = buffer_end;
      if (n > size - pos) {
        return false;
      }
      buffer_end = pos + n;
    }
    return true;
  };
  // The text argument of a protocol-0 opcode: the bytes up to the next '\n', which is
  // consumed (_Unpickler_Readline). False when there is no '\n'.
  auto read_line = [&](absl::string_view* line) {
    const void* newline = std::memchr(data + pos, '\n', buffer_end - pos);
    if (newline == nullptr) {
      pos = buffer_end;
      newline = std::memchr(data + pos, '\n', size - pos);
      if (newline == nullptr) {
        return false;
      }
      buffer_end = static_cast<size_t>(static_cast<const uint8_t*>(newline) - data) + 1;
    }
    const size_t end = static_cast<size_t>(static_cast<const uint8_t*>(newline) - data);
    *line = payload.substr(pos, end - pos);
    pos = end + 1;
    return true;
  };
  auto push_container = [&](PyKind kind, size_t from) {
    PyValue value;
    const BuildResult result =
        heap_.NewContainer(kind, stack_.data() + from, stack_.size() - from, &value);
    if (result == BuildResult::kOk) {
      stack_.resize(from);
      stack_.push_back(value);
    }
    return FromBuildResult(result);
  };

  for (;;) {
    if (!need(1)) {
      return Status::kTruncated;  // "Ran out of input"
    }
    const size_t op_pos = pos;
    const uint8_t code = data[pos++];
    Status status = Status::kOk;
    switch (code) {
      case op::kMark:
        marks_.push_back(stack_.size());
        break;

      case op::kStop:
        if (stack_.size() <= Fence()) {
          return Status::kMalformed;
        }
        root_ = stack_.back();
        return Status::kOk;

      case op::kPop:
        // A MARK right at the top is popped instead of an object, as in _pickle.c.
        if (!marks_.empty() && marks_.back() == stack_.size()) {
          marks_.pop_back();
        } else if (stack_.size() <= Fence()) {
          return Status::kMalformed;
        } else {
          stack_.pop_back();
        }
        break;

      case op::kPopMark: {
        size_t mark = 0;
        if (!PopMark(&mark)) {
          return Status::kMalformed;
        }
        stack_.resize(mark);
        break;
      }

      case op::kDup: {
        if (stack_.size() <= Fence()) {
          return Status::kMalformed;
        }
        const PyValue top = stack_.back();
        stack_.push_back(top);
        break;
      }

      case op::kNone:
        stack_.push_back(PickleHeap::None());
        break;
      case op::kNewTrue:
        stack_.push_back(PickleHeap::Bool(true));
        break;
      case op::kNewFalse:
        stack_.push_back(PickleHeap::Bool(false));
        break;

      case op::kInt:
      case op::kLong: {
        absl::string_view line;
        if (!read_line(&line)) {
          return Status::kTruncated;
        }
        if (line.empty()) {
          return Status::kMalformed;
        }
        PickleInt value;
        bool is_bool = false;
        const bool ok = code == op::kInt
                            ? internal::ParseIntLine(line, heap_.limbs(), &value, &is_bool)
                            : internal::ParseLongLine(line, heap_.limbs(), &value);
        if (!ok) {
          return Status::kMalformed;
        }
        stack_.push_back(is_bool ? PickleHeap::Bool(value.small != 0) : PickleHeap::Int(value));
        break;
      }

      case op::kBinInt:
        if (!need(4)) {
          return Status::kTruncated;
        }
        stack_.push_back(
            PickleHeap::SmallInt(static_cast<int32_t>(LoadLittleEndian32(data + pos))));
        pos += 4;
        break;
      case op::kBinInt1:
        if (!need(1)) {
          return Status::kTruncated;
        }
        stack_.push_back(PickleHeap::SmallInt(data[pos]));
        pos += 1;
        break;
      case op::kBinInt2:
        if (!need(2)) {
          return Status::kTruncated;
        }
        stack_.push_back(PickleHeap::SmallInt(data[pos] | (data[pos + 1] << 8)));
        pos += 2;
        break;

      case op::kLong1:
      case op::kLong4: {
        const size_t width = code == op::kLong1 ? 1 : 4;
        if (!need(width)) {
          return Status::kTruncated;
        }
        int64_t n = data[pos];
        if (width == 4) {
          n = static_cast<int32_t>(LoadLittleEndian32(data + pos));
          if (n < 0) {
            return Status::kMalformed;  // "LONG pickle has negative byte count"
          }
        }
        pos += width;
        if (!need(static_cast<size_t>(n))) {
          return Status::kTruncated;
        }
        const PickleInt value =
            internal::IntFromTwosComplement(data + pos, static_cast<size_t>(n), heap_.limbs());
        pos += static_cast<size_t>(n);
        stack_.push_back(PickleHeap::Int(value));
        break;
      }

      case op::kFloat: {
        absl::string_view line;
        if (!read_line(&line)) {
          return Status::kTruncated;
        }
        double value = 0;
        if (line.empty() || !internal::ParseFloatLine(line, &value)) {
          return Status::kMalformed;
        }
        stack_.push_back(PickleHeap::Float(value, static_cast<uint32_t>(op_pos)));
        break;
      }
      case op::kBinFloat:
        if (!need(8)) {
          return Status::kTruncated;
        }
        stack_.push_back(
            PickleHeap::Float(LoadBigEndianDouble(data + pos), static_cast<uint32_t>(op_pos)));
        pos += 8;
        break;

      case op::kString:
      case op::kUnicode: {
        absl::string_view line;
        if (!read_line(&line)) {
          return Status::kTruncated;
        }
        core::ByteBuffer* scratch = heap_.scratch();
        const size_t begin = scratch->size();
        const bool ok = code == op::kString ? internal::DecodeStringLine(line, scratch)
                                            : internal::DecodeRawUnicodeEscapeLine(line, scratch);
        if (!ok) {
          return Status::kMalformed;
        }
        stack_.push_back(heap_.Str(begin, scratch->size() - begin, /*in_scratch=*/true));
        break;
      }

      case op::kShortBinString:
      case op::kBinString:
      case op::kShortBinUnicode:
      case op::kBinUnicode:
      case op::kBinUnicode8:
      case op::kShortBinBytes:
      case op::kBinBytes:
      case op::kBinBytes8:
      case op::kByteArray8: {
        size_t width = 4;
        if (code == op::kShortBinString || code == op::kShortBinUnicode ||
            code == op::kShortBinBytes) {
          width = 1;
        } else if (code == op::kBinUnicode8 || code == op::kBinBytes8 || code == op::kByteArray8) {
          width = 8;
        }
        if (!need(width)) {
          return Status::kTruncated;
        }
        const uint64_t n = LoadSize(data + pos, width);
        pos += width;
        if (n > kMaxSsize) {
          return Status::kMalformed;  // "exceeds system's maximum size"
        }
        if (code == op::kShortBinString || code == op::kBinString || code == op::kShortBinUnicode ||
            code == op::kBinUnicode || code == op::kBinUnicode8) {
          if (!need(n)) {
            return Status::kTruncated;
          }
          // Python 2 str (decoded as UTF-8 under encoding='utf-8') and Python 3 str alike:
          // the bytes are the text, so the str views the payload.
          stack_.push_back(heap_.Str(pos, n, /*in_scratch=*/false));
        } else {
          // Bytes are read with readinto(): what is left of the buffer, then the stream, with
          // nothing skipped.
          if (n > size - pos) {
            return Status::kTruncated;
          }
          const PyKind kind = code == op::kByteArray8 ? PyKind::kByteArray : PyKind::kBytes;
          stack_.push_back(PickleHeap::Bytes(kind, pos, n));
          buffer_end = std::max(buffer_end, pos + n);
        }
        pos += n;
        break;
      }

      case op::kEmptyList:
        status = push_container(PyKind::kList, stack_.size());
        break;
      case op::kEmptyDict:
        status = push_container(PyKind::kDict, stack_.size());
        break;
      case op::kEmptySet:
        status = push_container(PyKind::kSet, stack_.size());
        break;
      case op::kEmptyTuple:
      case op::kTuple1:
      case op::kTuple2:
      case op::kTuple3: {
        const size_t n = code == op::kEmptyTuple ? 0 : code - op::kTuple1 + 1;
        if (stack_.size() < n || stack_.size() - n < Fence()) {
          return Status::kMalformed;
        }
        if (n == 0) {
          stack_.emplace_back();
        }
        // The tuple replaces its first element in place (NewTuple reads the elements before
        // writing it), which also spares a reload of a value just written field by field.
        const size_t from = stack_.size() - std::max<size_t>(n, 1);
        status = FromBuildResult(heap_.NewTuple(stack_.data() + from, n, stack_.data() + from));
        stack_.erase(stack_.begin() + static_cast<std::ptrdiff_t>(from + 1), stack_.end());
        break;
      }

      case op::kList:
      case op::kTuple:
      case op::kDict:
      case op::kFrozenSet: {
        size_t mark = 0;
        if (!PopMark(&mark)) {
          return Status::kMalformed;
        }
        PyKind kind = PyKind::kList;
        if (code == op::kTuple) {
          kind = PyKind::kTuple;
        } else if (code == op::kDict) {
          kind = PyKind::kDict;
          if ((stack_.size() - mark) % 2 != 0) {
            return Status::kMalformed;  // "odd number of items for DICT"
          }
        } else if (code == op::kFrozenSet) {
          kind = PyKind::kFrozenSet;
        }
        status = push_container(kind, mark);
        break;
      }

      case op::kAppend:
      case op::kAppends:
      case op::kSetItem:
      case op::kSetItems:
      case op::kAddItems: {
        // Stack: ... target items...; `from` is where the items start. As in _pickle.c, the
        // target must sit above the enclosing MARK, and an empty run of items is a no-op
        // whatever the target is.
        size_t from = 0;
        if (code == op::kAppend || code == op::kSetItem) {
          const size_t n = code == op::kAppend ? 1 : 2;
          if (stack_.size() < n + 1 || stack_.size() - n <= Fence()) {
            return Status::kMalformed;
          }
          from = stack_.size() - n;
        } else {
          if (!PopMark(&from)) {
            return Status::kMalformed;
          }
          if (from == 0 || from <= Fence()) {
            return Status::kMalformed;
          }
          if (from == stack_.size()) {
            break;
          }
        }
        const PyValue target = stack_[from - 1];
        const PyValue* items = stack_.data() + from;
        const size_t count = stack_.size() - from;
        BuildResult result = BuildResult::kOk;
        if (code == op::kAppend || code == op::kAppends) {
          result = heap_.Append(target, items, count);
        } else if (code == op::kAddItems) {
          result = heap_.AddItems(target, items, count);
        } else if (count % 2 != 0) {
          return Status::kMalformed;  // "odd number of items for SETITEMS"
        } else {
          result = heap_.SetItems(target, items, count);
        }
        status = FromBuildResult(result);
        stack_.resize(from);
        break;
      }

      case op::kGet:
      case op::kPut: {
        absl::string_view line;
        if (!read_line(&line)) {
          return Status::kTruncated;
        }
        if (line.empty()) {
          return Status::kMalformed;
        }
        if (code == op::kPut && stack_.size() <= Fence()) {
          return Status::kMalformed;
        }
        const size_t limbs_before = heap_.limbs()->size();
        PickleInt index;
        if (!internal::ParseMemoIndexLine(line, heap_.limbs(), &index)) {
          return Status::kMalformed;
        }
        heap_.limbs()->resize(limbs_before);
        if (index.big || index.small < 0) {
          return Status::kBadMemo;
        }
        const uint64_t i = static_cast<uint64_t>(index.small);
        status = code == op::kGet ? MemoGet(i) : MemoPut(i);
        break;
      }
      case op::kBinGet:
      case op::kLongBinGet: {
        const size_t width = code == op::kBinGet ? 1 : 4;
        if (!need(width)) {
          return Status::kTruncated;
        }
        const uint64_t index = LoadSize(data + pos, width);
        pos += width;
        status = MemoGet(index);
        break;
      }
      case op::kBinPut:
      case op::kLongBinPut: {
        const size_t width = code == op::kBinPut ? 1 : 4;
        if (!need(width)) {
          return Status::kTruncated;
        }
        const uint64_t index = LoadSize(data + pos, width);
        pos += width;
        if (stack_.size() <= Fence()) {
          return Status::kMalformed;
        }
        status = MemoPut(index);
        break;
      }
      case op::kMemoize:
        if (stack_.size() <= Fence()) {
          return Status::kMalformed;
        }
        status = MemoPut(memo_count_);
        break;

      case op::kProto:
        if (!need(1)) {
          return Status::kTruncated;
        }
        if (data[pos] > op::kHighestProtocol) {
          return Status::kMalformed;  // "unsupported pickle protocol"
        }
        pos += 1;
        break;
      case op::kFrame: {
        // Protocol 4 framing is a read-ahead: the frame must be all there, it becomes the
        // buffer (see `need` above), and opcodes are read on from its start.
        if (!need(8)) {
          return Status::kTruncated;
        }
        const uint64_t n = LoadLittleEndian64(data + pos);
        pos += 8;
        if (n > kMaxSsize) {
          return Status::kMalformed;
        }
        if (!need(static_cast<size_t>(n))) {
          return Status::kTruncated;
        }
        break;
      }

      case op::kGlobal:
      case op::kStackGlobal:
      case op::kInst:
      case op::kObj:
      case op::kReduce:
      case op::kBuild:
      case op::kNewObj:
      case op::kNewObjEx:
      case op::kExt1:
      case op::kExt2:
      case op::kExt4:
      case op::kPersId:
      case op::kBinPersId:
      case op::kNextBuffer:
      case op::kReadOnlyBuffer:
        return Status::kUnsafe;

      default:
        return Status::kBadOpcode;
    }
    if (status != Status::kOk) {
      return status;
    }
  }
}

bool PickleDecoder::BeginItems(size_t* count) {
  uint32_t begin = 0;
  uint32_t n = 0;
  if (heap_.Elements(root_, &begin, &n)) {
    items_begin_ = begin;
    items_unpackable_ = true;
    *count = n;
    return true;
  }
  // A str iterates as 1-character strs and bytes as ints: none unpacks into two.
  items_unpackable_ = false;
  switch (root_.kind) {
    case PyKind::kStr:
      *count = heap_.CountCharacters(root_);
      return true;
    case PyKind::kBytes:
    case PyKind::kByteArray:
      *count = root_.ref;
      return true;
    default:
      return false;
  }
}

bool PickleDecoder::ReadItem(size_t index, core::MetricView* metric, PickleItemError* error) {
  if (!items_unpackable_) {
    *error = PickleItemError::kNotPair;
    return false;
  }
  const PyValue raw = heap_.element(items_begin_ + static_cast<uint32_t>(index));
  PyValue name;
  PyValue point;
  PyValue ts;
  PyValue value;
  if (!heap_.Unpack2(raw, &name, &point) || !heap_.Unpack2(point, &ts, &value)) {
    *error = PickleItemError::kNotPair;
    return false;
  }
  double timestamp = 0;
  double number = 0;
  if (!heap_.ToDouble(ts, &timestamp) || !heap_.ToDouble(value, &number)) {
    *error = PickleItemError::kBadNumber;
    return false;
  }
  if (name.kind != PyKind::kStr) {
    *error = PickleItemError::kNameNotStr;
    return false;
  }
  if ((name.flags & internal::kStrictUtf8) == 0) {
    *error = PickleItemError::kBadUtf8;
    return false;
  }
  metric->name = heap_.Text(name);
  metric->timestamp = timestamp;
  metric->value = number;
  return true;
}

}  // namespace fullerene::codec
