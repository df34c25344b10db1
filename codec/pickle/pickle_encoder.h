// File: pickle_encoder.h
//
// PickleBatchWriter writes one framed pickle message exactly as carbon-relay sends a batch to
// a pickle destination (COMPAT §4.2):
//
//   struct.pack('!I', len(p)) + p,  p = pickle.dumps([(metric, (ts, value)), ...], protocol=2)
//
//   PickleBatchWriter writer;
//   writer.Begin(&out);                              // out may already hold other messages
//   for (...) writer.Add(prefix, name, ts, value);   // name sent = prefix + name
//   writer.Finish();                                 // out now ends with the whole message
//
// The bytes are CPython 3's for a list of distinct str objects and float pairs:
//
//   80 02 5d 71 00                        PROTO 2, EMPTY_LIST, BINPUT 0
//   28 item x up to 1000 65               MARK ... APPENDS, per chunk of 1000 (_pickle.c's
//                                         BATCHSIZE); a final chunk of one item is still
//                                         MARK item APPENDS (the C pickler's batch_list_exact)
//   item 61                               ... except a one-item list: item APPEND
//   2e                                    STOP
//   item = 58 <u32le len> <utf8> q/r      BINUNICODE name, BINPUT
//          47 <f64be ts> 47 <f64be value> 86 q/r    BINFLOAT x2, TUPLE2, BINPUT
//          86 q/r                         TUPLE2, BINPUT
//
// Memo indices count from 1 (the list is 0), three per item; BINPUT 'q' takes a 1-byte
// index up to 255 and LONG_BINPUT 'r' a 4-byte little-endian one after that. CPython would
// write BINGET for a name object repeated within one batch (object identity); we always
// write the name again, which decodes to the same thing. carbon-relay's own timestamps and
// values are floats, so they are always written as BINFLOAT.
//
// Speed: Add() reserves once and writes with plain stores (byte-swapped doubles, one
// branch on the memo width per item); Begin/Finish do the per-message work, including
// dropping the MARK that Add() wrote speculatively when the batch turns out to have one
// item (a memmove of that one item).
//
// Thread-compatible: a writer and its output buffer belong to one worker.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "core/memory/byte_buffer.h"

namespace fullerene::codec {

class PickleBatchWriter {
 public:
  // CPython's pickler batch size for APPENDS.
  static constexpr size_t kBatchSize = 1000;

  // Starts a message at the end of *out: the 4-byte length placeholder, PROTO 2, EMPTY_LIST,
  // BINPUT 0. `out` must stay alive and untouched by others until Finish().
  void Begin(core::ByteBuffer* out);
  // Appends (prefix + name, (timestamp, value)). The name must be valid UTF-8 (it is sent
  // as a Python str) and prefix + name shorter than 4 GiB.
  void Add(absl::string_view prefix, absl::string_view name, double timestamp, double value);
  // Closes the list, writes STOP and fills in the length.
  void Finish();
  // Items added since Begin().
  size_t count() const { return count_; }

 private:
  core::ByteBuffer* out_ = nullptr;
  size_t start_ = 0;       // offset of the length field in *out_
  size_t first_item_ = 0;  // offset of the first item, just after its MARK
  size_t count_ = 0;
  size_t chunk_left_ = 0;  // items the current MARK ... APPENDS chunk may still take
  uint32_t next_memo_ = 1;
};

}  // namespace fullerene::codec
