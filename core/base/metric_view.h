// File: metric_view.h
//
// MetricView is one decoded datapoint as it travels from a decoder to the router and the
// encoders: a view of the metric name (into the receive buffer, or into a decoder's scratch
// space) plus the timestamp and value as doubles.
//
// Both numbers are doubles because carbon keeps what it received as Python floats: a pickle
// timestamp of 1700000000.9 is forwarded unchanged, and line output truncates it only when it
// is written (COMPAT §4.2, §4.3). The name view is valid only until the decoder is fed again.
//
// Thread-compatible value type.
#pragma once

#include "absl/strings/string_view.h"

namespace fullerene::core {

struct MetricView {
  absl::string_view name;
  double timestamp = 0;
  double value = 0;
};

}  // namespace fullerene::core
