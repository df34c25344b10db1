// File: line_decoder.h
//
// The plaintext ("line") protocol receiver: `<name> <value> <timestamp>` per line, as carbon's
// LINE_RECEIVER_PORT (TCP, Twisted LineOnlyReceiver) and its UDP listener accept it (COMPAT
// §3.2, §3.3). ParseLine() parses one line; LineStreamDecoder frames a TCP byte stream;
// DecodeDatagram() splits one UDP datagram. Decoded metrics go to a Handler:
//
//   struct Handler {
//     void OnMetric(const core::MetricView& metric);           // metric.name views the input
//     void OnBadLine(LineStatus status, absl::string_view line);
//   };
//   LineStreamDecoder decoder;                                 // one per connection
//   if (!decoder.Feed(received, handler)) { close; count decoder.overlong_length(); }
//
// Ownership: the decoder owns only its carry buffer (the unterminated tail); it never keeps a
// pointer to the bytes it is fed. A name or line handed to the handler views either those
// bytes or the carry buffer and is valid only during the callback, so a handler that keeps it
// must copy it.
//
// What a line is, exactly as carbon 1.1.7 on Python 3 has it: the bytes must be valid UTF-8
// (`line.decode('utf-8')`, strict), then `line.strip().split()` must give exactly three fields
// separated by runs of Python whitespace (ASCII \t \n \v \f \r \x1c-\x1f and space, plus
// U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), then the
// third and second fields must pass Python's float() (ParsePythonFloat). The verdict is the
// first of those checks that fails, in that order. NaN and inf come back as parsed: carbon
// drops a NaN value and dies on a NaN or inf timestamp in metricReceived (§3.1), which is the
// caller's business, not the codec's.
//
// Divergences from carbon, on purpose (COMPAT §8):
//  * Invalid UTF-8 and bad numbers cost only their own line. carbon drops the whole TCP
//    connection on bad UTF-8 (an unhandled UnicodeDecodeError) and the whole UDP datagram.
//  * A UDP datagram is split into lines on the raw bytes, before any UTF-8 check, by
//    matching the encoded line breaks (U+0085 is C2 85, U+2028/9 are E2 80 A8/A9). A UTF-8
//    lead byte can never be a continuation byte, so on valid input this is exactly
//    str.splitlines(); on invalid input the damage stays inside the lines that hold it.
//  * Non-ASCII decimal digits in a number ("١٢") are rejected (see python_float.h), so such a
//    line is kBadTimestamp or kBadValue where carbon would accept it.
//  * The UDP datagram size cap (Twisted reads 8192 bytes and truncates) is the receiver's
//    choice, not this file's: DecodeDatagram() takes whatever it is given.
//
// Performance: lines that lie wholly inside the bytes passed to Feed() are parsed in place;
// only an unterminated tail is copied (into a ByteBuffer that grows to at most
// kMaxLineLength + ByteBuffer::kPadding and is then reused). Pure-ASCII lines, the usual
// case, skip UTF-8 validation and split fields a word at a time.
//
// Worker-confined: a LineStreamDecoder belongs to one connection and so to one worker.
// ParseLine() and DecodeDatagram() are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"
#include "core/base/metric_view.h"
#include "core/memory/byte_buffer.h"

namespace fullerene::codec {

// Why a line was not turned into a metric. kOk means it was.
enum class LineStatus : uint8_t { kOk = 0, kBadUtf8, kFieldCount, kBadTimestamp, kBadValue };

// "ok", "bad_utf8", "field_count", "bad_timestamp", "bad_value": stable names for counters
// and logs.
absl::string_view LineStatusName(LineStatus status);

// Parses one line without the '\n' that ended it (a trailing '\r' is just whitespace).
// On kOk fills *out; out->name is a view into `line`. NaN/inf values and timestamps are
// returned as parsed (the caller decides what to do with them). *out is left untouched
// otherwise.
//
//   ParseLine("a.b 1.5 1700000000\r", &m)  -> kOk, m = {"a.b", 1700000000, 1.5}
//   ParseLine("a.b 1.5", &m)               -> kFieldCount
//   ParseLine("a.b 1,5 1700000000", &m)    -> kBadValue
LineStatus ParseLine(absl::string_view line, core::MetricView* out);

namespace internal {

// Parses `line` and hands the result to the handler. Shared by the TCP and UDP paths.
template <typename Handler>
inline void DeliverLine(absl::string_view line, Handler& handler) {
  core::MetricView metric;
  const LineStatus status = ParseLine(line, &metric);
  if (status == LineStatus::kOk) {
    handler.OnMetric(metric);
  } else {
    handler.OnBadLine(status, line);
  }
}

// Where the next str.splitlines() break at or after `p` starts, and where the text after it
// begins. When there is none, both are `end`.
struct LineBreak {
  const char* line_end;
  const char* next;
};
LineBreak FindLineBreak(const char* p, const char* end);

}  // namespace internal

// Splits a TCP byte stream into lines like Twisted's LineOnlyReceiver (delimiter '\n',
// MAX_LENGTH 16384) and parses each with ParseLine().
//
// The length rule is Twisted's: a line longer than kMaxLineLength bytes (without its '\n',
// with any '\r') closes the connection, and so does an unterminated tail longer than that,
// before its '\n' has arrived. Because the tail is checked on every Feed(), the callbacks do
// not depend on how the stream was cut into reads: feeding it byte by byte gives exactly
// what feeding it whole gives, including where it stops.
class LineStreamDecoder {
 public:
  // Twisted's LineOnlyReceiver.MAX_LENGTH. A line of exactly this many bytes is accepted.
  static constexpr size_t kMaxLineLength = 16384;

