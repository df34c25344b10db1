// File: check.h
//
// Invariant checks. The crash policy (STYLE.md rule 7):
//   FULLERENE_CHECK(cond) << msg;   always on; only for "cannot happen after init" failures
//                                   of the environment (and OOM). Never on anything derived
//                                   from the network or from config.
//   FULLERENE_DCHECK(cond) << msg;  debug builds only (NDEBUG off).
//   FULLERENE_BUG(msg)              a logic error: logs and counts in release, aborts in debug.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/base/log.h"

namespace fullerene::core {

// Number of FULLERENE_BUG events since start; exported with the self-metrics.
inline std::atomic<uint64_t> g_bug_count{0};

}  // namespace fullerene::core

#define FULLERENE_CHECK(cond)                                                    \
  if (__builtin_expect(static_cast<bool>(cond), 1)) {                            \
  } else                                                                         \
    ::fullerene::core::LogMessage(::fullerene::core::LogSeverity::kFatal)        \
        << __FILE__ << ":" << __LINE__ << " check failed: " #cond " "

#ifdef NDEBUG
#define FULLERENE_DCHECK(cond) \
  if (true) {                  \
  } else                       \
    ::fullerene::core::LogMessage(::fullerene::core::LogSeverity::kFatal)
#else
#define FULLERENE_DCHECK(cond) FULLERENE_CHECK(cond)
#endif

#ifdef NDEBUG
#define FULLERENE_BUG(msg)                                                             \
  do {                                                                                 \
    ::fullerene::core::g_bug_count.fetch_add(1, std::memory_order_relaxed);            \
    FULLERENE_LOG(ERROR) << __FILE__ << ":" << __LINE__ << " bug: " << msg;            \
  } while (false)
#else
#define FULLERENE_BUG(msg)                                                                   \
  do {                                                                                       \
    ::fullerene::core::LogMessage(::fullerene::core::LogSeverity::kFatal)                    \
        << __FILE__ << ":" << __LINE__ << " bug: " << msg;                                   \
  } while (false)
#endif
