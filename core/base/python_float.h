// File: python_float.h
//
// ParsePythonFloat() converts text the way Python 3's float(str) does, for the ASCII forms
// that metrics carry. carbon applies float() to both fields of a line (COMPAT §3.2) and to
// the timestamp and value of every pickled datapoint that arrives as str or bytes (§3.4), so
// what we accept and reject, and the double we produce, must agree with it:
//
//   accepted  "1", "-1.5", "+.5", "5.", "1e3", "1E-3", "1_000.000_1", "inf", "-Infinity",
//             "nan", "NaN", "1e400" (-> inf), "1e-400" (-> 0.0), " 2 " (surrounding
//             whitespace is stripped)
//   rejected  "", "0x10", "1,5", "1e", "_1", "1__0", "1_", "nan(1)", "in f", "\x1c3" (float()
//             strips only " \t\n\v\f\r", unlike str.split())
//
// The result is correctly rounded (round-half-even on the exact decimal value), as CPython's
// dtoa-based parser is.
//
// Divergence, on purpose: Python also accepts non-ASCII decimal digits ("١٢" -> 12.0) and
// strips non-ASCII whitespace around the number; we reject both. No metric client sends them
// and supporting them needs the Unicode digit tables. README.md lists this.
//
// Pure function; thread-safe; allocates only for literals that contain underscores.
#pragma once

#include "absl/strings/string_view.h"

namespace fullerene::core {

// Returns true and sets *out when `text` is a float literal Python's float() accepts.
[[nodiscard]] bool ParsePythonFloat(absl::string_view text, double* out);

}  // namespace fullerene::core
