// File: newline_count.h
//
// CountNewlines counts the '\n' bytes in a buffer: how the sink counts line-protocol
// datapoints (one per line) without parsing them, at memory speed, so that one core can
// absorb tens of millions of datapoints per second.
//
//   sink.datapoints += CountNewlines(received);
//
// Pure; thread-safe.
#pragma once

#include <cstddef>

#include "absl/strings/string_view.h"

namespace fullerene::gen {

size_t CountNewlines(absl::string_view bytes);

}  // namespace fullerene::gen
