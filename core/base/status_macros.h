// File: status_macros.h
//
// Early-return helpers for absl::Status / absl::StatusOr, which Debian's Abseil (20220623)
// does not ship yet.
//
//   FULLERENE_RETURN_IF_ERROR(LoadFile(path));
//   FULLERENE_ASSIGN_OR_RETURN(Config config, LoadConfig(options));
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FULLERENE_STATUS_CONCAT_INNER_(a, b) a##b
#define FULLERENE_STATUS_CONCAT_(a, b) FULLERENE_STATUS_CONCAT_INNER_(a, b)

#define FULLERENE_RETURN_IF_ERROR(expr)               \
  do {                                                \
    ::absl::Status fullerene_status_ = (expr);        \
    if (!fullerene_status_.ok()) {                    \
      return fullerene_status_;                       \
    }                                                 \
  } while (false)

#define FULLERENE_ASSIGN_OR_RETURN(lhs, expr) \
  FULLERENE_ASSIGN_OR_RETURN_IMPL_(FULLERENE_STATUS_CONCAT_(fullerene_statusor_, __LINE__), lhs, expr)

#define FULLERENE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                     \
  if (!statusor.ok()) {                                       \
    return std::move(statusor).status();                      \
  }                                                           \
  lhs = std::move(statusor).value()
