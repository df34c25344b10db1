#include "core/base/log.h"

#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace fullerene::core {
namespace {

LogSeverity InitialSeverity() {
  const char* env = std::getenv("FULLERENE_LOG_LEVEL");
  if (env == nullptr) {
    return LogSeverity::kInfo;
  }
  std::string level = absl::AsciiStrToLower(env);
  if (level == "debug") return LogSeverity::kDebug;
  if (level == "warning") return LogSeverity::kWarning;
  if (level == "error") return LogSeverity::kError;
  return LogSeverity::kInfo;
}

std::atomic<int> g_min_severity{static_cast<int>(InitialSeverity())};

constexpr char kSeverityLetters[] = "DIWEF";

}  // namespace

void SetMinLogSeverity(LogSeverity severity) {
  g_min_severity.store(static_cast<int>(severity), std::memory_order_relaxed);
}

LogSeverity MinLogSeverity() {
  return static_cast<LogSeverity>(g_min_severity.load(std::memory_order_relaxed));
}

void WriteLogLine(LogSeverity severity, absl::string_view message) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  std::string line = absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %c %s\n",
                                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                     tm.tm_min, tm.tm_sec, static_cast<int>(now.tv_nsec / 1000000),
                                     kSeverityLetters[static_cast<int>(severity)], message);
  // One write per line keeps lines from different threads whole; a short write to a
  // full pipe is retried rather than lost.
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) {
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

LogMessage::~LogMessage() {
  WriteLogLine(severity_, stream_.str());
  if (severity_ == LogSeverity::kFatal) {
    std::abort();
  }
}

bool RateLimiter::Allow() {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  const int64_t second = now.tv_sec;
  int64_t window = window_second_.load(std::memory_order_relaxed);
  if (window != second &&
      window_second_.compare_exchange_strong(window, second, std::memory_order_relaxed)) {
    in_window_.store(0, std::memory_order_relaxed);
  }
  if (in_window_.fetch_add(1, std::memory_order_relaxed) < burst_) {
    return true;
  }
  suppressed_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

}  // namespace fullerene::core