  LineStreamDecoder() = default;
  LineStreamDecoder(const LineStreamDecoder&) = delete;
  LineStreamDecoder& operator=(const LineStreamDecoder&) = delete;
  LineStreamDecoder(LineStreamDecoder&&) = default;
  LineStreamDecoder& operator=(LineStreamDecoder&&) = default;

  // Feeds received bytes. Complete lines are parsed and handed to the handler in order.
  // Returns false when the connection must be closed because a line (without its '\n') or
  // the unterminated tail is longer than kMaxLineLength; lines before it in `bytes` were
  // delivered, nothing after. overlong_length() then says how long it was (for a tail, how
  // long it had become). After false the decoder must be Reset() before reuse; until then
  // every Feed() delivers nothing and returns false again, and buffered() is 0.
  //
  // Does not read past `bytes`, so the ByteBuffer padding contract is not needed here.
  template <typename Handler>
  [[nodiscard]] bool Feed(absl::string_view bytes, Handler& handler);

  // Bytes of an unterminated line kept from earlier Feed() calls.
  size_t buffered() const { return carry_.size(); }
  // Length of the line that made Feed() return false; 0 while the decoder is usable. For a
  // tail that outgrew the limit before its '\n' arrived this is how long it had become when
  // the check failed, which depends on how the stream was cut into reads (only "> 16384"
  // does not).
  size_t overlong_length() const { return overlong_length_; }
  // Drops the unterminated tail (carbon discards it silently at EOF) and the overlong state.
  // The carry buffer keeps its memory for the next connection's use.
  void Reset() {
    carry_.clear();
    overlong_length_ = 0;
  }

 private:
  // Records why the stream must be closed; always returns false for the caller to pass on.
  bool Overlong(size_t length) {
    overlong_length_ = length;
    carry_.clear();
    return false;
  }

  // The unterminated tail of the previous Feed(); never longer than kMaxLineLength.
  core::ByteBuffer carry_;
  // Non-zero once a line was too long: the stream is dead until Reset().
  size_t overlong_length_ = 0;
};

template <typename Handler>
bool LineStreamDecoder::Feed(absl::string_view bytes, Handler& handler) {
  if (overlong_length_ != 0) {
    return false;
  }
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  if (p == end) {
    return true;
  }
  if (!carry_.empty()) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* line_end = newline == nullptr ? end : newline;
    const size_t length = carry_.size() + static_cast<size_t>(line_end - p);
    if (length > kMaxLineLength) {
      return Overlong(length);
    }
    carry_.Append(absl::string_view(p, line_end - p));
    if (newline == nullptr) {
      return true;
    }
    internal::DeliverLine(carry_.view(), handler);
    carry_.clear();
    p = newline + 1;
  }
  while (p != end) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (newline == nullptr) {
      break;
    }
    const size_t length = static_cast<size_t>(newline - p);
    if (length > kMaxLineLength) {
      return Overlong(length);
    }
    internal::DeliverLine(absl::string_view(p, length), handler);
    p = newline + 1;
  }
  const size_t tail = static_cast<size_t>(end - p);
  if (tail > kMaxLineLength) {
    return Overlong(tail);
  }
  if (tail != 0) {
    carry_.Append(absl::string_view(p, tail));
  }
  return true;
}

// One UDP datagram: split like Python str.splitlines() (breaks: \n, \r, \r\n, \v, \f, \x1c,
// \x1d, \x1e, U+0085, U+2028, U+2029; \x1f is whitespace but not a break), each piece parsed
// with ParseLine(). No length limit per line. As in splitlines(), a break at the very end
// does not start another (empty) line, but an empty line between two breaks is one, and so
// reaches OnBadLine as kFieldCount, as carbon logs it.
template <typename Handler>
void DecodeDatagram(absl::string_view datagram, Handler& handler) {
  const char* p = datagram.data();
  const char* const end = p + datagram.size();
  while (p != end) {
    const internal::LineBreak line_break = internal::FindLineBreak(p, end);
    internal::DeliverLine(absl::string_view(p, line_break.line_end - p), handler);
    p = line_break.next;
  }
}

}  // namespace fullerene::codec
