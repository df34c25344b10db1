// File: line_encoder.h
//
// The plaintext ("line") protocol sender: what carbon's line client writes for one datapoint
// when DESTINATION_PROTOCOL = line (COMPAT §4.3):
//
//   v = ("%.10f" % value).rstrip('0').rstrip('.')
//   line = ("%s %s %d" % (metric, v, ts)).encode('utf-8') + b"\r\n"
//
// so that a destination sees byte-identical text whichever relay sent it. Values go through
// "%.10f", which is correctly rounded on the exact binary value (ties to even), then lose
// trailing zeros and a trailing point; timestamps go through "%d", which truncates toward
// zero and prints every integer digit.
//
//   core::ByteBuffer batch;
//   AppendLine(&batch, "", "a.b", 1700000000.9, 0.1);   // "a.b 0.1 1700000000\r\n"
//
// Every finite value with |v| < 2^64 is formatted with integer arithmetic (exactly, with the
// same rounding as glibc's and Python's "%.10f"); larger values and timestamps beyond int64
// go through snprintf. NaN prints "nan" whatever its sign bit, as Python does (glibc would
// print "-nan").
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "absl/strings/string_view.h"
#include "core/memory/byte_buffer.h"

namespace fullerene::codec {

// Room for "%.10f" of -DBL_MAX (321 bytes and a NUL that snprintf writes) and "%d" of any
// double (at most 310 bytes and the NUL).
inline constexpr size_t kMaxFormattedNumber = 340;

// carbon's value text: ("%.10f" % v).rstrip('0').rstrip('.'). 1.0->"1", 0.1->"0.1",
// -0.0->"-0", 1e-11->"0", -1e-11->"-0", 5e-11->"0.0000000001", 1e20->"100000000000000000000",
// inf->"inf", -inf->"-inf", nan->"nan".
// Writes into out (at least kMaxFormattedNumber bytes; the bytes past the returned length
// may be overwritten), returns the length.
size_t FormatCarbonValue(double value, char* out);

// carbon's timestamp text: "%d" % ts, i.e. truncation toward zero and the exact integer
// digits even for huge values (1e300 prints all 301 digits). 1700000000.9 -> "1700000000",
// -1.5 -> "-1", -0.5 -> "0". ts must be finite (carbon cannot send a NaN or inf timestamp:
// int() raises); were it not, this prints snprintf's "inf"/"nan" rather than misbehave.
// Same contract for `out` as FormatCarbonValue.
size_t FormatCarbonTimestamp(double timestamp, char* out);

// Appends "<prefix><name> <value> <timestamp>\r\n" (carbon writes CRLF, COMPAT §4.3). The
// name is written as given: sanitizing it is the router's job, not the encoder's.
void AppendLine(core::ByteBuffer* out, absl::string_view prefix, absl::string_view name,
                double timestamp, double value);

}  // namespace fullerene::codec
