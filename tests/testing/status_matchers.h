// File: status_matchers.h
//
// GoogleTest matchers for absl::Status and absl::StatusOr (Debian's Abseil predates
// absl/status/status_matchers.h):
//
//   EXPECT_THAT(LoadConfig(options), IsOk());
//   EXPECT_THAT(LoadConfig(options), StatusIs(absl::StatusCode::kInvalidArgument,
//                                             HasSubstr("carbon.conf:3")));
//   ASSERT_OK_AND_ASSIGN(Config config, LoadConfig(options));
#pragma once

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fullerene::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) {
    *result_listener << "status is " << status;
  }
  return status.ok();
}

MATCHER_P2(StatusIs, code, message_matcher, "") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

}  // namespace fullerene::testing

#define FULLERENE_TESTING_CONCAT_INNER_(a, b) a##b
#define FULLERENE_TESTING_CONCAT_(a, b) FULLERENE_TESTING_CONCAT_INNER_(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                                   \
  auto FULLERENE_TESTING_CONCAT_(statusor_, __LINE__) = (expr);                           \
  ASSERT_TRUE(FULLERENE_TESTING_CONCAT_(statusor_, __LINE__).ok())                        \
      << FULLERENE_TESTING_CONCAT_(statusor_, __LINE__).status();                         \
  lhs = std::move(FULLERENE_TESTING_CONCAT_(statusor_, __LINE__)).value()
