// File: log.h
//
// Logging to stderr, one line per message, with a UTC timestamp and a severity letter:
//
//   2026-11-25T13:24:07.123Z I listening for line on 127.0.0.1:2003
//
//   FULLERENE_LOG(INFO) << "listening on " << address;
//   FULLERENE_LOG(WARNING) << "unknown key " << key;
//
// Anything a client or a destination can trigger repeatedly must go through a RateLimiter so
// that a hostile or broken peer cannot flood the log:
//
//   static core::RateLimiter limiter;  // at most kDefaultBurst lines per second, then a summary
//   if (limiter.Allow()) { FULLERENE_LOG(WARNING) << ...; }
//
// Thread-safe: every message is written with one write(2), so lines from different threads
// never interleave.
#pragma once

#include <atomic>
#include <cstdint>
#include <sstream>
#include <string>

#include "absl/strings/string_view.h"

namespace fullerene::core {

enum class LogSeverity : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kFatal = 4 };

// Messages below this severity are not written. FULLERENE_LOG_LEVEL=debug|info|warning|error
// in the environment sets it at start-up.
void SetMinLogSeverity(LogSeverity severity);
LogSeverity MinLogSeverity();

// Writes one complete line (the timestamp, severity letter and a trailing newline are added).
void WriteLogLine(LogSeverity severity, absl::string_view message);

class LogMessage {
 public:
  explicit LogMessage(LogSeverity severity) : severity_(severity) {}
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  ~LogMessage();

  template <typename T>
  LogMessage& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  LogSeverity severity_;
  std::ostringstream stream_;
};

// RateLimiter lets through at most `burst` events per second and counts the rest, so a
// log line can say how many were suppressed. Thread-safe (relaxed atomics; an exact count
// matters less than never blocking the data path).
class RateLimiter {
 public:
  static constexpr int kDefaultBurst = 10;
  explicit RateLimiter(int burst = kDefaultBurst) : burst_(burst) {}

  // Returns true when this event may be logged. Suppressed() then returns how many events
  // were refused since the last allowed one, and resets that count.
  bool Allow();
  uint64_t TakeSuppressed() { return suppressed_.exchange(0, std::memory_order_relaxed); }

 private:
  const int burst_;
  std::atomic<int64_t> window_second_{-1};
  std::atomic<int> in_window_{0};
  std::atomic<uint64_t> suppressed_{0};
};

}  // namespace fullerene::core

#define FULLERENE_LOG_DEBUG ::fullerene::core::LogSeverity::kDebug
#define FULLERENE_LOG_INFO ::fullerene::core::LogSeverity::kInfo
#define FULLERENE_LOG_WARNING ::fullerene::core::LogSeverity::kWarning
#define FULLERENE_LOG_ERROR ::fullerene::core::LogSeverity::kError
#define FULLERENE_LOG_FATAL ::fullerene::core::LogSeverity::kFatal

#define FULLERENE_LOG(severity)                                              \
  if (FULLERENE_LOG_##severity < ::fullerene::core::MinLogSeverity()) {     \
  } else                                                                     \
    ::fullerene::core::LogMessage(FULLERENE_LOG_##severity)
