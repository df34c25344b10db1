// File: byte_buffer.h
//
// ByteBuffer is a growable, heap-allocated run of bytes with kPadding readable bytes past
// its end, for the encoders (an outgoing batch) and for decoders that must keep a partial
// line or frame between two reads. Unlike std::string it never zero-fills what it is about
// to overwrite, and its padding lets SIMD scanners read a full vector past the last byte.
//
//   ByteBuffer out;
//   char* p = out.Reserve(64);   // room for at least 64 more bytes
//   p += WriteSomething(p);
//   out.CommitTo(p);             // the bytes up to p are now part of the buffer
//
// Thread-compatible. Move-only.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/string_view.h"
#include "core/base/check.h"

namespace fullerene::core {

class ByteBuffer {
 public:
  // Bytes past size() that may be read (never written) by vector code. The contents of the
  // padding are unspecified.
  static constexpr size_t kPadding = 64;

  ByteBuffer() = default;
  explicit ByteBuffer(size_t capacity) { Grow(capacity); }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ByteBuffer(ByteBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  ByteBuffer& operator=(ByteBuffer&& other) noexcept {
    if (this != &other) {
      std::free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }
  ~ByteBuffer() { std::free(data_); }

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  absl::string_view view() const { return absl::string_view(data_, size_); }

  void clear() { size_ = 0; }

  // Returns a pointer to the end of the data with room for at least `n` more bytes.
  char* Reserve(size_t n) {
    if (capacity_ - size_ < n) {
      Grow(size_ + n);
    }
    return data_ + size_;
  }
  // Makes the bytes written through Reserve(), up to `end`, part of the buffer.
  void CommitTo(const char* end) { size_ = static_cast<size_t>(end - data_); }
  void Commit(size_t n) { size_ += n; }

  void Append(absl::string_view bytes) {
    char* p = Reserve(bytes.size());
    if (!bytes.empty()) {
      std::memcpy(p, bytes.data(), bytes.size());
    }
    size_ += bytes.size();
  }
  void Append(char c) {
    *Reserve(1) = c;
    ++size_;
  }

  // Drops the first `n` bytes, moving the rest to the front.
  void Consume(size_t n) {
    if (n >= size_) {
      size_ = 0;
      return;
    }
    std::memmove(data_, data_ + n, size_ - n);
    size_ -= n;
  }

  void Truncate(size_t n) {
    if (n < size_) {
      size_ = n;
    }
  }

  // Frees the memory when it is larger than `keep` bytes, so an idle connection that once
  // carried a huge frame does not keep it.
  void ShrinkTo(size_t keep) {
    if (capacity_ > keep && size_ == 0) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = 0;
    }
  }

 private:
  void Grow(size_t min_capacity) {
    size_t capacity = capacity_ == 0 ? 256 : capacity_;
    while (capacity < min_capacity) {
      capacity *= 2;
    }
    void* p = std::realloc(data_, capacity + kPadding);
    FULLERENE_CHECK(p != nullptr) << "out of memory growing a buffer to " << capacity;
    data_ = static_cast<char*>(p);
    capacity_ = capacity;
  }

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace fullerene::core
