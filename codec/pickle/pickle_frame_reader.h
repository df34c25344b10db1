// File: pickle_frame_reader.h
//
// PickleFrameReader cuts a pickle connection's byte stream into frames, as carbon's pickle
// receiver (Twisted Int32StringReceiver, COMPAT §3.4) does: a 4-byte unsigned big-endian
// length, then that many bytes of payload.
//
//   struct Handler {
//     void OnFrame(absl::string_view payload);   // valid only during the call
//   };
//   PickleFrameReader reader(1 << 20);           // PICKLE_RECEIVER_MAX_LENGTH
//   if (!reader.Feed(received, handler)) {       // a declared length was too big
//     close the connection; count reader.declared_length();
//   }
//
// A frame that lies wholly inside the bytes given to Feed() is handed over as a view of
// them, without a copy. Only a frame split across reads is assembled in the reader's own
// buffer (sized once for the whole frame when its header arrives, then reused).
//
// As in Twisted, a length is checked as soon as its 4 bytes are in, before any payload
// arrives: a length of exactly max_length is accepted, max_length + 1 is refused. Frames
// that precede the refused one in the same Feed() are delivered first. Once refused, the
// reader stays refused (Feed() returns false without looking at the bytes) until Reset().
// A zero-length frame is delivered as an empty payload (which PickleDecoder reports as
// kTruncated, carbon's "Ran out of input").
//
// Memory: Feed() never frees the assembly buffer, so steady traffic never allocates;
// Reset() gives back anything beyond 64 KiB.
//
// Thread-compatible: one reader per connection, so it belongs to that connection's worker.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "core/memory/byte_buffer.h"

namespace fullerene::codec {

class PickleFrameReader {
 public:
  explicit PickleFrameReader(uint32_t max_length) : max_length_(max_length) {}
  PickleFrameReader(const PickleFrameReader&) = delete;
  PickleFrameReader& operator=(const PickleFrameReader&) = delete;

  // Hands every complete frame in `bytes` (after whatever was buffered) to
  // handler.OnFrame(payload). Returns false when a declared length exceeds max_length: the
  // connection must be closed.
  template <typename Handler>
  [[nodiscard]] bool Feed(absl::string_view bytes, Handler& handler);

  // The length in the most recent header read: the frame being assembled or, after Feed()
  // returned false, the refused one. 0 before any header.
  uint32_t declared_length() const { return declared_length_; }
  // Bytes held for an incomplete frame, its header included.
  size_t buffered() const { return buffer_.size(); }
  // Drops any partial frame and the refused state, for a new connection.
  void Reset();

 private:
  static constexpr size_t kHeaderSize = 4;
  static constexpr size_t kKeepBytes = 64 * 1024;

  static uint32_t LoadBigEndian32(const char* p) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
  }

  // Moves up to `want` bytes from the front of *bytes into buffer_; returns how many.
  size_t Take(absl::string_view* bytes, size_t want) {
    const size_t n = std::min(want, bytes->size());
    buffer_.Append(bytes->substr(0, n));
    bytes->remove_prefix(n);
    return n;
  }

  const uint32_t max_length_;
  uint32_t declared_length_ = 0;
  bool refused_ = false;
  core::ByteBuffer buffer_;
};

template <typename Handler>
bool PickleFrameReader::Feed(absl::string_view bytes, Handler& handler) {
  if (refused_) {
    return false;
  }
  if (!buffer_.empty()) {
    // Finish the frame started by an earlier Feed(): first its header, then its payload.
    if (buffer_.size() < kHeaderSize) {
      Take(&bytes, kHeaderSize - buffer_.size());
      if (buffer_.size() < kHeaderSize) {
        return true;
      }
      declared_length_ = LoadBigEndian32(buffer_.data());
      if (declared_length_ > max_length_) {
        refused_ = true;
        buffer_.clear();
        return false;
      }
      buffer_.Reserve(declared_length_);
    }
    const size_t missing = kHeaderSize + declared_length_ - buffer_.size();
    if (Take(&bytes, missing) < missing) {
      return true;
    }
    handler.OnFrame(absl::string_view(buffer_.data() + kHeaderSize, declared_length_));
    buffer_.clear();
  }
  while (bytes.size() >= kHeaderSize) {
    declared_length_ = LoadBigEndian32(bytes.data());
    if (declared_length_ > max_length_) {
      refused_ = true;
      return false;
    }
    if (bytes.size() - kHeaderSize < declared_length_) {
      // Room for the whole frame now, so the rest of it never reallocates.
      buffer_.Reserve(kHeaderSize + declared_length_);
      break;
    }
    handler.OnFrame(bytes.substr(kHeaderSize, declared_length_));
    bytes.remove_prefix(kHeaderSize + declared_length_);
  }
  buffer_.Append(bytes);
  return true;
}

inline void PickleFrameReader::Reset() {
  buffer_.clear();
  buffer_.ShrinkTo(kKeepBytes);
  declared_length_ = 0;
  refused_ = false;
}

}  // namespace fullerene::codec
