#include "codec/pickle/pickle_encoder.h"

#include <cstring>

#include "codec/pickle/pickle_opcodes.h"
#include "core/base/check.h"

namespace fullerene::codec {
namespace {

namespace op = internal::pickle_op;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the stores below assume a little-endian host");

// The largest memo index whose three BINPUTs of one item all fit the 1-byte form.
constexpr uint32_t kLastShortMemo = 255 - 2;

// Bytes of an item besides its name, with 4-byte memo indices: 'X' len(4) name 'r' idx(4)
// 'G' f64 'G' f64 0x86 'r' idx(4) 0x86 'r' idx(4); plus APPENDS and MARK before it.
constexpr size_t kMaxItemOverhead = 1 + 4 + 5 + 9 + 9 + 1 + 5 + 1 + 5 + 2;

char* PutLittleEndian32(char* p, uint32_t v) {
  std::memcpy(p, &v, 4);
  return p + 4;
}

char* PutBigEndianDouble(char* p, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  bits = __builtin_bswap64(bits);
  std::memcpy(p, &bits, 8);
  return p + 8;
}

// BINFLOAT ts, BINFLOAT value, TUPLE2, then BINPUT (1-byte indices: kLong == false) or
// LONG_BINPUT for the name, the pair and the item.
template <bool kLong>
char* PutItemTail(char* p, uint32_t memo, double timestamp, double value) {
  auto put_memo = [](char* q, uint32_t index) {
    if (kLong) {
      *q++ = static_cast<char>(op::kLongBinPut);
      return PutLittleEndian32(q, index);
    }
    *q++ = static_cast<char>(op::kBinPut);
    *q++ = static_cast<char>(index);
    return q;
  };
  p = put_memo(p, memo);
  *p++ = static_cast<char>(op::kBinFloat);
  p = PutBigEndianDouble(p, timestamp);
  *p++ = static_cast<char>(op::kBinFloat);
  p = PutBigEndianDouble(p, value);
  *p++ = static_cast<char>(op::kTuple2);
  p = put_memo(p, memo + 1);
  *p++ = static_cast<char>(op::kTuple2);
  return put_memo(p, memo + 2);
}

}  // namespace

void PickleBatchWriter::Begin(core::ByteBuffer* out) {
  out_ = out;
  start_ = out->size();
  count_ = 0;
  chunk_left_ = 0;
  next_memo_ = 1;
  char* p = out->Reserve(9);
  std::memset(p, 0, 4);
  p += 4;
  *p++ = static_cast<char>(op::kProto);
  *p++ = 2;
  *p++ = static_cast<char>(op::kEmptyList);
  *p++ = static_cast<char>(op::kBinPut);
  *p++ = 0;
  out->CommitTo(p);
}

void PickleBatchWriter::Add(absl::string_view prefix, absl::string_view name, double timestamp,
                            double value) {
  const size_t name_size = prefix.size() + name.size();
  char* p = out_->Reserve(kMaxItemOverhead + name_size);
  if (chunk_left_ == 0) {
    // A new chunk; the first one's MARK is taken out again by Finish() if it stays alone.
    if (count_ != 0) {
      *p++ = static_cast<char>(op::kAppends);
    }
    *p++ = static_cast<char>(op::kMark);
    if (count_ == 0) {
      first_item_ = static_cast<size_t>(p - out_->data());
    }
    chunk_left_ = kBatchSize;
  }
  --chunk_left_;
  ++count_;
  *p++ = static_cast<char>(op::kBinUnicode);
  p = PutLittleEndian32(p, static_cast<uint32_t>(name_size));
  if (!prefix.empty()) {
    std::memcpy(p, prefix.data(), prefix.size());
    p += prefix.size();
  }
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  p = next_memo_ <= kLastShortMemo ? PutItemTail<false>(p, next_memo_, timestamp, value)
                                   : PutItemTail<true>(p, next_memo_, timestamp, value);
  next_memo_ += 3;
  out_->CommitTo(p);
}

void PickleBatchWriter::Finish() {
  char* p = out_->Reserve(2);
  if (count_ == 1) {
    // CPython writes a one-element list as `item APPEND`, without MARK.
    char* mark = out_->data() + first_item_ - 1;
    std::memmove(mark, mark + 1, static_cast<size_t>(p - (mark + 1)));
    --p;
    *p++ = static_cast<char>(op::kAppend);
  } else if (count_ > 1) {
    *p++ = static_cast<char>(op::kAppends);
  }
  *p++ = static_cast<char>(op::kStop);
  out_->CommitTo(p);
  const size_t length = out_->size() - start_ - 4;
  FULLERENE_DCHECK(length <= 0xffffffffu) << "pickle batch of " << length << " bytes";
  const uint32_t big_endian = __builtin_bswap32(static_cast<uint32_t>(length));
  std::memcpy(out_->data() + start_, &big_endian, 4);
}

}  // namespace fullerene::codec
