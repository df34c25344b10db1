// File: pickle_text.h
//
// The text arguments of protocol-0 opcodes, read exactly as CPython 3.11's _pickle.c reads
// them, and the UTF-8 rules the decoder applies to strings. Each *Line function takes the
// bytes between the opcode and the '\n' that ends its argument.
//
// CPython copies the line into a NUL-terminated buffer and hands it to C string functions,
// so for INT, LONG, FLOAT, GET and PUT an embedded NUL ends the number ("I5\0junk\n" is 5).
// STRING and UNICODE decode the whole line, NULs included.
//
//   INT 'I'     glibc strtol(line, &end, 0) when it consumes everything up to the '\n' or
//               NUL, else int(line, 0). "I01\n" is True and "I00\n" is False, because
//               _pickle.c turns a 3-byte line (newline included) holding 0 or 1 into a bool
//               (so " 1", "+1" and "\0x" are bools too); "I010\n" is 8 (C octal).
//   LONG 'L'    int(line, 0) after dropping one trailing 'L'.
//   FLOAT 'F'   PyOS_string_to_double: [sign] digits/point/exponent or inf/infinity/nan,
//               with no surrounding space and no '_'; a finite literal that overflows is an
//               error (OverflowError), one that underflows is 0.
//   GET, PUT    int(line, 10).
//   STRING 'S'  a bytes literal in matching ' or " quotes with Python 2 escapes: \\ \' \"
//               \a \b \f \n \r \t \v, \ooo (1-3 octal digits, the value taken mod 256),
//               \xhh (exactly two hex digits); any other backslash is kept as is. A
//               trailing lone backslash is an error.
//   UNICODE 'V' raw-unicode-escape: every byte is the Latin-1 code point of that value,
//               except \uXXXX and \UXXXXXXXX (<= 10FFFF), which must be complete.
//
// int(text, base) here is Python's PyLong_FromString: optional ASCII space around it, a sign,
// base 0 prefixes 0x/0o/0b (and "0" followed by more digits only when they are all zero),
// single underscores between digits, and at most 4300 decimal digits (Python 3.11's
// sys.int_max_str_digits; a longer literal is a ValueError).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/pickle/pickle_int.h"
#include "core/memory/byte_buffer.h"

namespace fullerene::codec::internal {

// Python 3.11's default sys.int_max_str_digits.
inline constexpr size_t kMaxDecimalDigits = 4300;

// PyLong_FromString(text, NULL, base) for base 0 or 10. Big values go to *limbs.
[[nodiscard]] bool ParsePythonInt(absl::string_view text, int base, std::vector<uint32_t>* limbs,
                                  PickleInt* out);

// The INT opcode; `line` must not be empty (CPython rejects a bare "I\n" before parsing it).
// *is_bool is set when the value is the bool True or False.
[[nodiscard]] bool ParseIntLine(absl::string_view line, std::vector<uint32_t>* limbs,
                                PickleInt* out, bool* is_bool);

// The LONG opcode.
[[nodiscard]] bool ParseLongLine(absl::string_view line, std::vector<uint32_t>* limbs,
                                 PickleInt* out);

// The GET and PUT opcodes' index.
[[nodiscard]] bool ParseMemoIndexLine(absl::string_view line, std::vector<uint32_t>* limbs,
                                      PickleInt* out);

// The FLOAT opcode.
[[nodiscard]] bool ParseFloatLine(absl::string_view line, double* out);

// The STRING opcode: appends the decoded bytes to *out.
[[nodiscard]] bool DecodeStringLine(absl::string_view line, core::ByteBuffer* out);

// The UNICODE opcode: appends the text as UTF-8 to *out. A surrogate code point (\ud800) is
// written as its 3-byte sequence (as Python's 'surrogatepass' would), which IsStrictUtf8()
// then rejects.
[[nodiscard]] bool DecodeRawUnicodeEscapeLine(absl::string_view line, core::ByteBuffer* out);

// True when `text` is UTF-8 that Python's strict codec accepts: shortest forms only, no
// surrogates, nothing above U+10FFFF. A metric name must pass this.
bool IsStrictUtf8(absl::string_view text);

// The length of the character at the start of `text` (which must not be empty) as Python
// would iterate the str: a well-formed UTF-8 sequence, surrogates included, counts as one;
// a byte that starts no such sequence counts as one on its own. (Only a str that Python
// could not have decoded has such bytes; iterating it this way is our choice.)
size_t CharacterLength(absl::string_view text);

}  // namespace fullerene::codec::internal
